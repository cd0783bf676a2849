"""Merging a tracker's defaults with an experiment YAML file and overrides (the trackers' defaults are theirs:
``lib.trackers.load_config`` names them)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import yaml

from lib.config.node import ConfigError, ConfigNode, merge_strict

REPO_ROOT = Path(__file__).resolve().parents[2]
EXPERIMENTS_DIR = REPO_ROOT / "experiments"


def resolve_experiment(name_or_path: str | Path, tracker: str) -> Path:
    """Map ``baseline`` to ``experiments/<tracker>/baseline.yaml``; an existing path is used as is."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise ConfigError(f"config file not found: {path}")
        return path
    candidate = EXPERIMENTS_DIR / tracker / f"{name_or_path}.yaml"
    if candidate.is_file():
        return candidate
    available = sorted(p.stem for p in (EXPERIMENTS_DIR / tracker).glob("*.yaml"))
    raise ConfigError(f"no experiment {name_or_path!r} in {candidate.parent} (available: {', '.join(available)})")


def _read_yaml(path: Path) -> Mapping[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: top level must be a mapping of sections (MODEL, TRAIN, DATA, TEST)")
    return data


def merge_experiment(defaults: Mapping[str, Any], name_or_path: str | Path | None = None,
                     overrides: Mapping[str, Any] | None = None, folder: str = "") -> dict[str, Any]:
    """``defaults`` merged strictly with an experiment file (a name in ``experiments/<folder>/`` or a path), then
    with ``overrides``. Unknown keys are a :class:`ConfigError` naming the file and key."""
    merged = dict(defaults)
    if name_or_path is not None:
        path = resolve_experiment(name_or_path, folder)
        merged = merge_strict(merged, _read_yaml(path), source=str(path))
    if overrides:
        merged = merge_strict(merged, overrides, source="overrides")
    return merged


def check_precision(cfg: Mapping[str, Any], supported: tuple[str, ...], why: str = "") -> None:
    """``TEST.PRECISION`` must be one of ``supported``; else a :class:`ConfigError` (``why`` says why not)."""
    precision = cfg["TEST"]["PRECISION"]
    if precision not in supported:
        raise ConfigError(f"TEST.PRECISION must be one of {', '.join(supported)}{why}, got {precision!r}")


def hyper_for_dataset(cfg: ConfigNode, dataset_name: str) -> tuple[int, int, float]:
    """TEST.HYPER row for a benchmark name (case-insensitive), DEFAULT when it has no row."""
    row = cfg.TEST.HYPER.get(dataset_name.upper(), cfg.TEST.HYPER.DEFAULT)
    return int(row[0]), int(row[1]), float(row[2])
