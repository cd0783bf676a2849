"""ResNet trunk: frozen BatchNorm formula (Q9), output geometry, torchvision weight loading."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from lib.models.aiatrack.backbone import FrozenBatchNorm2d, build_resnet_trunk, load_imagenet_weights


def test_frozen_batchnorm_formula():
    bn = FrozenBatchNorm2d(3)
    generator = torch.Generator().manual_seed(0)
    for name in ("weight", "bias", "running_mean"):
        getattr(bn, name).copy_(torch.randn(3, generator=generator))
    bn.running_var.copy_(torch.rand(3, generator=generator) + 0.1)
    x = torch.randn(2, 3, 4, 5, generator=generator)
    w, b, rm, rv = (getattr(bn, n).double().view(1, 3, 1, 1)
                    for n in ("weight", "bias", "running_mean", "running_var"))
    expected = (x.double() - rm) * w / torch.sqrt(rv + 1e-5) + b
    assert torch.allclose(bn(x).double(), expected, atol=1e-6, rtol=0)
    # eps is added inside the root even for the default buffers: scale = rsqrt(1 + 1e-5), not 1
    fresh = FrozenBatchNorm2d(3)
    assert torch.equal(fresh(torch.ones(1, 3, 1, 1)), torch.full((1, 3, 1, 1), 1.0) * torch.rsqrt(torch.tensor(1.00001)))
    assert not any(True for _ in bn.parameters())
    assert set(bn.state_dict()) == {"weight", "bias", "running_mean", "running_var"}


def test_frozen_batchnorm_ignores_batchnorm_counter():
    bn = FrozenBatchNorm2d(4)
    state = nn.BatchNorm2d(4).state_dict()
    assert "num_batches_tracked" in state
    bn.load_state_dict(state, strict=True)


@pytest.mark.parametrize("type_name, size, channels", [("resnet18", 128, 256), ("resnet50", 320, 1024)])
def test_trunk_geometry(type_name, size, channels):
    trunk = build_resnet_trunk(type_name).eval()
    assert trunk.num_channels == channels
    with torch.no_grad():
        out = trunk(torch.randn(1, 3, size, size))
    assert out.shape == (1, channels, size // 16, size // 16)


def test_torchvision_layout_and_weight_loading(tmp_path):
    source = build_resnet_trunk("resnet18")
    state = dict(source.state_dict())
    # what a torchvision file also holds: layer4, fc and BatchNorm counters
    state["layer4.0.conv1.weight"] = torch.zeros(512, 256, 3, 3)
    state["fc.weight"] = torch.zeros(1000, 512)
    state["bn1.num_batches_tracked"] = torch.tensor(0)
    path = tmp_path / "resnet18.pth"
    torch.save(state, path)
    target = build_resnet_trunk("resnet18")
    load_imagenet_weights(target, path)
    for key, value in source.state_dict().items():
        assert torch.equal(target.state_dict()[key], value), key
    assert {"conv1.weight", "layer1.0.conv1.weight", "layer2.0.downsample.0.weight", "layer3.1.bn2.running_var"} \
        <= set(target.state_dict())


def test_weight_loading_errors(tmp_path):
    trunk = build_resnet_trunk("resnet34")
    with pytest.raises(FileNotFoundError, match="missing.pth"):
        load_imagenet_weights(trunk, tmp_path / "missing.pth")
    wrong = tmp_path / "resnet18.pth"
    torch.save(build_resnet_trunk("resnet18").state_dict(), wrong)
    with pytest.raises(ValueError, match="resnet18.pth: not a matching torchvision ResNet"):
        load_imagenet_weights(trunk, wrong)
    garbage = tmp_path / "garbage.pth"
    garbage.write_text("not a tensor file")
    with pytest.raises(ValueError, match="garbage.pth"):
        load_imagenet_weights(trunk, garbage)


def test_unknown_type():
    with pytest.raises(ValueError, match="MODEL.BACKBONE.TYPE"):
        build_resnet_trunk("resnet42")
