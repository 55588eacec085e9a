"""Typed values of the egress facts: declared with the other fact families in probes/factvalues/egress.py."""

from __future__ import annotations

from probes.factvalues.egress import DnsName, EgressObservation, Flow, ServiceKind, Window

__all__ = ["DnsName", "EgressObservation", "Flow", "ServiceKind", "Window"]
