"""The product's spine: CLI, site config, orchestration, scheduling, history, drift."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("camaudit")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+source"
