"""Central collection: many site agents' MQTT messages into one PostgreSQL history (`camaudit collect`).

`Collector` (collector.py) subscribes and routes; `CollectorStore` (store.py) writes. See docs/deployment.md.
"""

from scanner.collect.collector import Collector, CollectorOptions, CollectorStats
from scanner.collect.store import CollectorStore

__all__ = ["Collector", "CollectorOptions", "CollectorStats", "CollectorStore"]
