"""The inventory model: what the operator declared about each camera.

A declaration is the operator's statement of a camera's class, place and
purpose. Checks compare it with what the camera actually does. Vocabularies
(area types, sectors, purposes) are closed enums so that a typo is an error in
the site file, not a silently skipped rule.
"""

from __future__ import annotations

import re
from datetime import date, time
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from profiles import places

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AreaType(StrEnum):
    """Where a camera looks. Drives the minimum class (CZ §2.9) and sector bans (GR art 6, 15-21).

    The ids of the place taxonomy (profiles/data/places.yaml, which also holds synonyms and parents; a test
    keeps the two in step)."""

    ENTRANCE = "entrance"
    EXIT = "exit"
    RECEPTION = "reception"
    ATM_VESTIBULE = "atm_vestibule"
    CASH_DESK = "cash_desk"
    VALUABLES = "valuables"  # vaults, cash storage, high-value goods
    WAREHOUSE = "warehouse"
    PLANT_ROOM = "plant_room"  # technical/critical installations
    PARKING = "parking"
    PERIMETER = "perimeter"  # building shell / facade
    PUBLIC_STREET = "public_street"
    NEIGHBOUR_PROPERTY = "neighbour_property"
    WORKPLACE = "workplace"  # permanent workstation of employees
    OFFICE_ROOM = "office_room"
    CORRIDOR = "corridor"
    HOTEL_CORRIDOR = "hotel_corridor"
    LIFT = "lift"
    STAIRS = "stairs"
    SCHOOL_INTERIOR = "school_interior"
    SCHOOL_CORRIDOR = "school_corridor"
    PLAYGROUND = "playground"
    SCHOOL_PLAYGROUND = "school_playground"
    INFANT_ROOM = "infant_room"
    CLOAKROOM = "cloakroom"
    CHANGING_ROOM = "changing_room"
    STAFF_CHANGING_ROOM = "staff_changing_room"
    CHANGING_ROOM_ENTRANCE = "changing_room_entrance"
    TOILET = "toilet"
    TOILET_ANTEROOM = "toilet_anteroom"
    STAFF_TOILET = "staff_toilet"
    BATHROOM = "bathroom"
    SAUNA = "sauna"
    REST_ROOM = "rest_room"  # staff rest / smoking rooms
    WAITING_ROOM = "waiting_room"
    PATIENT_ROOM = "patient_room"
    ICU = "icu"
    DINING = "dining"
    LEISURE = "leisure"  # pools, gyms, spa
    GYM = "gym"
    POOL = "pool"
    SALES_FLOOR = "sales_floor"
    FITTING_ROOM = "fitting_room"
    STAFF_ONLY = "staff_only"
    FUEL_PUMPS = "fuel_pumps"
    EXHIBITS = "exhibits"
    WORSHIP_INTERIOR = "worship_interior"
    CELLAR = "cellar"
    RESIDENTIAL_ENTRANCE = "residential_entrance"
    APARTMENT_DOOR = "apartment_door"
    VEHICLE = "vehicle"
    OTHER = "other"


class Sector(StrEnum):
    """The kind of premises; selects sector rules (GR art 15-21)."""

    SCHOOL = "school"
    NURSERY = "nursery"
    HOTEL = "hotel"
    BANK = "bank"
    RESIDENTIAL = "residential"
    SHOP = "shop"
    MALL = "mall"
    HOSPITAL = "hospital"
    OFFICE = "office"
    FACTORY = "factory"
    FUEL_STATION = "fuel_station"
    PLACE_OF_WORSHIP = "place_of_worship"
    CEMETERY = "cemetery"
    MUSEUM = "museum"
    PUBLIC_PARKING = "public_parking"
    PUBLIC_ADMINISTRATION = "public_administration"
    CRITICAL_INFRASTRUCTURE = "critical_infrastructure"
    EU_INSTITUTION = "eu_institution"
    TRANSPORT = "transport"
    OTHER = "other"


def _area(value: object) -> object:
    return places.normalise_area(value) if isinstance(value, str) else value


def _sector(value: object) -> object:
    return places.normalise_sector(value) if isinstance(value, str) else value


# Site-file spellings: any id or synonym of the place taxonomy (any case, accents optional), stored as the id.
AreaField = Annotated[AreaType, BeforeValidator(_area)]
SectorField = Annotated[Sector, BeforeValidator(_sector)]

