"""Account facts: the device's users and their levels (tds:GetUsers)."""

from __future__ import annotations

from probes.factvalues._base import FactValue, fact


class User(FactValue):
    username: str
    level: str  # Administrator | Operator | User | Anonymous | Extended


USERS = fact("users", list[User], "tds:GetUsers", "Accounts and their levels")

SPECS = (USERS,)
