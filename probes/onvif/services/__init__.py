"""One reader per ONVIF service (mirroring `lab/services/`): each module reads the facts of its service
into the shared `ReadContext`; `_registry` says which reader sets which fact and in which phase, and
`probes/onvif/_orchestrator.py` runs the phases."""
