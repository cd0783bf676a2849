"""Inference form of SiamAttn against the plain eval model, and its grid-sampled deformable convolution."""
from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn
from torchvision.ops import deform_conv2d

from lib.trackers import load_config
from lib.utils.fold import fold_batchnorm
from lib.models.siamattn import build_siamattn
from lib.models.siamattn.dsa import deform_conv2d_by_grid_sample
from lib.models.siamattn.fusion import ConvBNReLU
from lib.models.siamattn.inference import prepare_siamattn_for_tracking

SMALL = {"MODEL": {"BACKBONE": {"TYPE": "resnet18"}, "CHANNELS": 16, "DEFORM_FC_CHANNELS": 32, "FC_CHANNELS": 32}}


def _relative(ours: Tensor, reference: Tensor) -> float:
    return ((ours.double() - reference.double()).abs().max() / reference.double().abs().max()).item()


def _randomize(model: nn.Module, generator: torch.Generator) -> None:
    """Non-trivial BatchNorm statistics and affine terms, non-zero DSA gammas and DCN offset convs."""
    for name, param in model.named_parameters():
        if name.endswith("gamma"):
            param.data.fill_(0.3)
        elif "conv_offset" in name:
            param.data.copy_(torch.randn(param.shape, generator=generator) * 0.05)
    for norm in model.modules():
        if isinstance(norm, nn.BatchNorm2d):
            n = norm.num_features
            norm.running_var.copy_(torch.rand(n, generator=generator) + 0.5)
            norm.running_mean.copy_(torch.randn(n, generator=generator) * 0.1)
            norm.weight.data.copy_(torch.rand(n, generator=generator) + 0.5)
            norm.bias.data.copy_(torch.randn(n, generator=generator) * 0.1)


@pytest.mark.parametrize("shape", [(1, 8, 7, 7), (2, 5, 12, 10)])
def test_grid_sampled_deform_conv_matches_torchvision(shape):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(shape, generator=generator, dtype=torch.float64)
    # offsets of several cells: many taps fall partly or wholly outside the map
    offset = torch.randn(shape[0], 18, *shape[2:], generator=generator, dtype=torch.float64) * 3
    weight = torch.randn(6, shape[1], 3, 3, generator=generator, dtype=torch.float64)
    expected = deform_conv2d(x, offset, weight, padding=(1, 1))
    assert _relative(deform_conv2d_by_grid_sample(x, offset, weight, 1), expected) < 1e-12
    # integer offsets pointing exactly at the border (-1 and W) count as missing in both
    border = torch.full_like(offset, -1.0)
    assert _relative(deform_conv2d_by_grid_sample(x, border, weight, 1),
                     deform_conv2d(x, border, weight, padding=(1, 1))) < 1e-12
    with pytest.raises(ValueError, match="at least 2"):
        deform_conv2d_by_grid_sample(x[..., :1, :], offset[..., :1, :], weight, 1)


def test_fold_batchnorm_pairs_convmodule_names():
    generator = torch.Generator().manual_seed(1)
    block = ConvBNReLU(6, 8, 3, padding=1).eval()
    _randomize(block, generator)
    x = torch.randn(2, 6, 9, 9, generator=generator)
    with torch.no_grad():
        expected = block.double()(x.double())  # unfolded, float64: an independent reference
        block.float()
        assert fold_batchnorm(block) == 1
        assert isinstance(getattr(block, block.norm_name), nn.Identity)
        assert _relative(block(x), expected) < 1e-5


@pytest.fixture(scope="module")
def small_pair():
    torch.manual_seed(0)
    cfg = load_config(overrides=SMALL, tracker="siamattn")
    model = build_siamattn(cfg).eval()
    _randomize(model, torch.Generator().manual_seed(2))
    return model, prepare_siamattn_for_tracking(model)


def test_prepared_model_matches_plain_eval_model(small_pair):
    model, prepared = small_pair
    assert model.search_stage is None and prepared.search_stage is not None  # a copy: the original is untouched
    assert prepare_siamattn_for_tracking(prepared) is prepared
    generator = torch.Generator().manual_seed(3)
    z = torch.rand(1, 3, 127, 127, generator=generator) * 255
    x = torch.rand(1, 3, 255, 255, generator=generator) * 255
    rois = torch.tensor([[0.0, 90.5, 80.0, 170.0, 150.5]])
    with torch.no_grad():
        template = model.template_features(z)
        for ours, reference in zip(prepared.template_features(z), template):
            assert _relative(ours, reference) < 1e-5
        for ours, reference in zip(prepared.search_features(x), model.search_features(x)):
            assert _relative(ours, reference) < 1e-5
        expected = model.track_features(template, x)
        out = prepared.track_features(template, x)
        assert sorted(out) == sorted(expected) == ["b_fused", "cls", "loc", "m_fused"]
        # The peaked DSA softmaxes amplify the ~1e-6 search-level differences (README section 8 allows 2e-3).
        for key in expected:
            assert _relative(out[key], expected[key]) < 1e-3, key
        assert _relative(prepared.refine_box(expected["b_fused"], rois), model.refine_box(expected["b_fused"], rois)) < 1e-5
        assert _relative(prepared.refine_mask(expected["m_fused"], rois),
                         model.refine_mask(expected["m_fused"], rois)) < 1e-5
