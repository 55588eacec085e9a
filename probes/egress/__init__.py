"""Passive egress observation: which cameras send what to which destinations outside the site's networks.

From a capture file (`observe_file`, no privileges) or a live interface (`observe_live`, root), frames are
attributed to cameras by MAC and address (`CameraKey`), summarised per destination (bytes, packets,
first/last seen, DNS names, TLS server names) and classified with the vendor endpoint catalogue
(`data/endpoints.yaml`). Payloads are never stored. `egress_fact` turns one camera's observation into the
`egress.observed` fact. docs/egress.md says how to get the traffic to the scanner and what silence means.
"""

from __future__ import annotations

from probes.egress._capture import CaptureError, bpf_filter, observe_file, observe_live, read_frames
from probes.egress._observer import CameraKey, Observer
from probes.egress.endpoints import Catalogue, load_catalogue
from probes.egress.models import DnsName, EgressObservation, Flow, ServiceKind, Window
from probes.facts import Evidence, Fact

__all__ = ["CameraKey", "CaptureError", "Catalogue", "DnsName", "EgressObservation", "Flow", "Observer",
           "ServiceKind", "Window", "bpf_filter", "egress_fact", "load_catalogue", "observe_file", "observe_live",
           "read_frames"]


def egress_fact(observation: EgressObservation) -> Fact:
    """`egress.observed` for one camera: ok whatever was seen (an empty list means "not observed", see reason)."""
    window = observation.window
    summary = (f"{len(observation.flows)} destination(s) outside the site, {len(observation.dns)} DNS name(s) in "
               f"{window.seconds:.0f} s of {window.source}")
    reason = None
    if not observation.flows:
        reason = (f"nothing sent out of the site was observed in {window.seconds:.0f} s ({window.source}); "
                  "not proof that the camera never does")
        if observation.camera_packets == 0:
            reason += "; the capture saw no packet of this camera at all (is it on the captured link?)"
    evidence = Evidence(operation=f"egress:{window.source}", excerpt=summary, received_at=window.end)
    return Fact(status="ok", value=observation, source=f"egress:{window.source}",
                reason=reason, evidence=evidence)
