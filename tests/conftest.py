"""Shared test helpers: location of the official reference fixtures."""
from __future__ import annotations

import os
from pathlib import Path

# Idle OpenMP threads must not spin: on a busy machine spinning makes every op many times slower.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import pytest  # noqa: E402
import torch  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"
REFERENCE_DIR = SHARED_DIR / "reference"
SPEC_LISTS_DIR = SHARED_DIR / "spec" / "lists"

# One intra-op thread: with two, the threads wait on each other at every operator on a busy machine and
# small ops become many times slower; results agree with the 2-thread official fixtures to ~1e-6.
torch.set_num_threads(1)


@pytest.fixture(scope="session")
def test_device() -> torch.device:
    """Device of the SiamAttn official-fixture tracker tests: ``$AIATRACK_TEST_DEVICE`` (``scripts/gpu_check.py``
    sets ``cuda`` to check a GPU against the CPU tolerances), else the CPU."""
    return torch.device(os.environ.get("AIATRACK_TEST_DEVICE", "cpu"))


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"official reference data not available: {path} is missing "
                    "(it lives in ../shared beside the checkout in CI)")
    return path


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """``../shared/reference``; tests using it are skipped when it is absent."""
    return _require(REFERENCE_DIR)


@pytest.fixture(scope="session")
def step_fixture(reference_dir: Path) -> dict:
    """The official ``step_fixture.pt`` (initialize + two track steps, all intermediates)."""
    return torch.load(_require(reference_dir / "step_fixture.pt"), weights_only=True)


@pytest.fixture(scope="session")
def tracker_fixture(reference_dir: Path) -> dict:
    """The official ``tracker_fixture_A.pt`` (30-frame video and per-frame tracker outputs)."""
    return torch.load(_require(reference_dir / "tracker_fixture_A.pt"), weights_only=True)


@pytest.fixture(scope="session")
def reference_checkpoint(reference_dir: Path) -> Path:
    """Path of the official-format checkpoint ``aiatrack_synthetic.pth.tar``."""
    return _require(reference_dir / "aiatrack_synthetic.pth.tar")
