"""Default configuration of SiamAttn (CVPR 2020): the official VOT2018 config merged with pysot's defaults.

Every key a ``experiments/siamattn/*.yaml`` file may set must exist here; anything else is rejected when
merging. Each section has its own function so the model, tracker and training parts stay separate.
"""
from __future__ import annotations

from typing import Any


def _model() -> dict[str, Any]:
    """MODEL: backbone, neck, DSA, RPN, anchors and refinement heads."""
    return {}


def _train() -> dict[str, Any]:
    """TRAIN: losses, optimizer, schedule."""
    return {}


def _data() -> dict[str, Any]:
    """DATA: training datasets, pair sampling, augmentation."""
    return {}


def _test() -> dict[str, Any]:
    """TEST: tracker hyper-parameters (per benchmark)."""
    return {}


def siamattn_default_config_dict() -> dict[str, Any]:
    """A fresh nested ``dict`` holding every known SiamAttn key with its default value."""
    return {"MODEL": _model(), "TRAIN": _train(), "DATA": _data(), "TEST": _test()}
