"""Declared cameras the scan heard but could not read: one camera, named after its declaration, never judged.

A declared camera that only said WS-Discovery Bye (it left the network), or a declared address where
nothing answered, is in the scan as an unreachable device that no rule judges (nothing is known about
it). Its declaration is still that camera: left apart, every report listed it twice, once as an
unreachable address and once as "declared, not found", and the inventory rule said "not found" where
the scan had heard the camera leave.
"""

from __future__ import annotations

from collections.abc import Sequence

from probes.facts import DeviceFacts
from probes.readstatus import derive_read
from profiles.evaluator import Evaluation
from profiles.findings import finding_uid
from profiles.inventory import Inventory
from profiles.matching import match_devices
from profiles.naming import display_name

DECLARED = "declared:"  # the device id the evaluator stamps a declared camera with when no device matched it


def claim_unread(evaluation: Evaluation, judged: Sequence[DeviceFacts], unread: Sequence[DeviceFacts],
                 inventory: Inventory) -> None:
    """Match each `unread` device to a declaration `evaluation` left unmatched (in place).

    The match is made over every device, so a declaration that fits a judged device too stays
    ambiguous instead of being guessed. The declaration's findings for the camera not found (the
    inventory rule) move onto the device, with what the scan heard, under the device's uid: the
    same finding as when the camera answers, so drift sees one rule change its result.
    """
    taken = set(evaluation.matches.values())
    if not unread or len(taken) == len(inventory.declarations):
        return
    unread_by_id = {d.device_id: d for d in unread}
    match = match_devices([*judged, *unread], inventory.declarations)
    claimed = {name: unread_by_id[device_id] for device_id, name in match.matches.items()
               if device_id in unread_by_id and name not in taken}
    if not claimed:
        return
    for name, device in claimed.items():
        evaluation.matches[device.device_id] = name
    for i, finding in enumerate(evaluation.findings):
        heard = claimed.get(finding.device_id.removeprefix(DECLARED)) if finding.device_id.startswith(DECLARED) \
            else None
        if heard is None:
            continue
        read = heard.read or derive_read(heard)
        evaluation.findings[i] = finding.model_copy(update={
            "uid": finding_uid(inventory.site, heard.device_id, finding.rule_id),
            "device_id": heard.device_id,
            "device_name": display_name(heard.device_id, declared=evaluation.matches[heard.device_id], device=heard),
            "message": f"{finding.message} (heard at {heard.address}, not read: {read.reason or read.status.label})"})
