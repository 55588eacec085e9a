"""The base of every fact value model, and `FactSpec`: one fact key linked to its value type.

A family module (`probes/factvalues/media.py` ...) declares its value models and its keys next to each
other; `probes.facts.FACT_CATALOGUE` collects the keys of every family. Value models are frozen, reject
fields they do not declare, and give every field one default at most: None, meaning "the device did not
say" (never a friendly value such as True or 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Generic, TypeVar

from pydantic import ConfigDict, TypeAdapter

from probes.records import CompactRecord

V = TypeVar("V")
V_co = TypeVar("V_co", covariant=True)


class FactValue(CompactRecord):
    """A structured fact value (one element of a list fact, or the whole value)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    intern_every_str = True  # namespaces, versions, encodings, tokens: the same across cameras


@dataclass(frozen=True)
class FactSpec(Generic[V_co]):
    """What a fact key means, the type of its value, and which operation normally provides it.

    Pass the spec itself (not its key string) to `DeviceFacts.value` / `CheckContext.fact` and the value
    comes back typed as `V_co`. A value of None is always allowed: the fact carries no value.
    """

    key: str
    value_type: Any  # the type expression V (a model, list[model], str, bool ...)
    source: str
    description: str

    @cached_property
    def adapter(self) -> TypeAdapter[Any]:
        """Validates and serialises values of this fact (built on first use)."""
        return TypeAdapter(self.value_type)

    @property
    def shape(self) -> str:
        """The value type as text ("list[PrivacyMask]"), for docs and error messages."""
        return _type_name(self.value_type)

    def validate(self, value: Any) -> V_co:
        """The value as its typed model (JSON data from a document, or a value already typed)."""
        result: V_co = self.adapter.validate_python(value)
        return result


def _type_name(tp: Any) -> str:
    args = getattr(tp, "__args__", None)
    origin = getattr(tp, "__origin__", None)
    if args and origin is not None:
        return f"{getattr(origin, '__name__', str(origin))}[{', '.join(_type_name(a) for a in args)}]"
    if args:  # X | Y
        return " | ".join(_type_name(a) for a in args)
    return getattr(tp, "__name__", str(tp)).replace("NoneType", "None")


def fact(key: str, value_type: type[V], source: str, description: str) -> FactSpec[V]:
    """Declare one fact key of a family (the catalogue collects them); `FactSpec(...)` for Literal types."""
    return FactSpec(key, value_type, source, description)
