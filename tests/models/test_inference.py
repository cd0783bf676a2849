"""Inference form of AiATrack: BatchNorm folding, prepared copy vs the training-form model, precisions."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from lib.trackers import load_config
from lib.models.aiatrack import ReferenceFrame, build_aiatrack, prepare_for_tracking, tracking_dtype
from lib.models.aiatrack.aia import AiAAttention
from lib.models.aiatrack.backbone import build_resnet_trunk
from lib.utils.fold import fold_batchnorm


def _randomize_norms(module: nn.Module, generator: torch.Generator) -> None:
    """Non-trivial statistics and affine terms in every BatchNorm (frozen or regular)."""
    for norm in module.modules():
        if hasattr(norm, "running_var"):
            n = norm.running_var.numel()
            norm.running_var.copy_(torch.rand(n, generator=generator) + 0.5)
            norm.running_mean.copy_(torch.randn(n, generator=generator) * 0.1)
            norm.weight.data.copy_(torch.rand(n, generator=generator) + 0.5)
            norm.bias.data.copy_(torch.randn(n, generator=generator) * 0.1)


def _relative(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a.double() - b.double()).abs().max() / b.double().abs().max()).item()


def test_fold_batchnorm_matches_float64_unfolded_trunk():
    generator = torch.Generator().manual_seed(0)
    trunk = build_resnet_trunk("resnet18").eval()
    _randomize_norms(trunk, generator)
    x = torch.randn(1, 3, 64, 64, generator=generator)
    with torch.no_grad():
        expected = trunk.double()(x.double())  # the unfolded trunk in float64: an independent reference
        trunk.float()
        folded = fold_batchnorm(trunk)
        out = trunk(x)
    # resnet18 to layer3: stem 1 + 2 * (2 + 2 + 2) block convs + 2 downsamples = 15 conv/BN pairs
    assert folded == 15
    assert not any(hasattr(m, "running_var") for m in trunk.modules())
    assert _relative(out, expected) < 1e-5


def test_fold_batchnorm_rejects_training_mode_batchnorm():
    block = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    with pytest.raises(ValueError, match="training mode"):
        fold_batchnorm(block)


@pytest.fixture(scope="module")
def tiny_model():
    torch.manual_seed(0)
    cfg = load_config("tiny")
    model = build_aiatrack(cfg).eval()
    _randomize_norms(model, torch.Generator().manual_seed(1))
    return cfg, model


def _inputs(seed: int, size: int = 128):
    generator = torch.Generator().manual_seed(seed)
    image = torch.randn(1, 3, size, size, generator=generator)
    mask = torch.zeros(1, size, size, dtype=torch.bool)
    mask[:, :, : size // 4] = True  # a padded left border, so the position terms are not trivial
    return image, mask


def _run(model, precision_dtype=torch.float32):
    """Encode two references and a search crop, decode, heads: the tracker's network calls."""
    frames = [_inputs(seed) for seed in (1, 2, 3)]
    region = torch.zeros(1, 8, 8)
    region[:, 2:5, 3:6] = 1
    with torch.no_grad():
        encoded = [model.encode(image.to(precision_dtype).contiguous(memory_format=torch.channels_last), mask)
                   for image, mask in frames]
        refs = [ReferenceFrame(e.memory, model.target_embedding(region), e.inr, e.mask) for e in encoded[:2]]
        decoded = model.decode(encoded[2], refs[:1], [refs[0], refs[1], refs[1]]).float()
        corners = model.predict_corners(decoded)
        proposals = torch.tensor([[[0.2, 0.3, 0.4, 0.3]]])
        iou = model.predict_iou(decoded, proposals)
    return {"memory": encoded[2].memory.float(), "decoded": decoded, "corners": corners, "iou": iou}


