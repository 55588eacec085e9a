"""Documented exit codes (README "Exit codes")."""

OK = 0  # no failing finding
USAGE = 1  # bad arguments, bad site/profile file
SCAN_ERRORS = 2  # the scan itself had errors (unreachable devices, error facts, crashed checks)
FINDINGS = 3  # at least one non-waived failing finding
