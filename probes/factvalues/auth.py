"""Authentication posture facts: what answers without credentials, which schemes and credentials work."""

from __future__ import annotations

from probes.factvalues._base import fact

ANONYMOUS_OPERATIONS = fact("auth.anonymous_operations", list[str], "authless calls",
                            "Operations beyond the ONVIF PRE_AUTH set that answered without credentials")
SCHEMES = fact("auth.schemes", list[str], "auth negotiation",
               "Authentication schemes the device accepted ('ws-usernametoken', 'http-digest', 'http-basic')")
CREDENTIALS_ACCEPTED = fact("auth.credentials_accepted", bool, "tds:GetDeviceInformation",
                            "Whether the configured credentials worked")
CREDENTIAL_SET = fact("auth.credential_set", str, "auth negotiation",
                      "Name of the site's credential set the device accepted (None: none did); never the secret")

SPECS = (ANONYMOUS_OPERATIONS, SCHEMES, CREDENTIALS_ACCEPTED, CREDENTIAL_SET)
