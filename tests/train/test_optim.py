"""Optimizer groups, frozen layers and the learning-rate schedule of the official recipe."""
from __future__ import annotations

import pytest
import torch

from lib.trackers import load_config
from lib.models.aiatrack import build_aiatrack
from lib.train.aiatrack.optim import build_optimizer, build_scheduler


@pytest.fixture(scope="module")
def baseline():
    cfg = load_config("baseline")
    return cfg, build_aiatrack(cfg)


def test_groups_learning_rates_and_frozen_layers(baseline):
    cfg, model = baseline
    optimizer = build_optimizer(model, cfg)
    assert isinstance(optimizer, torch.optim.AdamW)
    head_group, backbone_group = optimizer.param_groups
    assert head_group["lr"] == pytest.approx(1e-4) and backbone_group["lr"] == pytest.approx(1e-5)
    assert head_group["weight_decay"] == backbone_group["weight_decay"] == pytest.approx(1e-4)
    names = {id(p): n for n, p in model.named_parameters()}
    in_backbone = [names[id(p)] for p in backbone_group["params"]]
    in_heads = [names[id(p)] for p in head_group["params"]]
    assert all(n.startswith("backbone.layer2.") or n.startswith("backbone.layer3.") for n in in_backbone)
    assert not any(n.startswith("backbone.") for n in in_heads)
    frozen = {n for n, p in model.named_parameters() if not p.requires_grad}
    expected_frozen = {n for n, _ in model.named_parameters()
                       if n.startswith("backbone.conv1.") or n.startswith("backbone.layer1.")}
    assert frozen == expected_frozen and frozen
    assert set(in_backbone) | set(in_heads) == {n for n, p in model.named_parameters() if p.requires_grad}
    # Backbone norms carry no trainable parameter (FrozenBatchNorm: buffers only).
    assert not any(".bn" in n or "downsample.1" in n for n in in_backbone)
    # Parameter counts of the README's official model: 17,730,611 require gradients.
    assert sum(p.numel() for g in optimizer.param_groups for p in g["params"]) == 17_730_611


def test_step_decay_at_epoch_400_of_500(baseline):
    cfg, model = baseline
    optimizer = build_optimizer(model, cfg)
    scheduler = build_scheduler(optimizer, cfg)
    lrs = []
    for _ in range(500):      # learning rate used by each epoch 1..500, stepped after the epoch
        lrs.append([g["lr"] for g in optimizer.param_groups])
        optimizer.step()
        scheduler.step()
    assert lrs[0] == pytest.approx([1e-4, 1e-5]) and lrs[399] == pytest.approx([1e-4, 1e-5])
    assert lrs[400] == pytest.approx([1e-5, 1e-6]) and lrs[499] == pytest.approx([1e-5, 1e-6])


def test_unsupported_optimizer_is_rejected(baseline):
    cfg, model = baseline
    with pytest.raises(ValueError, match="TRAIN.OPTIMIZER"):
        build_optimizer(model, cfg.replace({"TRAIN": {"OPTIMIZER": "SGD"}}))
