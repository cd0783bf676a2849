"""Build the configuration object from the defaults and an experiment YAML file."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import yaml

from lib.config.defaults import default_config_dict
from lib.config.siamattn_defaults import siamattn_default_config_dict
from lib.config.node import ConfigError, ConfigNode, merge_strict
from lib.utils.device import PRECISIONS

REPO_ROOT = Path(__file__).resolve().parents[2]
EXPERIMENTS_DIR = REPO_ROOT / "experiments"


def resolve_experiment(name_or_path: str | Path, tracker: str = "aiatrack") -> Path:
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


DEFAULTS = {"aiatrack": default_config_dict, "siamattn": siamattn_default_config_dict}

#: the full-size experiment of each tracker (AiATrack's paper model, SiamAttn's official VOT2018 one)
MAIN_EXPERIMENTS = {"aiatrack": "baseline", "siamattn": "vot2018"}


def defaults_for(tracker: str) -> dict[str, Any]:
    """The default config dict of a tracker (``aiatrack``, ``siamattn``)."""
    if tracker not in DEFAULTS:
        raise ConfigError(f"no configuration defaults for tracker {tracker!r} (known: {', '.join(sorted(DEFAULTS))})")
    return DEFAULTS[tracker]()


def load_config(name_or_path: str | Path | None = None, overrides: Mapping[str, Any] | None = None,
                tracker: str = "aiatrack") -> ConfigNode:
    """Defaults of ``tracker``, merged with an experiment file (name or path) and then with ``overrides``."""
    merged = defaults_for(tracker)
    if name_or_path is not None:
        path = resolve_experiment(name_or_path, tracker)
        merged = merge_strict(merged, _read_yaml(path), source=str(path))
    if overrides:
        merged = merge_strict(merged, overrides, source="overrides")
    VALIDATORS[tracker](merged)
    return ConfigNode(merged)


def _check_precision(cfg: dict[str, Any], supported: tuple[str, ...], why: str = "") -> None:
    precision = cfg["TEST"]["PRECISION"]
    if precision not in supported:
        raise ConfigError(f"TEST.PRECISION must be one of {', '.join(supported)}{why}, got {precision!r}")


def _validate_aiatrack(cfg: dict[str, Any]) -> None:
    _check_precision(cfg, tuple(PRECISIONS))
    for name, row in cfg["TEST"]["HYPER"].items():
        ok = (len(row) == 3 and isinstance(row[0], int) and isinstance(row[1], int)
              and isinstance(row[2], (int, float)) and row[0] >= 2 and row[1] >= 1)
        if not ok:
            raise ConfigError(f"TEST.HYPER.{name} must be [cache_size>=2, n_short>=1, threshold], got {row}")
    data_train = cfg["DATA"]["TRAIN"]
    if len(data_train["DATASETS_NAME"]) != len(data_train["DATASETS_RATIO"]):
        raise ConfigError("DATA.TRAIN.DATASETS_NAME and DATASETS_RATIO must have the same length")


def _validate_siamattn(cfg: dict[str, Any]) -> None:
    _check_precision(cfg, ("fp32", "tf32"), " for siamattn (its deformable convolutions and RoI pooling "
                                            "have no reduced-precision form)")


VALIDATORS = {"aiatrack": _validate_aiatrack, "siamattn": _validate_siamattn}


def config_from_dict(data: Mapping[str, Any], tracker: str = "aiatrack",
                     overrides: Mapping[str, Any] | None = None) -> ConfigNode:
    """Rebuild a config saved with ``ConfigNode.to_dict()`` (e.g. from a checkpoint), strictly, then merge
    ``overrides`` (as :func:`load_config`)."""
    merged = merge_strict(defaults_for(tracker), data, source="saved config")
    if overrides:
        merged = merge_strict(merged, overrides, source="overrides")
    VALIDATORS[tracker](merged)
    return ConfigNode(merged)


def config_tracker(data: Mapping[str, Any]) -> str | None:
    """The tracker (a key of ``DEFAULTS``) whose configuration ``data`` is, e.g. a config saved in a checkpoint:
    the first whose defaults know every key of it; None when none does."""
    for tracker in DEFAULTS:
        try:
            config_from_dict(data, tracker)
        except ConfigError:
            continue
        return tracker
    return None


def hyper_for_dataset(cfg: ConfigNode, dataset_name: str) -> tuple[int, int, float]:
    """TEST.HYPER row for a benchmark name (case-insensitive), DEFAULT when it has no row."""
    row = cfg.TEST.HYPER.get(dataset_name.upper(), cfg.TEST.HYPER.DEFAULT)
    return int(row[0]), int(row[1]), float(row[2])
