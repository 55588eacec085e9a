"""The capture archive: one device's requests and replies, safe to attach to a public bug report.

A JSON document (`camaudit.capture/1`). `lab/replay.py` reads it with nothing but `json`, so the
field names here are a contract with the lab; bump the format when they change.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from probes.errors import ConfigError

FORMAT: Final = "camaudit.capture/1"


class ArchivedExchange(BaseModel):
    """One HTTP request and its reply, credentials removed (and identifiers pseudonymised unless kept)."""

    model_config = ConfigDict(extra="forbid")

    seq: int
    operation: str  # "tds:GetDeviceInformation"
    method: str = "POST"
    url: str
    sent_offset_ms: float  # since the first request of the capture
    elapsed_ms: float
    status: int | None  # None: no HTTP reply, see `error`
    request_headers: list[tuple[str, str]]
    request_body: str
    reply_headers: list[tuple[str, str]]
    reply_body: str
    reply_body_base64: bool = False  # the reply was not UTF-8: `reply_body` is its base64
    error: str | None = None
    source: str | None = None  # corpus only: where a reply written by others came from (file, licence in SOURCES.md)


class Archive(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["camaudit.capture/1"] = FORMAT
    camaudit_version: str
    captured_at: datetime
    device_xaddr: str  # the device service URL that was read
    identifiers: Literal["pseudonymised", "kept"]
    credentials: Literal["removed"] = "removed"
    exchanges: list[ArchivedExchange]

    def write(self, path: Path) -> None:
        path.write_text(self.model_dump_json(indent=1) + "\n", encoding="utf-8")


def load_archive(path: Path) -> Archive:
    """Read an archive; a clear error naming the file and the field when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the capture archive: {exc.strerror}", path=str(path)) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"not JSON: {exc.msg}", path=str(path), line=exc.lineno) from None
    try:
        return Archive.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"not a {FORMAT} archive: {err['msg']}", path=str(path), field=field) from None