# `false` in the site file: "declared: there is none" (absent means "not declared yet", i.e. unknown).
No = Literal[False]


class Purpose(StrEnum):
    """Why the camera exists (CZ §2.1.1: property or safety must be primary)."""

    PROPERTY_PROTECTION = "property_protection"
    SAFETY_OF_PERSONS = "safety_of_persons"
    INCIDENT_PREVENTION = "incident_prevention"  # supplementary only
    EVIDENCE = "evidence"  # supplementary only
    ACCESS_CONTROL = "access_control"
    TEMPERATURE_SCREENING = "temperature_screening"
    PATIENT_CARE = "patient_care"
    TRAFFIC_MONITORING = "traffic_monitoring"
    PROCESS_MONITORING = "process_monitoring"
    PUBLICATION = "publication"  # streaming to the public: breaks purpose limitation
    OTHER = "other"


class LegalBasis(StrEnum):
    LEGITIMATE_INTEREST = "legitimate_interest"
    CONSENT = "consent"
    EXPLICIT_CONSENT = "explicit_consent"
    PUBLIC_TASK = "public_task"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTEREST = "vital_interest"


class ViewLevel(StrEnum):
    """What the declared purpose needs to see (DORI scale, IEC/EN 62676-4)."""

    MONITORING = "monitoring"
    DETECTION = "detection"
    OBSERVATION = "observation"
    RECOGNITION = "recognition"
    IDENTIFICATION = "identification"
    INSPECTION = "inspection"


_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class DateRange(BaseModel):
    """Days (both included) on which something holds, e.g. a school break the holidays library does not know."""

    model_config = _STRICT

    start: date
    end: date
    name: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


class Hours(BaseModel):
    """Weekly opening/operating hours: day -> list of 'HH:MM-HH:MM' ranges ('weekdays' and 'daily' allowed)."""

    model_config = _STRICT

    mon: list[str] = Field(default_factory=list)
    tue: list[str] = Field(default_factory=list)
    wed: list[str] = Field(default_factory=list)
    thu: list[str] = Field(default_factory=list)
    fri: list[str] = Field(default_factory=list)
    sat: list[str] = Field(default_factory=list)
    sun: list[str] = Field(default_factory=list)
    daily: list[str] | None = Field(default=None, description="Shortcut: every day without its own entry")
    weekdays: list[str] | None = Field(default=None, description="Shortcut: mon-fri without their own entry")
    weekend: list[str] | None = Field(default=None, description="Shortcut: sat-sun without their own entry")
    holidays: list[date] = Field(default_factory=list)  # days the premises are closed all day
    open_on_public_holidays: bool = Field(default=False, description=(
        "Open on the public holidays of the site's country too (default: closed on them)"))

    @field_validator("mon", "tue", "wed", "thu", "fri", "sat", "sun", "daily", "weekdays", "weekend")
    @classmethod
    def _ranges(cls, value: list[str] | None) -> list[str] | None:
        for item in value or ():
            if not _HHMM.match(item):
                raise ValueError(f"{item!r} is not a time range like '08:00-17:30'")
        return value

    @model_validator(mode="after")
    def _expand_shortcuts(self) -> Hours:
        explicit = self.model_fields_set
        for shortcut, days in (("weekdays", _DAYS[:5]), ("weekend", _DAYS[5:]), ("daily", _DAYS)):
            ranges = getattr(self, shortcut)
            if ranges is None:
                continue
            for day in days:
                if day not in explicit and not getattr(self, day):
                    setattr(self, day, list(ranges))
        return self

    def is_open(self, day: date, at: time) -> bool:
        """Whether `at` on `day` (local time) falls in a declared range."""
        if day in self.holidays:
            return False
        hhmm = at.strftime("%H:%M")
        for rng in getattr(self, _DAYS[day.weekday()]):
            start, end = rng.split("-")
            if start <= hhmm < end:
                return True
        return False


class Geometry(BaseModel):
    """Where the watched people are, for pixel density (CZ §1.2)."""

    model_config = _STRICT

    distance_m: float = Field(gt=0, le=1000, description="Distance from the camera to the watched area, metres")
    hfov_deg: float = Field(gt=0, lt=180, description="Horizontal field of view, degrees")


