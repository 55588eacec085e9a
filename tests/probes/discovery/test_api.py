"""The public surface of probes.discovery is exactly what __all__ says (and importing it stays light)."""

from __future__ import annotations

import subprocess
import sys

from probes import discovery


def test_exported_members() -> None:
    assert sorted(discovery.__all__) == ["DEFAULT_PORTS", "DEFAULT_TIMEOUT", "DiscoveredDevice", "DiscoveryReport",
                                         "Signal", "discover", "discover_report", "hello_listener", "merge",
                                         "selectable_signals"]
    assert all(hasattr(discovery, name) for name in discovery.__all__)
    assert discovery.DEFAULT_PORTS == (80, 443, 554, 2020, 8000, 8080, 8443, 8899, 37777)


def test_importing_the_models_does_not_import_network_libraries() -> None:
    code = ("import sys, probes.discovery; "
            "print(sorted(m for m in ('aiohttp', 'zeroconf', 'scapy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
