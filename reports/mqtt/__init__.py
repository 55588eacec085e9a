"""MQTT alerts into a SIEM: findings published at least once per change, through a durable outbox.

Public surface (see docs/mqtt.md):
- `MqttConfig` (typed; the command line builds it in `scanner/mqtt_options.py`)
- `publish_result(result, config) -> PublishStats` (one-shot: `demo`)
- `Outbox.queue_scan` then `deliver_outbox(config, ...)` (`scan`: queue first, send later; scanner/delivery.py)
- `MqttPublisher(config, site=...)` (long-lived: `watch`)
- `MqttDeliveryError` and its subclasses (messages are kept in the outbox)
"""

from reports.mqtt.config import (
    MqttConfig,
    MqttFormat,
    MqttProtocol,
)
from reports.mqtt.errors import (
    MqttAuthError,
    MqttDeliveryError,
    MqttRefusedError,
    MqttRejectedError,
    MqttTlsError,
    MqttUnreachableError,
)
from reports.mqtt.messages import is_reported
from reports.mqtt.outbox import Outbox, OutboxError
from reports.mqtt.publisher import MqttPublisher, PublishStats, deliver_outbox, publish_result
from reports.mqtt.topics import Topics, segment, unsegment

__all__ = [
    "MqttAuthError",
    "MqttConfig",
    "MqttDeliveryError",
    "MqttFormat",
    "MqttProtocol",
    "MqttPublisher",
    "MqttRefusedError",
    "MqttRejectedError",
    "MqttTlsError",
    "MqttUnreachableError",
    "Outbox",
    "OutboxError",
    "PublishStats",
    "Topics",
    "deliver_outbox",
    "is_reported",
    "publish_result",
    "segment",
    "unsegment",
]
