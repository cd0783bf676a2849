"""Shared fixtures of the SiamAttn model tests: the official reference data and the loaded model."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import Tensor

from lib.trackers import load_config
from lib.models.siamattn import SiamAttn, build_siamattn, load_siamattn_checkpoint

class Checker:
    """Relative-error assertions with the README section 8 tolerances for a float32 re-implementation.

    ``rel`` = max |ours − reference| / max |reference|.
    """

    BACKBONE = 1e-4    # backbone and neck
    DSA = 2e-3         # DSA internals and outputs
    HEADS = 5e-4       # RPN, fusion and heads

    @staticmethod
    def rel(ours: Tensor, reference: Tensor) -> float:
        assert ours.shape == reference.shape, (tuple(ours.shape), tuple(reference.shape))
        return ((ours.double() - reference.double()).abs().max() / reference.double().abs().max()).item()

    def __call__(self, ours: Tensor, reference: Tensor, limit: float, what: str = "") -> None:
        error = self.rel(ours, reference)
        assert error <= limit, f"{what}: relative error {error:.3g} above {limit:.0e}"


@pytest.fixture(scope="session")
def check() -> Checker:
    """``check(ours, reference, limit, what)`` asserts a relative error; limits as ``check.BACKBONE`` …"""
    return Checker()


@pytest.fixture(scope="session")
def siamattn_dir(reference_dir: Path) -> Path:
    """``../shared/reference/siamattn``; skipped when absent."""
    path = reference_dir / "siamattn"
    if not path.is_dir():
        pytest.skip(f"official SiamAttn reference data not available: {path} is missing")
    return path


@pytest.fixture(scope="session")
def siam_step(siamattn_dir: Path) -> dict:
    """The official ``step_fixture.pt`` (init + two track steps with every intermediate)."""
    return torch.load(siamattn_dir / "step_fixture.pt", weights_only=True)


@pytest.fixture(scope="session")
def siam_checkpoint(siamattn_dir: Path) -> Path:
    """Path of the synthetic official-format checkpoint ``siamattn_synthetic.pth``."""
    return siamattn_dir / "siamattn_synthetic.pth"


@pytest.fixture(scope="session")
def official_architecture() -> SiamAttn:
    """The official VOT2018 architecture (shared with ``official_model``: use for structure only)."""
    return build_siamattn(load_config(tracker="siamattn"))


@pytest.fixture(scope="session")
def official_model(official_architecture: SiamAttn, siam_checkpoint: Path) -> SiamAttn:
    """The official VOT2018 model with the synthetic weights, in eval mode (shared: do not modify)."""
    load_siamattn_checkpoint(official_architecture, siam_checkpoint)
    return official_architecture.eval().requires_grad_(False)


@pytest.fixture(scope="session")
def search_levels(official_model: SiamAttn, siam_step: dict) -> dict[str, list[Tensor]]:
    """Our backbone levels 0-4 on the search crops of step 1 and step 2."""
    with torch.no_grad():
        return {step: official_model.backbone(siam_step[step]["x_crop_uint8"].float())
                for step in ("step1", "step2")}