class Justification(BaseModel):
    """Why a sensitive feature is used, and who approved it."""

    model_config = _STRICT

    reason: str = Field(min_length=3)
    approval_ref: str | No | None = None  # e.g. DPA approval number; false: no approval exists
    approved_by: str | None = None
    approved_on: date | None = None


class CloudDeclaration(BaseModel):
    """A declared cloud / remote service receiving footage (GDPR art 44-46, CZ §2.8)."""

    model_config = _STRICT

    provider: str
    region: str  # e.g. "EU", "EEA", "US", "eu-central-1"
    in_eea: bool
    tia_ref: str | None = None  # transfer impact assessment
    encrypted: bool | None = None
    services: list[str] = Field(default_factory=list, description=(
        "Ids from the egress endpoint catalogue (`hik-connect`, `hanwha-wisenet`, ...) this service is reached "
        "through; when any declaration names services, observed traffic to any other destination contradicts "
        "the declaration (GDPR-TRANSFER-2)"))


NoCloud = Literal["none"]
"""`cloud: none`: declared that the camera uses no cloud, P2P or remote service at all."""


def _cloud_form(value: Any) -> str:
    """Which form of `cloud:` was written, so a mistake is reported for that form only."""
    return "none" if isinstance(value, str) else "services"


CloudField = Annotated[Annotated[list[CloudDeclaration], Tag("services")] | Annotated[NoCloud, Tag("none")],
                       Discriminator(_cloud_form)]
"""`cloud:` of a camera or the site: `none`, or the list of services receiving footage."""


