"""SiamAttn SGD groups, pysot warm-up + log schedule and the backbone switch."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from lib.trackers import load_config
from lib.train.siamattn.optim import build_optimizer, build_scheduler, set_backbone_state


class Toy(nn.Module):
    """A model with the SiamAttn top-level layout reduced to a few layers."""

    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.Sequential()
        self.backbone.add_module("conv1", nn.Conv2d(3, 4, 3))
        self.backbone.add_module("bn1", nn.BatchNorm2d(4))
        self.backbone.add_module("layer1", nn.Sequential(nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4)))
        for name in ("layer2", "layer3", "layer4"):
            self.backbone.add_module(name, nn.Sequential(nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4)))
        self.neck = nn.Conv2d(4, 4, 1)
        self.feature_enhance = nn.Conv2d(4, 4, 1)
        self.bbox_head = nn.Linear(4, 4)


def official_rates() -> list[float]:
    """Written out: 5 warm-up epochs 0.001 * 5 ** (i / 5), then 15 epochs log-spaced 0.005 -> 0.0005."""
    warm = [0.001 * 5 ** (i / 5) for i in range(5)]
    main = [0.005 * 0.1 ** (i / 14) for i in range(15)]
    return warm + main


@pytest.mark.filterwarnings("ignore:Detected call of")
def test_official_schedule_and_group_rates():
    cfg = load_config(tracker="siamattn")
    model = Toy()
    set_backbone_state(model, cfg, 0)
    optimizer = build_optimizer(model, cfg)
    assert len(optimizer.param_groups) == 1            # frozen backbone: heads only
    head_ids = {id(p) for p in optimizer.param_groups[0]["params"]}
    assert {id(p) for p in model.bbox_head.parameters()} <= head_ids
    assert {id(p) for p in model.feature_enhance.parameters()} <= head_ids
    scheduler = build_scheduler(optimizer, cfg)
    seen = []
    for _ in range(20):
        seen.append(optimizer.param_groups[0]["lr"])
        scheduler.step()
    assert seen == pytest.approx(official_rates(), rel=1e-9)
    assert seen[0] == pytest.approx(0.001) and seen[5] == pytest.approx(0.005) and seen[19] == pytest.approx(0.0005)


@pytest.mark.filterwarnings("ignore:Detected call of")
def test_backbone_switch_unfreezes_layers_2_to_4_at_a_twentieth_of_the_rate():
    cfg = load_config(tracker="siamattn")
    model = Toy()
    frozen = set_backbone_state(model, cfg, 10)
    assert all(p.requires_grad for name in ("layer2", "layer3", "layer4")
               for p in getattr(model.backbone, name).parameters())
    assert not any(p.requires_grad for p in model.backbone.layer1.parameters())
    assert not any(p.requires_grad for p in model.backbone.conv1.parameters())
    assert model.backbone.bn1 in frozen and model.backbone.layer1[1] in frozen
    assert model.backbone.layer2[1] not in frozen
    optimizer = build_optimizer(model, cfg)
    scheduler = build_scheduler(optimizer, cfg, epoch=10)
    backbone_lr, head_lr = (g["lr"] for g in optimizer.param_groups)
    assert head_lr == pytest.approx(official_rates()[10])
    assert backbone_lr == pytest.approx(0.05 * official_rates()[10])
    scheduler.step()
    assert optimizer.param_groups[1]["lr"] == pytest.approx(official_rates()[11])
    assert set_backbone_state(model, cfg, 9) and not any(p.requires_grad for p in model.backbone.parameters())
    assert isinstance(optimizer, torch.optim.SGD) and optimizer.defaults["momentum"] == 0.9
    assert math.isclose(optimizer.defaults["weight_decay"], 1e-4)
