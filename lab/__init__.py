"""Virtual ONVIF cameras for the demo, the tests and the benchmarks.

The lab imports nothing of camaudit's: it must not share parsing code with
probes/, or tests would test the scanner against itself.
"""
