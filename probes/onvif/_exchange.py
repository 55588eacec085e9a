"""One HTTP request and its reply as the channel saw them: what `camaudit capture` records.

The channel hands every hop (also a 401 and the retry that answers it) to an optional
`ExchangeSink`; the capture recorder scrubs credentials from it at once, so an unscrubbed
exchange never outlives the call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(slots=True)
class Exchange:
    operation: str  # "tds:GetDeviceInformation"
    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    sent_at: datetime
    elapsed_ms: float = 0.0
    status: int | None = None  # None: no HTTP reply (see error)
    reply_headers: list[tuple[str, str]] = field(default_factory=list)
    reply_body: bytes = b""
    error: str | None = None  # timeout, connection refused or reset, reply over the size cap


class ExchangeSink(Protocol):
    def __call__(self, exchange: Exchange) -> None: ...
