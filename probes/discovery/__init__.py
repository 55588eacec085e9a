"""Discovery: find the devices in scope from several signals and merge them."""

from probes.discovery.model import DiscoveredDevice, Signal

__all__ = ["DiscoveredDevice", "Signal"]