def test_prepared_fp32_model_matches_training_form(tiny_model):
    cfg, model = tiny_model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    prepared = prepare_for_tracking(model, "fp32")
    # the comparison below covers the factored AiA form and the windowed IoU head
    attentions = [m for m in prepared.modules() if isinstance(m, AiAAttention)]
    assert attentions and all(m.factored_inner for m in attentions) and prepared.iou_head.windowed
    expected, got = _run(model), _run(prepared)
    for name in expected:
        assert _relative(got[name], expected[name]) < 1e-5, name
    # the original is untouched, the copy is ready as it is
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert prepare_for_tracking(prepared, "fp32") is prepared
    assert tracking_dtype(prepared) == torch.float32
    with pytest.raises(ValueError, match="already prepared for fp32"):
        prepare_for_tracking(prepared, "bf16")


def test_prepared_bf16_model_keeps_heads_float32(tiny_model):
    _, model = tiny_model
    prepared = prepare_for_tracking(model, "bf16")
    assert tracking_dtype(prepared) == torch.bfloat16
    assert prepared.transformer.encoder.layers[0].linear1.weight.dtype == torch.bfloat16
    assert prepared.corner_head.conv5_tl.weight.dtype == torch.float32
    expected, got = _run(model), _run(prepared, torch.bfloat16)
    # bf16 keeps 8 mantissa bits: the outputs move, but stay close to the float32 ones
    assert _relative(got["memory"], expected["memory"]) < 0.1
    assert (got["corners"] - expected["corners"]).abs().max() < 0.05


def test_unknown_precision_is_rejected(tiny_model):
    with pytest.raises(ValueError, match="TEST.PRECISION must be one of"):
        prepare_for_tracking(tiny_model[1], "fp8")


def test_reference_projections_are_computed_once_and_match_fresh_ones(tiny_model):
    _, model = tiny_model
    frames = [_inputs(seed) for seed in (4, 5)]
    region = torch.ones(1, 8, 8)
    with torch.no_grad():
        encoded = [model.encode(image, mask) for image, mask in frames]

        def reference(e):
            return ReferenceFrame(e.memory, model.target_embedding(region), e.inr, e.mask)

        cached = reference(encoded[0])
        first = model.decode(encoded[1], [cached], [cached, cached])
        layer = model.transformer.decoder.layers[0]
        assert set(cached.projections) == {layer.long_term_attn, layer.short_term_attn}
        second = model.decode(encoded[1], [cached], [cached, cached])
        # an independent computation: plain attention inputs, projected inside the attention module
        tokens = lambda r, n: (torch.cat([r.memory] * n), torch.cat([r.memory + r.embedding] * n),  # noqa: E731
                               torch.cat([r.inr] * n))
        fresh = reference(encoded[0])
        keys, values, inr = tokens(fresh, 1)
        long_out = layer.long_term_attn(encoded[1].memory, keys, values, key_pos=inr)[0]
        keys, values, inr = tokens(fresh, 2)
        short_out = layer.short_term_attn(encoded[1].memory, keys, values, key_pos=inr)[0]
        tgt = layer.norm1(encoded[1].memory + long_out + short_out)
        tgt = layer.norm2(tgt + layer.linear2(layer.linear1(tgt).relu()))
        out = model.transformer.decoder.norm(tgt)
        expected = out.permute(1, 2, 0).reshape(first.shape)
    assert torch.equal(first, second)
    assert _relative(first, expected) < 1e-6


def test_in_place_preparation_converts_the_model_itself():
    model = build_aiatrack(load_config("tiny"))
    prepared = prepare_for_tracking(model, "fp32", copy_model=False)
    assert prepared is model and model.tracking_precision == "fp32"
    assert isinstance(model.bottleneck, nn.Identity)  # moved into the traced backbone stage
    # every conv tower norm is folded; only the IoU head's Linear+BatchNorm block keeps its norm
    assert [name for name, m in model.named_modules() if hasattr(m, "running_var")] == ["iou_head.fc.bn"]
