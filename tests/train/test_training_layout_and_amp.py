"""Training steps on the paths a GPU takes: bf16 autocast for SiamAttn, and any memory layout of op outputs.

Under autocast the SiamAttn deformable convolution received bfloat16 activations and a float32 weight and
torchvision's kernel stopped the first step; the layout check makes every fresh op output non-contiguous
(``tests/layout.py``), as CUDA kernels may return them, and asserts the step's losses do not change.
"""
from __future__ import annotations

import pytest
import torch

from tests.layout import NonContiguousOutputs
from tests.train import test_siamattn_training as siamattn
from tests.train import test_trainer as aiatrack


def test_siamattn_bf16_autocast_step_trains_close_to_fp32(tmp_path):
    stats = {}
    for amp in ("none", "bf16"):
        trainer = siamattn.make_trainer(siamattn.micro_config(mask=True, AMP=amp), tmp_path / amp)
        trainer.actor.train()
        stats[amp] = trainer.train_step(siamattn.random_batch(2, seed=0))
    assert all(torch.isfinite(value) for value in stats["bf16"].values())
    for name in ("cls", "loc", "total"):  # bf16 keeps ~3 significant digits
        assert stats["bf16"][name].item() == pytest.approx(stats["none"][name].item(), rel=0.05), name


def _steps(make, batch, layout: bool) -> dict[str, float]:
    trainer = make()
    if hasattr(trainer.actor, "frozen_norms"):
        trainer.actor.train()
    if layout:
        with NonContiguousOutputs() as mode:
            stats = trainer.train_step(batch)
        assert mode.scrambled > 50
    else:
        stats = trainer.train_step(batch)
    return {name: value.item() for name, value in stats.items()}


def test_aiatrack_training_step_does_not_depend_on_output_layouts(tmp_path):
    make = lambda: aiatrack.make_trainer(aiatrack.micro_config("MODEL.TRANSFORMER.DROPOUT=0.0"), tmp_path)  # noqa: E731
    batch = aiatrack.random_batch(2, seed=0)
    plain, scrambled = _steps(make, batch, False), _steps(make, batch, True)
    assert scrambled == pytest.approx(plain, rel=1e-5, abs=1e-6)


def test_siamattn_training_step_does_not_depend_on_output_layouts(tmp_path):
    make = lambda: siamattn.make_trainer(siamattn.micro_config(mask=True), tmp_path)  # noqa: E731
    batch = siamattn.random_batch(2, seed=0)
    plain, scrambled = _steps(make, batch, False), _steps(make, batch, True)
    assert scrambled == pytest.approx(plain, rel=1e-5, abs=1e-6)
