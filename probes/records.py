"""Many small frozen records in little memory: what a 10,000-camera scan keeps until its reports are written.

A scan holds ~65 facts, ~30 evidence excerpts and ~35 findings per camera until the end. pydantic gives
every model instance its own `__pydantic_fields_set__`, a set of the field names given explicitly: 200-700
bytes, more than the record's own values (measured: a third of the scan's heap, bench/README.md "Round
three"). For a frozen model that set never changes after validation, so every instance with the same
fields given can share one. Device strings that repeat across cameras (evidence excerpts and hashes of
identical replies, reasons, messages, the strings of fact values such as service namespaces) are interned with
`sys.intern`, which drops them when the last user goes.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from pydantic import BaseModel

_SHARED: dict[frozenset[str], set[str]] = {}


def shared_fields_set(names: set[str]) -> set[str]:
    """One set object per combination of field names (a set, as pydantic expects; never mutated)."""
    key = frozenset(names)
    shared = _SHARED.get(key)
    if shared is None:
        shared = _SHARED.setdefault(key, set(key))
    return shared


def key_sharing_dict(instance: object, values: Mapping[str, Any]) -> dict[str, Any]:
    """`instance`'s own `__dict__`, filled with `values`: on CPython a split dict whose keys are shared by every
    instance of the class that was filled in the same order (the values alone, ~200 bytes for a finding's 17
    fields instead of ~460 for a dict of its own). Only for an instance whose `__dict__` is still empty.

    One key at a time: `dict.update` from another dict would copy that dict's own key table.
    """
    shared: dict[str, Any] = instance.__dict__
    for name, value in values.items():
        shared[name] = value
    return shared


def interned(text: str | None) -> str | None:
    """`sys.intern` for an exact str (subclasses are left alone); None stays None."""
    return sys.intern(text) if type(text) is str else text


class CompactRecord(BaseModel):
    """A frozen model whose instances share their fields-set (see the module docstring).

    Only frozen models may use it: pydantic adds to `__pydantic_fields_set__` on attribute assignment,
    which a frozen model refuses before touching the set. Subclasses name string fields worth interning in
    `interned_fields`.
    """

    interned_fields: ClassVar[tuple[str, ...]] = ()
    intern_every_str: ClassVar[bool] = False  # every field holding an exact str (value models: few fields)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if not cls.model_config.get("frozen"):
            raise TypeError(f"{cls.__name__} shares its fields-set between instances: it must be frozen")

    def model_post_init(self, context: Any, /) -> None:
        self._compact()

    def __setstate__(self, state: dict[Any, Any]) -> None:  # unpickled (a reader process's sheet)
        super().__setstate__(state)
        self._compact()

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        copied = super().model_copy(update=update, deep=deep)
        copied._compact()
        return copied

    def _compact(self) -> None:
        object.__setattr__(self, "__pydantic_fields_set__", shared_fields_set(self.__pydantic_fields_set__))
        values = self.__dict__
        for name in self.interned_fields:
            values[name] = interned(values[name])
        if self.intern_every_str:
            for name, value in values.items():
                if type(value) is str:
                    values[name] = sys.intern(value)
