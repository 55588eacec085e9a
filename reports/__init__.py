"""Outputs: console, HTML, JSON/JSONL, CSV, OCSF and the MQTT publisher."""
