"""`camaudit serve`: the dashboard over the central PostgreSQL history (docs/deployment.md)."""

from scanner.dashboard.app import DashboardOptions, build_app
from scanner.dashboard.queries import DashboardStore

__all__ = ["DashboardOptions", "DashboardStore", "build_app"]
