"""Ordered schema migrations for the history store, one list per SQL dialect.

A store records every applied step in `schema_version`; opening a store applies
the missing steps in order, each in its own transaction. Never edit a released
step: add the next one. The two dialects must keep the same version numbers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


_V2_BACKFILL = """
UPDATE scans SET
  devices_count = (SELECT count(*) FROM devices d WHERE d.scan_id = scans.scan_id),
  fail_count = (SELECT count(*) FROM findings f WHERE f.scan_id = scans.scan_id AND f.result = 'fail'),
  new_count = (SELECT count(*) FROM findings f WHERE f.scan_id = scans.scan_id AND f.change_state = 'new'),
  changed_count = (SELECT count(*) FROM findings f WHERE f.scan_id = scans.scan_id AND f.change_state = 'changed'),
  resolved_count = (SELECT count(*) FROM findings f WHERE f.scan_id = scans.scan_id
                    AND f.change_state = 'resolved')
"""


_V1_DESCRIPTION = "scans, devices, facts, findings"
_V3 = Migration(3, "emit_pending: the MQTT destination a stored scan still has to be queued for", (
    "ALTER TABLE scans ADD COLUMN emit_pending TEXT",
))
_V4_DESCRIPTION = ("central collection: current findings, transitions, summaries, messages, chunks, dead letters, "
                   "agents, gaps")


def _v1(ts: str, js: str) -> tuple[str, ...]:
    """The first schema (scans, devices, facts, findings), in one dialect's types."""
    return (
        f"""CREATE TABLE scans (
            scan_id TEXT PRIMARY KEY,
            site TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'aborted', 'failed')),
            started_at {ts} NOT NULL,
            finished_at {ts},
            previous_scan_id TEXT,
            scanner_version TEXT,
            doc_json {js})""",
        "CREATE INDEX scans_site_started ON scans (site, started_at)",
        f"""CREATE TABLE devices (
            scan_id TEXT NOT NULL REFERENCES scans (scan_id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            device_id TEXT NOT NULL,
            address TEXT,
            port INTEGER,
            label TEXT,
            doc_json {js} NOT NULL,
            PRIMARY KEY (scan_id, seq))""",
        "CREATE INDEX devices_device ON devices (device_id)",
        f"""CREATE TABLE facts (
            scan_id TEXT NOT NULL,
            device_seq INTEGER NOT NULL,
            device_id TEXT NOT NULL,
            fact_key TEXT NOT NULL,
            status TEXT NOT NULL,
            value_json {js},
            source TEXT,
            reason TEXT,
            evidence_json {js},
            PRIMARY KEY (scan_id, device_seq, fact_key),
            FOREIGN KEY (scan_id, device_seq) REFERENCES devices (scan_id, seq) ON DELETE CASCADE)""",
        f"""CREATE TABLE findings (
            scan_id TEXT NOT NULL REFERENCES scans (scan_id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            uid TEXT NOT NULL,
            rule_id TEXT NOT NULL,
            device_id TEXT NOT NULL,
            result TEXT NOT NULL,
            severity TEXT NOT NULL,
            change_state TEXT,
            doc_json {js} NOT NULL,
            PRIMARY KEY (scan_id, seq))""",
        "CREATE INDEX findings_uid ON findings (uid)",
    )


