"""Documented exit codes (README "Exit codes"): a cron job can tell clean from not checked from failing."""

OK = 0  # complete coverage and no failing finding
USAGE = 1  # bad arguments, bad site/profile file, an output or credential that cannot work (before scanning)
INCOMPLETE = 2  # nothing failed, but coverage is incomplete (refused credentials, a camera not read, no camera ...)
FINDINGS = 3  # at least one non-waived failing finding, with complete coverage
FINDINGS_INCOMPLETE = 4  # failing findings, and coverage is incomplete too

SCAN_ERRORS = INCOMPLETE  # the scan itself failed (watch: cycle skipped or crashed)