class DeviceSelector(BaseModel):
    """How to recognise a device; any given field must match."""

    model_config = _STRICT

    uuid: str | None = None  # WS-Discovery endpoint uuid (with or without urn:uuid:)
    serial: str | None = None
    mac: str | None = None
    ip: str | None = None
    name: str | None = None  # declaration name (waivers only)

    @field_validator("mac")
    @classmethod
    def _mac(cls, value: str | None) -> str | None:
        if value is None:
            return None
        norm = value.lower().replace("-", ":")
        if not re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", norm):
            raise ValueError(f"{value!r} is not a MAC address like 00:11:22:aa:bb:cc")
        return norm

    @field_validator("uuid")
    @classmethod
    def _uuid(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return value.lower().removeprefix("urn:uuid:")

    @model_validator(mode="after")
    def _some_key(self) -> DeviceSelector:
        if not any((self.uuid, self.serial, self.mac, self.ip, self.name)):
            raise ValueError("give at least one of uuid, serial, mac, ip")
        return self


class Declaration(BaseModel):
    """One declared camera (inventory entry)."""

    name: str = Field(min_length=1)
    match: DeviceSelector
    camera_class: int | None = Field(default=None, alias="class", ge=1, le=4, description=(
        "Declared class 1-4 (CZ §2.9); needed only by profiles with classes (cz-uoou-2024)"))
    area: AreaField = Field(description="Where the camera looks: an area id or synonym (`camaudit profiles areas`)")
    sector: SectorField | None = None  # defaults to the site's sector
    purposes: list[Purpose] = Field(min_length=1)
    legal_basis: LegalBasis | None = None
    balancing_test_ref: str | No | None = None  # false: no balancing/proportionality test exists
    needed_view: ViewLevel | None = None  # what the purpose needs to see
    operating_hours: Hours | None = None  # when the camera may operate/record (defaults to site hours)
    opening_hours: Hours | None = None  # when the watched premises are open (defaults to the site's opening_hours)
    recording: bool = True
    recording_schedule: Hours | None = Field(
        default=None, description="When the camera records, as set in the vendor's interface or the recorder; "
                                  "used when the device's recording schedule cannot be read")
    retention_hours: float | None = Field(default=None, ge=0)
    retention_justification: str | None = None
    realtime_monitoring: bool | None = None  # an operator watches live to intervene (GR art 6.4); absent: unknown
    covers_public_space: bool | None = None  # the view reaches public space (street, sidewalk); absent: unknown
    publicly_accessible: bool | None = Field(default=None, description=(
        "The watched place is open to the public (shop floor, station, lobby): CNIL smart-camera rules apply"))
    smart_camera: bool | None = Field(default=None, description=(
        "The images are analysed automatically (CNIL 'smart' camera), on the camera or elsewhere (VMS, cloud)"))
    audio: Justification | No | None = None  # false: declared that there is no justification
    ptz: Justification | No | None = None
    biometrics: Justification | No | None = None
    biometric_ground: str | None = None  # art 9(2) ground, e.g. "explicit_consent", "substantial_public_interest"
    thermal_legal_framework: str | None = None
    calibration_date: date | None = None
    temperature_threshold_c: float | None = None
    human_review: bool | None = None  # automated decisions have a human in the loop
    cloud: CloudField | None = Field(default=None, description=(
        "Remote services receiving footage (provider, region, in_eea, ...), or `none`: declared that the camera "
        "uses no cloud, P2P or remote service; absent: the site's `cloud:`"))
    geometry: Geometry | None = None
    expected_model: str | None = None
    expected_firmware: str | None = None
    expected_serial: str | None = None
    workplace_reason: str | No | None = None  # the serious, activity-specific reason for watching workstations
    dpia_ref: str | No | None = None  # false: declared that no DPIA exists (absent: not declared yet)
    end_date: date | No | None = None  # limited lifetime (FR-SMART-1); false: declared open-ended
    anonymisation: bool | None = None
    signage: bool | None = None  # attestation: signs in place (CZ-INFO-1, GR art 12)
    attestations: dict[str, bool] = Field(default_factory=dict)  # other attestations for manual rules
    notes: str | None = None
    placeholders: list[str] = Field(
        default_factory=list,
        description="Fields that still hold placeholder values (written by `camaudit init`, e.g. "
                    "[class, area, purposes]); rules relying on them cannot be trusted until reviewed")

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    @field_validator("placeholders")
    @classmethod
    def _placeholder_fields(cls, value: list[str]) -> list[str]:
        known = set(cls.model_fields) | {f.alias for f in cls.model_fields.values() if f.alias}
        unknown = [name for name in value if name not in known]
        if unknown:
            raise ValueError(f"not declaration fields: {', '.join(unknown)}")
        return value


class Waiver(BaseModel):
    """An accepted deviation: the finding stays, marked waived, until the expiry date."""

    model_config = _STRICT

    rule: str = Field(pattern=r"^[A-Z0-9]+(-[A-Z0-9]+)+$")
    devices: DeviceSelector | None = None  # None: every device
    justification: str = Field(min_length=3)
    approver: str = Field(min_length=1)
    expires: date


class RecorderKind(StrEnum):
    ONVIF_NVR = "onvif_nvr"  # read over ONVIF like a camera: its recordings and their retention are facts
    VMS = "vms"  # video management software: its retention is declared


class Recorder(BaseModel):
    """Where footage of some cameras is kept off the camera (NVR or VMS); see docs/profiles.md, Recorders."""

    model_config = _STRICT

    name: str = Field(min_length=1)
    kind: RecorderKind
    match: DeviceSelector | None = Field(default=None, description="How to recognise an ONVIF NVR in the scan")
    retention_hours: float | None = Field(default=None, ge=0, description="A VMS's retention (0 = unlimited)")
    records: list[str] = Field(default_factory=list, description="Names of the declared cameras it records")

    @model_validator(mode="after")
    def _kind_fields(self) -> Recorder:
        if self.kind is RecorderKind.ONVIF_NVR and self.match is None:
            raise ValueError("an onvif_nvr recorder needs `match:` (uuid, serial, mac or ip) to find it in the scan")
        if self.kind is RecorderKind.VMS and self.retention_hours is None:
            raise ValueError("a vms recorder needs `retention_hours` (camaudit cannot read a VMS)")
        return self


class Inventory(BaseModel):
    """Everything the evaluator needs from the site file (no scope, no credentials)."""

    site: str
    timezone: str = "UTC"
    jurisdiction: str | None = None
    sector: SectorField | None = None
    country: str | None = None  # ISO 3166 code for public holidays (defaults to the jurisdiction)
    opening_hours: Hours | None = None
    school_breaks: list[DateRange] = Field(default_factory=list)
    declarations: list[Declaration] = Field(default_factory=list)
    waivers: list[Waiver] = Field(default_factory=list)
    attestations: dict[str, bool] = Field(default_factory=dict)  # site-wide attestations for manual rules
    recorders: list[Recorder] = Field(default_factory=list)  # NVRs/VMSs keeping footage off the cameras
    cloud: CloudField | None = None  # the site's default for cameras without their own `cloud:`