def _v4(ts: str, blob: str, serial: str, js: str) -> tuple[str, ...]:
    """The collector's tables (scanner/collect/), in one dialect's types."""
    return (
        f"""CREATE TABLE finding_current (
            uid TEXT PRIMARY KEY,
            site TEXT NOT NULL,
            device_id TEXT NOT NULL,
            rule_id TEXT NOT NULL,
            profile TEXT NOT NULL,
            result TEXT NOT NULL,
            severity TEXT NOT NULL,
            scan_id TEXT NOT NULL,
            seen_at {ts} NOT NULL,
            since_scan_id TEXT NOT NULL,
            since {ts} NOT NULL)""",
        "CREATE INDEX finding_current_site ON finding_current (site, result)",
        f"""CREATE TABLE finding_transitions (
            id {serial} PRIMARY KEY,
            uid TEXT NOT NULL,
            site TEXT NOT NULL,
            device_id TEXT NOT NULL,
            rule_id TEXT NOT NULL,
            scan_id TEXT NOT NULL,
            at {ts} NOT NULL,
            from_result TEXT,
            to_result TEXT NOT NULL,
            severity TEXT NOT NULL,
            UNIQUE (uid, scan_id))""",
        "CREATE INDEX finding_transitions_site_at ON finding_transitions (site, at)",
        f"""CREATE TABLE scan_summaries (
            scan_id TEXT NOT NULL,
            site TEXT NOT NULL,
            started_at {ts} NOT NULL,
            profile TEXT NOT NULL,
            severity TEXT NOT NULL,
            result TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (scan_id, profile, severity, result))""",
        "CREATE INDEX scan_summaries_site ON scan_summaries (site, started_at)",
        f"""CREATE TABLE collected_messages (
            message_id TEXT PRIMARY KEY,
            site TEXT NOT NULL,
            kind TEXT NOT NULL,
            topic TEXT NOT NULL,
            scan_id TEXT,
            received_at {ts} NOT NULL,
            payload {js})""",
        f"""CREATE TABLE scan_chunks (
            scan_id TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            chunk INTEGER NOT NULL,
            chunks INTEGER NOT NULL,
            site TEXT NOT NULL,
            scanner_id TEXT,
            document_schema TEXT NOT NULL,
            data {blob} NOT NULL,
            received_at {ts} NOT NULL,
            PRIMARY KEY (scan_id, sha256, chunk))""",
        f"""CREATE TABLE dead_letters (
            id {serial} PRIMARY KEY,
            received_at {ts} NOT NULL,
            topic TEXT NOT NULL,
            site TEXT,
            reason TEXT NOT NULL,
            size INTEGER NOT NULL,
            excerpt {blob})""",
        f"""CREATE TABLE agents (
            site TEXT NOT NULL,
            scanner_id TEXT NOT NULL,
            status TEXT,
            status_at {ts},
            recent_scan_ids {js},
            recent_at {ts},
            PRIMARY KEY (site, scanner_id))""",
        f"""CREATE TABLE scan_gaps (
            site TEXT NOT NULL,
            scan_id TEXT NOT NULL,
            scanner_id TEXT NOT NULL,
            first_seen {ts} NOT NULL,
            requested_at {ts},
            requests INTEGER NOT NULL DEFAULT 0,
            resolved_at {ts},
            PRIMARY KEY (site, scan_id))""",
        f"ALTER TABLE scans ADD COLUMN collected_at {ts}",
    )


SQLITE: tuple[Migration, ...] = (
    Migration(1, _V1_DESCRIPTION, _v1("TEXT", "TEXT")),
    Migration(2, "running markers (host, pid, reason) and summary counters", (
        "ALTER TABLE scans ADD COLUMN host TEXT",
        "ALTER TABLE scans ADD COLUMN pid INTEGER",
        "ALTER TABLE scans ADD COLUMN status_reason TEXT",
        "ALTER TABLE scans ADD COLUMN devices_count INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE scans ADD COLUMN fail_count INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE scans ADD COLUMN new_count INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE scans ADD COLUMN changed_count INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE scans ADD COLUMN resolved_count INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE scans ADD COLUMN error_count INTEGER NOT NULL DEFAULT 0",
        _V2_BACKFILL,
        "CREATE INDEX scans_status ON scans (status)",
        "CREATE INDEX findings_rule ON findings (rule_id, result)",
    )),
    _V3,
    Migration(4, _V4_DESCRIPTION, _v4("TEXT", "BLOB", "INTEGER", "TEXT")),
)

POSTGRES: tuple[Migration, ...] = (
    Migration(1, _V1_DESCRIPTION, _v1("TIMESTAMPTZ", "JSONB")),
    Migration(2, "running markers (host, pid, reason) and summary counters", (
        """ALTER TABLE scans
            ADD COLUMN host TEXT,
            ADD COLUMN pid INTEGER,
            ADD COLUMN status_reason TEXT,
            ADD COLUMN devices_count INTEGER NOT NULL DEFAULT 0,
            ADD COLUMN fail_count INTEGER NOT NULL DEFAULT 0,
            ADD COLUMN new_count INTEGER NOT NULL DEFAULT 0,
            ADD COLUMN changed_count INTEGER NOT NULL DEFAULT 0,
            ADD COLUMN resolved_count INTEGER NOT NULL DEFAULT 0,
            ADD COLUMN error_count INTEGER NOT NULL DEFAULT 0""",
        _V2_BACKFILL,
        "CREATE INDEX scans_status ON scans (status)",
        "CREATE INDEX findings_rule ON findings (rule_id, result)",
    )),
    _V3,
    Migration(4, _V4_DESCRIPTION, _v4("TIMESTAMPTZ", "BYTEA", "BIGSERIAL", "JSONB")),
)

LATEST = SQLITE[-1].version
assert [m.version for m in SQLITE] == [m.version for m in POSTGRES] == list(range(1, LATEST + 1))
