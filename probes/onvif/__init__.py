"""ONVIF fact reader: reads every fact of FACT_CATALOGUE a camera offers, read-only, with evidence.

    async with OnvifReader(username="auditor", password=secret) as reader:
        async for sheet in reader.read_all(devices):
            ...

Our own small SOAP 1.2 client on one shared aiohttp session (see docs/facts.md for
why not zeep): explicit read-only allowlist, WS-UsernameToken and HTTP Digest,
strict lxml parsing, size caps and per-device deadlines.
"""

from probes.onvif._allowlist import PRE_AUTH_OPERATIONS, READ_OPERATIONS, ForbiddenOperation
from probes.onvif._reader import OnvifReader
from probes.onvif.credentials import CredentialPlan, CredentialSelector, CredentialSet
from probes.onvif.services._sheet import ONVIF_FACTS
from probes.onvif.services.auth import ANONYMOUS_PROBES
from probes.onvif.trust import CaBundle

__all__ = [
    "ANONYMOUS_PROBES",
    "CaBundle",
    "CredentialPlan",
    "CredentialSelector",
    "CredentialSet",
    "ONVIF_FACTS",
    "PRE_AUTH_OPERATIONS",
    "READ_OPERATIONS",
    "ForbiddenOperation",
    "OnvifReader",
]
