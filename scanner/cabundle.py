"""The site's CA bundle (`--ca-bundle FILE` or `scan.ca_bundle` in the site file), read and checked before a
scan starts: a missing or bad file is an input error naming it (exit 1), never a scan that silently skips
verification."""

from __future__ import annotations

from pathlib import Path

from probes.errors import ConfigError
from probes.onvif import CaBundle
from probes.onvif.trust import MAX_BUNDLE_BYTES
from scanner.site import SiteFile

SITE_FIELD = "scan.ca_bundle"
OPTION = "--ca-bundle"


def load_ca_bundle(path: Path, *, base_dir: Path | None = None, field: str = OPTION) -> CaBundle:
    """The certificates of a PEM file (relative paths from `base_dir`, the site file's directory)."""
    full = path if path.is_absolute() or base_dir is None else base_dir / path
    try:
        if full.stat().st_size > MAX_BUNDLE_BYTES:  # never read a huge file whole to find out
            raise ConfigError(f"CA bundle is larger than {MAX_BUNDLE_BYTES} bytes: not a CA bundle", path=str(full),
                              field=field)
        data = full.read_bytes()
    except OSError as exc:
        raise ConfigError(f"CA bundle cannot be read: {exc.strerror or exc}", path=str(full), field=field) from None
    return CaBundle.from_pem(data, str(full), field=field)


def ca_bundle_for(site_file: SiteFile, override: Path | None = None) -> CaBundle | None:
    """The bundle a scan of this site verifies against: `override` (the command line) or the site's, or None."""
    if override is not None:
        return load_ca_bundle(override)
    configured = site_file.site.scan.ca_bundle
    if configured is None:
        return None
    return load_ca_bundle(configured, base_dir=site_file.path.parent, field=SITE_FIELD)
