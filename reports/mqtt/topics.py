"""The topic tree, versioned under `<prefix>/v1/` so a later layout can live next to it.

    <prefix>/v1/<site>/scanner/<scanner-id>/status     retained  online | offline (Last Will)
    <prefix>/v1/<site>/scan/<scan-id>                            started / finished, with counts
    <prefix>/v1/<site>/finding/<device>/<rule>                   one finding (OCSF or native JSON)
    <prefix>/v1/<site>/state/<device>                  retained  posture summary of one device
    <prefix>/v1/<site>/scandoc/<scan-id>/<chunk>                 the whole scan document, compressed, in chunks
    <prefix>/v1/<site>/scanner/<scanner-id>/scans      retained  the agent's recent scan ids (gap detection)
    <prefix>/v1/<site>/command                                   requests to the site's agent (re-send scans)

Segments come from device ids, rule ids and site names, which we do not fully
control, so each one is percent-encoded where MQTT would misread it: `%`, `/`,
`+`, `#`, NUL and other control characters, and a leading `$` (reserved for
broker topics). `urllib.parse.unquote(segment)` gives the original back, and
an empty id becomes `_` (and an id `_` becomes `%5F`); ordinary ids stay readable: `uuid:5f0c…` and
`CZ-RET-1` are unchanged.
"""

from __future__ import annotations

from urllib.parse import unquote

TOPIC_VERSION = "v1"
_ESCAPE = frozenset("%/+#")


def _escape_char(ch: str) -> str:
    return "".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))


def segment(value: str) -> str:
    """One topic level that is safe to publish to and to subscribe with (no wildcard, no separator)."""
    if value in ("", "_"):
        return "_" if value == "" else "%5F"  # an empty level would collapse in many tools
    out = []
    for i, ch in enumerate(value):
        code = ord(ch)
        if (ch in _ESCAPE or code < 0x20 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF
                or (i == 0 and ch == "$")):  # lone surrogates cannot be UTF-8 on the wire
            out.append(_escape_char(ch))
        else:
            out.append(ch)
    return "".join(out)


def unsegment(value: str) -> str:
    """The original id of a topic level made by `segment` (for consumers; `_` stands for an empty id)."""
    return "" if value == "_" else unquote(value, errors="surrogatepass")


class Topics:
    """Builds the topics of one site under one prefix."""

    def __init__(self, prefix: str, site: str) -> None:
        self.base = f"{prefix}/{TOPIC_VERSION}/{segment(site)}"

    def status(self, scanner_id: str) -> str:
        return f"{self.base}/scanner/{segment(scanner_id)}/status"

    def scan(self, scan_id: str) -> str:
        return f"{self.base}/scan/{segment(scan_id)}"

    def finding(self, device_id: str, rule_id: str) -> str:
        return f"{self.base}/finding/{segment(device_id)}/{segment(rule_id)}"

    def state(self, device_id: str) -> str:
        return f"{self.base}/state/{segment(device_id)}"

    def scandoc(self, scan_id: str, chunk: int) -> str:
        return f"{self.base}/scandoc/{segment(scan_id)}/{chunk}"

    def recent_scans(self, scanner_id: str) -> str:
        return f"{self.base}/scanner/{segment(scanner_id)}/scans"

    def command(self) -> str:
        return f"{self.base}/command"
