"""Identity facts: who the device says it is (tds:GetDeviceInformation, GetHostname, GetScopes ...)."""

from __future__ import annotations

from probes.factvalues._base import fact

MANUFACTURER = fact("identity.manufacturer", str, "tds:GetDeviceInformation", "Manufacturer")
MODEL = fact("identity.model", str, "tds:GetDeviceInformation", "Model")
FIRMWARE = fact("identity.firmware", str, "tds:GetDeviceInformation", "Firmware version")
SERIAL = fact("identity.serial", str, "tds:GetDeviceInformation", "Serial number")
HARDWARE_ID = fact("identity.hardware_id", str, "tds:GetDeviceInformation", "Hardware id")
HOSTNAME = fact("identity.hostname", str, "tds:GetHostname", "Host name")
SCOPES = fact("identity.scopes", list[str], "tds:GetScopes | ws-discovery",
              "ONVIF scopes (name, hardware, location, profile)")
MAC_VENDOR = fact("identity.mac_vendor", str, "arp/oui", "Vendor of the MAC address per the OUI database")
ENDPOINTS = fact("identity.endpoints", list[str], "identity",
                 "ONVIF device service URLs read as this one device (same uuid and the same MAC or serial)")

SPECS = (MANUFACTURER, MODEL, FIRMWARE, SERIAL, HARDWARE_ID, HOSTNAME, SCOPES, MAC_VENDOR, ENDPOINTS)
