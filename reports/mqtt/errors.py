"""Why a message could not be delivered, split by what the user does next.

    CamauditError
    └── MqttDeliveryError        nothing is lost: the messages stay in the outbox for the next run
        ├── MqttAuthError        the broker refused the credentials: fix user/password/ACL
        ├── MqttTlsError         the TLS handshake failed: fix --mqtt-ca / certificate / host name
        ├── MqttRefusedError     the broker refused the connection for another reason (CONNACK code)
        ├── MqttRejectedError    the broker refused messages (MQTT 5 PUBACK code, e.g. ACL): kept as dead letters
        └── MqttUnreachableError no connection (refused, unresolvable, timed out) or it kept dropping

The publisher's link (`connection.py`, paho) raises OSError, `MqttLinkError` and
`MqttConnectRefused`; aiomqtt (the subscribers) reports most failures as
`MqttError(str(os_error))`. `classify` is the one place that turns any of them into what
the user reads; tests cover each mapping.
"""

from __future__ import annotations

from pathlib import Path

import aiomqtt
from aiomqtt.exceptions import MqttConnectError
from paho.mqtt.reasoncodes import ReasonCode

from probes.errors import DeliveryError

# MQTT 5 CONNACK reason codes (MQTT 3.1.1 return codes 4 and 5 arrive mapped to 134 and 135 by paho)
RC_UNSUPPORTED_PROTOCOL = 132
_RC_AUTH = {134: "bad user name or password", 135: "not authorized", 140: "bad authentication method"}


class MqttLinkError(Exception):
    """The publisher's connection failed or dropped (internal: `classify` turns it into an MqttDeliveryError)."""


class MqttConnectRefused(MqttLinkError):
    """A negative CONNACK."""

    def __init__(self, rc: ReasonCode) -> None:
        self.rc = rc
        self.code: int = rc.value
        super().__init__(f"CONNACK {rc.value}: {rc}")


class MqttDeliveryError(DeliveryError):
    """Messages could not (all) be delivered; they are kept in the outbox."""

    fatal = False  # retrying with the same settings cannot help

    def __init__(self, reason: str, *, broker: str, pending: int | None = None,
                 outbox: Path | None = None) -> None:
        self.reason, self.broker, self.pending, self.outbox = reason, broker, pending, outbox
        msg = f"MQTT broker {broker}: {reason}"
        if pending is not None:
            where = f" {outbox}" if outbox is not None else ""
            msg += f"; {pending} message(s) kept in the outbox{where} for the next run"
        super().__init__(msg)

    def with_pending(self, pending: int, outbox: Path) -> MqttDeliveryError:
        """The same error, telling how many messages wait in which outbox."""
        err = type(self)(self.reason, broker=self.broker, pending=pending, outbox=outbox)
        err.__cause__ = self.__cause__
        return err


class MqttAuthError(MqttDeliveryError):
    """CONNACK refused the credentials (bad user name/password, not authorized)."""

    fatal = True


class MqttTlsError(MqttDeliveryError):
    """The TLS handshake failed (unknown CA, host name mismatch, client certificate refused)."""

    fatal = True


class MqttRefusedError(MqttDeliveryError):
    """CONNACK refused the connection for a reason other than credentials."""

    fatal = True


class MqttRejectedError(MqttDeliveryError):
    """The broker refused some messages (MQTT 5 PUBACK reason code); they wait in the outbox's dead letters."""


class MqttUnreachableError(MqttDeliveryError):
    """No usable connection before the deadline."""


_TLS_MARKERS = ("SSL", "TLS", "certificate", "handshake")


def classify(exc: BaseException, *, broker: str, user: str | None) -> MqttDeliveryError:
    """Turn a paho-link/aiomqtt/OS exception into the matching MqttDeliveryError (never with a secret in it)."""
    who = f"user {user!r}" if user else "an anonymous connection"
    if isinstance(exc, MqttConnectRefused | MqttConnectError):
        rc = exc.rc
        code = rc.value if isinstance(rc, ReasonCode) else rc
        text = str(rc) if isinstance(rc, ReasonCode) else str(exc)
        if code in _RC_AUTH or code in (4, 5):
            return MqttAuthError(f"the broker refused the credentials of {who} (CONNACK {code}: {text})",
                                 broker=broker)
        return MqttRefusedError(f"the broker refused the connection (CONNACK {code}: {text})", broker=broker)
    text = str(exc) or type(exc).__name__
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        hint = ("the certificate does not name this host; connect by the name in the certificate"
                if "mismatch" in text
                else "pass the CA that signed it with --mqtt-ca")
        return MqttTlsError(f"TLS certificate verify failed ({text}); {hint}", broker=broker)
    if any(marker in text for marker in _TLS_MARKERS):
        hint = ("; the broker requires a client certificate: pass --mqtt-cert and --mqtt-key"
                if "CERTIFICATE_REQUIRED" in text or "certificate required" in text else "")
        return MqttTlsError(f"TLS handshake failed ({text}){hint}", broker=broker)
    if text == "Disconnected during message iteration" or text.startswith("connection closed by the broker"):
        return MqttUnreachableError("the connection to the broker was lost", broker=broker)
    if text == "Operation timed out":
        return MqttUnreachableError("no answer (CONNACK) from the broker in time", broker=broker)
    if isinstance(exc, OSError | aiomqtt.MqttError | MqttLinkError | TimeoutError):
        return MqttUnreachableError(f"cannot connect or connection lost ({text})", broker=broker)
    return MqttDeliveryError(f"{type(exc).__name__}: {text}", broker=broker)
