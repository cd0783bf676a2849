"""Local settings: dataset roots and output folders.

Read from a YAML file (``$AIATRACK_SETTINGS`` or ``./settings.yaml``) written by
``python tracking/create_settings.py``, whose relative paths are relative to the file's folder; each entry can be overridden by an environment variable
``AIATRACK_<NAME>`` (e.g. ``AIATRACK_LASOT_DIR``) and by command-line flags (``overrides``).
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import field, fields, make_dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from lib.datasets.catalog import dataset_roots, fallbacks

ENV_FILE = "AIATRACK_SETTINGS"
DEFAULT_FILE = "settings.yaml"


#: output folders: (settings key, default)
OUTPUT_DIRS = (
    ("workspace_dir", "output"),  # checkpoints, logs, tensorboard
    ("results_dir", "output/test/tracking_results"),
    ("result_plots_dir", "output/test/result_plots"),
)


_SETTINGS_DOC = """Where datasets live and where outputs go (strings; empty = not configured).

The output folders (``OUTPUT_DIRS``), then one root per dataset of ``lib/datasets/catalog.py``
(``<name>_dir``) and one per lmdb copy (``<name>_lmdb_dir``). ``require(name)`` returns an entry as an
existing ``Path`` (an unset key with a catalog fallback uses the fallback's value) or raises
``FileNotFoundError`` saying how to set it.
"""


def _require(self: Any, name: str) -> Path:
    """The path stored under ``name``; a clear error when it is unset or missing on disk."""
    value = getattr(self, name)
    fallback_key = fallbacks().get(name)
    if fallback_key and not value:
        value = getattr(self, fallback_key)
    env = f"AIATRACK_{name.upper()}"
    if not value:
        fallback = f" (nor '{fallback_key}', which it defaults to)" if fallback_key else ""
        option = name.replace("_", "-")
        raise FileNotFoundError(
            f"settings entry '{name}' is not set{fallback}: run 'python tracking/create_settings.py --{option} PATH', "
            f"pass --setting {name}=PATH or set the environment variable {env}")
    path = Path(value).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"settings entry '{name}' points to {path}, which does not exist "
                                f"(change it in {settings_path()} or with {env})")
    return path


Settings = make_dataclass(
    "Settings",
    [(key, str, field(default=default)) for key, default in OUTPUT_DIRS]
    + [(key, str, field(default="")) for key, _ in dataset_roots()],
    namespace={"require": _require, "__module__": __name__,
               "__doc__": _SETTINGS_DOC},
    frozen=True,
)


def settings_path() -> Path:
    """The settings file in use: ``$AIATRACK_SETTINGS`` or ``./settings.yaml``."""
    return Path(os.environ.get(ENV_FILE, DEFAULT_FILE))


def setting_names() -> list[str]:
    """All settings keys, in declaration order."""
    return [f.name for f in fields(Settings)]


def read_settings_file(path: str | Path) -> dict[str, str]:
    """The entries of a settings file as written (no environment or flag overrides applied)."""
    path = Path(path)
    with open(path, encoding="utf-8") as f:
        try:
            data = yaml.safe_load(f) or {}
        except yaml.YAMLError as err:
            raise ValueError(f"{path}: not a valid YAML settings file ({err})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: settings file must be a mapping of name: path")
    unknown = sorted(set(data) - set(setting_names()))
    if unknown:
        raise ValueError(f"{path}: unknown settings {unknown}; known: {setting_names()}")
    return {k: str(v) if v is not None else "" for k, v in data.items()}


def load_settings(path: str | Path | None = None, overrides: Mapping[str, str | None] | None = None) -> Settings:
    """File values, then ``AIATRACK_<NAME>`` environment variables, then non-empty ``overrides``.

    A relative path in the file is relative to the file's folder (so a settings file can be moved with the
    folders it names); one in the environment or ``overrides`` to the current folder, as on a command line.

    Only the implicit default ``./settings.yaml`` may be absent (built-in defaults are used then): a
    file named by ``path`` or by ``$AIATRACK_SETTINGS`` must exist, else ``FileNotFoundError``.
    """
    if path is not None:
        path, given_by = Path(path), "settings file given"
    elif os.environ.get(ENV_FILE):
        path, given_by = Path(os.environ[ENV_FILE]), f"settings file named by ${ENV_FILE}"
    else:
        path, given_by = Path(DEFAULT_FILE), ""
    if given_by and not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise FileNotFoundError(f"{given_by}: {path} {what} (create it with 'python tracking/create_settings.py')")
    values = _relative_to(path.parent, read_settings_file(path)) if path.is_file() else {}
    for name in setting_names():
        env_value = os.environ.get(f"AIATRACK_{name.upper()}")
        if env_value is not None:
            values[name] = env_value
    for name, value in (overrides or {}).items():
        if name not in setting_names():
            raise ValueError(f"unknown settings override {name!r}; known: {setting_names()}")
        if value:
            values[name] = str(value)
    return Settings(**values)


def _relative_to(folder: Path, values: dict[str, str]) -> dict[str, str]:
    """``values`` with every relative, non-empty path joined to ``folder`` (``~`` paths are absolute)."""
    joined = {}
    for name, value in values.items():
        path = Path(value).expanduser()
        joined[name] = value if not value or path.is_absolute() else str(folder / path)
    return joined


def save_settings(settings: Settings, path: str | Path) -> None:
    """Write ``settings`` as YAML (atomically)."""
    from lib.utils.io import atomic_write_text

    atomic_write_text(path, yaml.safe_dump(dataclasses.asdict(settings), sort_keys=False))
