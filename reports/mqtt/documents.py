"""Whole scan documents over MQTT, for a central collector that rebuilds every site from the broker alone.

A site agent (`camaudit watch --mqtt ... --mqtt-documents`) publishes, next to its alerts:

    <prefix>/v1/<site>/scandoc/<scan-id>/<chunk>      the scan document (camaudit.scan/N), gzip, in chunks
    <prefix>/v1/<site>/scanner/<scanner-id>/scans     retained: the ids of its recent complete scans

and listens on `<prefix>/v1/<site>/command` for a collector asking it to re-send scans it never got.
Each message is JSON described by a pydantic model here; `message_schemas()` gives their JSON Schemas
(published in reports/schema/, regenerate with `python -m reports.mqtt.documents`). A chunk's message id
comes from (scan, digest of the compressed document, chunk number), so a re-send of the same bytes keeps
its ids, and a re-send that serialised differently can never be mixed with the first copy's chunks.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import sys
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reports.model import ScanResult
from reports.mqtt.config import MqttConfig
from reports.mqtt.messages import message_id
from reports.mqtt.outbox import OutboxMessage
from reports.mqtt.topics import Topics
from reports.textsafety import json_escape_bytes

DOC_SCHEMA = "camaudit.mqtt.scandoc/1"
SCANS_SCHEMA = "camaudit.mqtt.scans/1"
COMMAND_SCHEMA = "camaudit.mqtt.command/1"
CHUNK_BYTES = 192 * 1024  # compressed bytes per message: 256 KiB of base64, far below any broker's limit
RECENT_SCANS = 50  # scan ids listed in the retained `scans` message
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"


class DocumentError(ValueError):
    """A scan document that cannot be assembled: digest mismatch, corrupt gzip, over the size limit."""


class ScanDocChunk(BaseModel):
    """One part of a compressed scan document; `chunks` parts with the same `sha256` make the whole."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: Literal["camaudit.mqtt.scandoc/1"] = Field(alias="schema")
    message_id: str
    site: str
    scan_id: str = Field(min_length=1, max_length=200)
    scanner_id: str
    document_schema: str  # the scan document's own schema id, e.g. camaudit.scan/2
    encoding: Literal["gzip"]
    chunk: int = Field(ge=0)
    chunks: int = Field(ge=1, le=1_000_000)
    size: int = Field(ge=1)  # bytes of the whole compressed document
    sha256: str = Field(pattern="^[0-9a-f]{64}$")  # of the whole compressed document
    data: str  # base64 of this chunk's compressed bytes

    @model_validator(mode="after")
    def _chunk_in_range(self) -> ScanDocChunk:
        if self.chunk >= self.chunks:
            raise ValueError(f"chunk {self.chunk} of a document in {self.chunks} chunk(s)")
        return self

    def raw(self) -> bytes:
        try:
            return base64.b64decode(self.data, validate=True)
        except ValueError as exc:
            raise DocumentError(f"chunk {self.chunk} is not base64: {exc}") from None


class RecentScans(BaseModel):
    """What an agent has in its local history (retained): a collector compares it with what it stored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: Literal["camaudit.mqtt.scans/1"] = Field(alias="schema")
    message_id: str
    site: str
    scanner_id: str
    at: datetime
    scan_ids: list[str] = Field(max_length=1000)  # complete scans, newest first


class AgentCommand(BaseModel):
    """A collector's request to a site's agent: re-send these scans' documents from its local history."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: Literal["camaudit.mqtt.command/1"] = Field(alias="schema")
    message_id: str
    command: Literal["resend"]
    site: str
    scan_ids: list[str] = Field(min_length=1, max_length=100)
    requested_by: str
    at: datetime


def _payload(model: BaseModel) -> bytes:
    return json_escape_bytes(model.__pydantic_serializer__.to_json(model, by_alias=True))


def compressed_document(result: ScanResult) -> bytes:
    """The scan document as compact JSON (JSON output policy for device strings), gzip-compressed."""
    body = json_escape_bytes(result.__pydantic_serializer__.to_json(result, by_alias=True))
    return gzip.compress(body, compresslevel=6, mtime=0)


