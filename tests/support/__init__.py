"""Helpers shared by tests in different directories.

Every helper module under tests/ imports by its dotted path from the repository root (`tests.support.children`,
`tests.scanner.labscans`, `tests.reports.factory` ...): pytest puts the root on sys.path (`pythonpath` in
pyproject.toml), and Python children started by tests get it through `python_env()`. No test edits sys.path.
"""
