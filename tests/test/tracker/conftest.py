"""Fixtures of the official SiamAttn reference data (``../shared/reference/siamattn``); skipped when absent."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch


def _load(path: Path) -> dict:
    if not path.exists():
        pytest.skip(f"official SiamAttn reference data not available: {path} is missing")
    return torch.load(path, weights_only=True)


@pytest.fixture(scope="session")
def siamattn_dir(reference_dir: Path) -> Path:
    """``../shared/reference/siamattn``."""
    return reference_dir / "siamattn"


@pytest.fixture(scope="session")
def siamattn_step(siamattn_dir: Path) -> dict:
    """``step_fixture.pt``: official init on frame 0 and track on frames 1, 2 with every intermediate."""
    return _load(siamattn_dir / "step_fixture.pt")


@pytest.fixture(scope="session")
def siamattn_run(siamattn_dir: Path) -> dict:
    """``tracker_fixture_A.pt``: per-frame outputs of the official tracker over video A."""
    return _load(siamattn_dir / "tracker_fixture_A.pt")