def document_messages(result: ScanResult, config: MqttConfig, scanner_id: str, *,
                      chunk_bytes: int = CHUNK_BYTES) -> list[OutboxMessage]:
    """The scan's whole document as `scandoc` messages (QoS 1, not retained, no expiry: history, not alerts)."""
    data = compressed_document(result)
    digest = hashlib.sha256(data).hexdigest()
    parts = [data[i:i + chunk_bytes] for i in range(0, len(data), chunk_bytes)] or [b""]
    topics = Topics(config.prefix, result.meta.site)
    out = []
    for index, part in enumerate(parts):
        mid = message_id("scandoc", result.meta.scan_id, digest, str(index))
        chunk = ScanDocChunk(schema_=DOC_SCHEMA, message_id=mid, site=result.meta.site, scan_id=result.meta.scan_id,
                             scanner_id=scanner_id, document_schema=result.schema_, encoding="gzip", chunk=index,
                             chunks=len(parts), size=len(data), sha256=digest,
                             data=base64.b64encode(part).decode("ascii"))
        out.append(OutboxMessage(id=mid, kind="scandoc", topic=topics.scandoc(result.meta.scan_id, index),
                                 payload=_payload(chunk),
                                 user_properties=(("message_id", mid), ("scan_id", result.meta.scan_id),
                                                  ("chunk", f"{index}/{len(parts)}"))))
    return out


def recent_scans_message(config: MqttConfig, *, site: str, scanner_id: str, scan_ids: list[str],
                         at: datetime) -> OutboxMessage:
    """The retained list of the agent's recent complete scans (newest first)."""
    ids = scan_ids[:RECENT_SCANS]
    mid = message_id("scans", site, scanner_id, *ids)
    body = RecentScans(schema_=SCANS_SCHEMA, message_id=mid, site=site, scanner_id=scanner_id, at=at, scan_ids=ids)
    return OutboxMessage(id=mid, kind="scans", topic=Topics(config.prefix, site).recent_scans(scanner_id),
                         payload=_payload(body), retain=True, user_properties=(("message_id", mid),))


def command_payload(command: AgentCommand) -> bytes:
    return _payload(command)


def assemble(parts: list[bytes], *, sha256: str, max_bytes: int) -> bytes:
    """The uncompressed document from its chunks in order; DocumentError when corrupt or over `max_bytes`."""
    data = b"".join(parts)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise DocumentError("the chunks do not add up to the announced sha256")
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        body = inflater.decompress(data, max_bytes + 1)  # bounded: a gzip bomb stops at the limit
    except zlib.error as exc:
        raise DocumentError(f"not gzip: {exc}") from None
    if len(body) > max_bytes:
        raise DocumentError(f"the document is larger than the limit of {max_bytes} bytes uncompressed")
    if not inflater.eof:
        raise DocumentError("the gzip stream is truncated")
    return body


def parse_document(body: bytes, document_schema: str) -> ScanResult:
    """Validate an assembled document against the scan document model (the source of scan.schema.json).

    `document_schema` is what the chunks announced; it must be a version this camaudit reads.
    """
    from pydantic import ValidationError

    from reports.model import READABLE_SCHEMAS

    if document_schema not in READABLE_SCHEMAS:
        raise DocumentError(f"scan document schema {document_schema!r} is not one this camaudit reads "
                            f"({', '.join(READABLE_SCHEMAS)})")
    try:
        return ScanResult.model_validate_json(body)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"]) or "document"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise DocumentError(f"not a valid scan document: {where}: {err['msg']}{more}") from None


def message_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schemas of the collector-facing messages, keyed by file name (published in reports/schema/)."""
    return {f"{name}.schema.json": {"$schema": "https://json-schema.org/draft/2020-12/schema",
                                    "$id": f"https://camaudit.invalid/schema/{name}",
                                    **model.model_json_schema(by_alias=True)}
            for name, model in (("mqtt-scandoc", ScanDocChunk), ("mqtt-scans", RecentScans),
                                ("mqtt-command", AgentCommand))}


def main() -> int:
    """Regenerate the published message schemas."""
    for name, schema in message_schemas().items():
        (SCHEMA_DIR / name).write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {SCHEMA_DIR / name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
