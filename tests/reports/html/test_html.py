"""The HTML report without a browser: escaping, the data island, CSP hashes, nothing external."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from reports.html import build_data, csp_hash, json_island, render_html
from tests.reports.factory import HOSTILE_NAMES


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in = tag if tag in ("script", "style") else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "script":
            self.scripts.append(data)
        elif self._in == "style":
            self.styles.append(data)


def test_hostile_strings_never_appear_as_markup(scan):
    page = render_html(scan)
    for name in HOSTILE_NAMES:
        if "<" in name:
            assert name not in page
    assert "<script>alert(1)" not in page and "<img" not in page
    parsed = _Collect()
    parsed.feed(page)
    assert [t for t, _ in parsed.tags].count("script") == 2  # the data island and the app, nothing injected
    assert not any(t == "img" for t, _ in parsed.tags)


def test_nothing_refers_outside_the_file(scan):
    parsed = _Collect()
    parsed.feed(render_html(scan))
    for tag, attrs in parsed.tags:
        for attr in ("src", "href", "action", "srcset", "poster", "data"):
            if attr in attrs and attrs[attr] is not None:
                assert attrs[attr].startswith(("#", "data:")), (tag, attr, attrs[attr])
        assert not any(a.startswith("on") for a in attrs), (
            tag,
            attrs,
        )  # no inline handlers (CSP would block them)
        if tag == "link":
            assert attrs.get("href", "").startswith("data:")


def test_csp_allows_exactly_the_inline_script_and_style(scan):
    page = render_html(scan)
    parsed = _Collect()
    parsed.feed(page)
    csp = next(
        a["content"]
        for t, a in parsed.tags
        if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    )
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["img-src"] == "data:"
    app = [s for s in parsed.scripts if not s.lstrip().startswith("{")]
    assert len(app) == 1 and directives["script-src"] == csp_hash(app[0])
    assert len(parsed.styles) == 1 and directives["style-src"] == csp_hash(parsed.styles[0])
    assert "unsafe" not in csp
    # the CSP comes before anything it must govern
    assert page.index("Content-Security-Policy") < page.index("<style>") < page.index("<script")


def test_data_island_cannot_close_its_element_and_round_trips():
    hostile = {"a": "</script><script>alert(1)</script><!-- & \u2028\u2029 >"}
    text = json_island(hostile)
    assert not re.search(r"[<>&\u2028\u2029]", text)
    assert json.loads(text) == hostile


def test_data_island_in_pieces_is_the_text_of_one_dump(scan):
    """Encoded piece by piece (memory), the island is byte for byte what one json.dumps gives, escaped."""
    import reports.html as html

    def one_dump(data):
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
        for raw, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"),
                         ("\u2029", "\\u2029")):
            text = text.replace(raw, esc)
        return text

    long = list(range(html._ISLAND_BLOCK * 2 + 3))
    samples = [build_data(scan), {"rows": long, "nested": {"x": long, 1: "int key"}, "e": [], "d": {}},
               {"a": ["</script>&\u2028"] * (html._ISLAND_BLOCK + 1), "when": scan.meta.started_at},
               long, [], {}, "plain", None]
    for data in samples:
        assert json_island(data) == one_dump(data)


def test_data_island_holds_every_finding(scan):
    data = build_data(scan)
    width = len(data["rowFields"])
    rows = data["rows"]
    assert len(rows) == width * len(scan.findings)
    for i, finding in enumerate(scan.findings):
        row = dict(zip(data["rowFields"], rows[i * width:(i + 1) * width], strict=True))
        rule = dict(zip(data["ruleFields"], data["rules"][row["rule"]], strict=True))
        device = data["devices"][row["device"]]
        assert (rule["id"], rule["profile"]) == (finding.rule_id, finding.profile)
        assert device["id"] == finding.device_id
        assert data["results"][row["result"]] == finding.result
        assert data["text"][row["message"]] == finding.message
    # strings are interned: the number of distinct texts is far below the number of findings' texts
    assert len(data["text"]) < 3 * len(scan.findings)


def test_summary_counts_and_escaped_site_title(scan):
    page = render_html(scan)
    assert "Factory &lt;HQ&gt; &amp; &#34;Annex&#34;" in page
    fails = sum(1 for f in scan.findings if f.result == "fail")
    assert f'<span class="badge r-fail">fail {fails}</span>' in page
    assert "Since last scan" in page
    for error in scan.meta.errors:
        assert error in page


def test_report_without_history_has_no_change_view():
    from tests.reports.factory import make_scan

    page = render_html(make_scan(2, with_changes=False, hostile=False))
    assert 'id="changes"' not in page and 'name="change"' not in page


def _with_unread_and_odd_evidence(scan):
    """The sample scan plus a camera judged but not found, and evidence excerpts with non-ASCII, control,
    bidi and line-separator characters and a `</script>`."""
    from probes.facts import Evidence, Fact

    odd = "Überwachung \x00\x1b[31m \u202e</script><!-- & \u2028\u2029 カメラ \U0001f4f7"
    device = scan.devices[0]
    device.facts["identity.model"] = Fact.observed(odd, "tds:GetDeviceInformation",
                                                   Evidence(operation="tds:GetDeviceInformation", excerpt=odd))
    absent = scan.findings[0].model_copy(update={"device_id": "declared:lobby-old", "device_name": odd})
    return scan.model_copy(update={"findings": [*scan.findings, absent]})


def test_the_spooled_island_is_the_island_of_build_data(scan, tmp_path, monkeypatch):
    """Devices and rows written to a spool as they are built and read back in their place: the same text as the
    island of the whole `build_data`, escaped alike, across read-back chunks of any size."""
    import reports.html as html

    scan = _with_unread_and_odd_evidence(scan)
    expected = json_island(build_data(scan))
    assert "declared:lobby-old" in expected and "\\u003c/script" in expected and "カメラ" in expected
    for chunk in (1, 7, 1 << 16):
        monkeypatch.setattr(html._Spool, "_CHUNK", chunk)
        assert "".join(html.island_pieces(scan, tmp_path)) == expected
    assert list(tmp_path.iterdir()) == []  # the spools leave nothing behind


def test_written_report_is_the_rendered_page(scan, tmp_path):
    from reports.html import write_html

    scan = _with_unread_and_odd_evidence(scan)
    write_html(scan, tmp_path / "r.html")
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == render_html(scan)
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
