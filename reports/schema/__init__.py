"""The published JSON Schema of the scan document (scan.schema.json), shipped as package data."""
