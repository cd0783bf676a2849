"""Ablation variants (paper Tables 3 and 4): the building blocks against independent computations, and
every variant building, training one step and tracking a few frames on a tiny model."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from lib.config import ConfigNode
from lib.models.aiatrack import AiATrack, build_aiatrack
from lib.models.aiatrack.aia import AiAAttention, InnerAttention
from lib.models.aiatrack.backbone import build_resnet_trunk
from lib.models.aiatrack.reference_variants import group_references, region_value_offset
from lib.models.aiatrack.refinement import (CascadeAttention, ConvRefinedAttention, ConvRefinement, NarrowAttention,
                                            cascade_width, inner_attention_parameters)
from lib.models.aiatrack.transformer import AiATransformer
from lib.test.tracker.aiatrack import AiATracker
from tests.models.test_aiatrack import SIZE, random_batch, tiny_config

VARIANTS = {
    "refinement-cascade": {"AIA": {"REFINEMENT": "cascade"}},
    "refinement-conv": {"AIA": {"REFINEMENT": "conv"}},
    "embedding-mask": {"REFERENCE": {"EMBEDDING": "mask"}},
    "embedding-none": {"REFERENCE": {"EMBEDDING": "none"}},
    "mode-mixed": {"REFERENCE": {"MODE": "mixed"}},
    "mode-long": {"REFERENCE": {"MODE": "long"}},
    "mode-short": {"REFERENCE": {"MODE": "short"}},
    "no-aia-encoder": {"AIA": {"ENCODER": False}},
}


def variant_config(model_overrides: dict) -> ConfigNode:
    """The tiny test model (64 px crops, also for tracking) with ``MODEL`` overrides."""
    return tiny_config().replace({"MODEL": model_overrides, "TEST": {"SEARCH_SIZE": SIZE}})


def test_conv_refinement_is_local_per_key():
    """Changing one logit (key k, query q) changes only key k's correction, within 2 tokens of q (5x5)."""
    torch.manual_seed(0)
    side = 7
    refine = ConvRefinement(side * side)
    logits = torch.randn(1, 2, 3, side * side)
    changed = logits.clone()
    q = 3 * side + 3  # centre token (3, 3)
    changed[0, 1, 2, q] += 5.0
    diff = (refine(changed) - refine(logits)).abs().view(1, 2, 3, side, side)
    assert diff[0, 0].max() == 0 and diff[0, 1, :2].max() == 0     # other heads and keys untouched
    inside = torch.zeros(side, side, dtype=torch.bool)
    inside[1:6, 1:6] = True
    assert diff[0, 1, 2][~inside].max() == 0 and diff[0, 1, 2][inside].max() > 0


def test_narrow_attention_at_full_width_equals_torch_multihead_attention():
    torch.manual_seed(0)
    dim, heads = 16, 4
    narrow = NarrowAttention(dim, dim, heads)
    reference = nn.MultiheadAttention(dim, heads)
    with torch.no_grad():
        reference.in_proj_weight.copy_(torch.cat([narrow.q_proj.weight, narrow.k_proj.weight, narrow.v_proj.weight]))
        reference.in_proj_bias.copy_(torch.cat([narrow.q_proj.bias, narrow.k_proj.bias, narrow.v_proj.bias]))
        reference.out_proj.weight.copy_(narrow.out_proj.weight)
        reference.out_proj.bias.copy_(narrow.out_proj.bias)
    query, key = torch.randn(5, 2, dim), torch.randn(7, 2, dim)
    value = torch.randn(7, 2, dim)
    expected = reference(query, key, value, need_weights=False)[0]
    torch.testing.assert_close(narrow(query, key, value), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dim,heads,feat,match", [(64, 4, 64, 32), (256, 4, 400, 64)])
def test_cascade_width_matches_inner_attention_parameters_best(dim, heads, feat, match):
    """Brute force over every allowed width: the chosen one has the closest parameter count."""
    target = sum(p.numel() for p in InnerAttention(feat, match).parameters())
    width = cascade_width(dim, heads, target)

    def count(w: int) -> int:
        return sum(p.numel() for p in NarrowAttention(dim, w, heads).parameters())

    assert min(abs(count(w) - target) for w in range(heads, dim + 1, heads)) == abs(count(width) - target)
    assert abs(count(width) - target) / target < 0.05


def test_cascade_output_is_first_plus_second_on_refined_query():
    torch.manual_seed(0)
    first = AiAAttention(16, 4, use_inner=False)
    cascade = CascadeAttention(first, 8)
    query, key, value = torch.randn(4, 1, 16), torch.randn(6, 1, 16), torch.randn(6, 1, 16)
    out1 = first(query, key, value)[0]
    torch.testing.assert_close(cascade(query, key, value)[0], out1 + cascade.second(query + out1, key, value))
    cached = cascade(query, None, None, key_value=cascade.project_key_value(key, value))[0]   # tracker's cache
    torch.testing.assert_close(cached, cascade(query, key, value)[0])
    with pytest.raises(ValueError, match="plain"):
        CascadeAttention(AiAAttention(16, 4, use_inner=True, match_dim=8, feat_size=4), 8)


def test_mask_offset_gives_memory_times_region_and_none_gives_memory():
    memory = torch.randn(4, 2, 3)
    region = torch.tensor([[[1.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [1.0, 0.0]]])   # (B=2, 2, 2)
    keep = torch.tensor([[1, 0], [0, 0], [0, 1], [1, 0]], dtype=torch.float32)    # token-major, by hand
    assert torch.equal(memory + region_value_offset("mask", region, memory), memory * keep[..., None])
    assert torch.equal(memory + region_value_offset("none", region, memory), memory)


def test_group_references_per_mode():
    long_term, short_term = ["L"], ["S1", "S2"]
    assert group_references("separate", long_term, short_term) == (["L"], ["S1", "S2"])
    assert group_references("mixed", long_term, short_term) == (["L", "S1", "S2"], [])
    assert group_references("long", long_term, short_term) == (["L"], [])
    assert group_references("short", long_term, short_term) == ([], ["S1", "S2"])
    assert group_references("long", long_term, []) == (["L"], [])
    with pytest.raises(ValueError, match="short-term"):
        group_references("separate", long_term, [])
    with pytest.raises(ValueError, match="MODEL.REFERENCE.MODE"):
        group_references("both", long_term, short_term)


@pytest.mark.parametrize("key,value", [("AIA.REFINEMENT", "resnet"), ("REFERENCE.EMBEDDING", "learned"),
                                       ("REFERENCE.MODE", "all")])
def test_unknown_variant_names_the_key(key, value):
    section, name = key.split(".")
    with pytest.raises(ValueError, match=f"MODEL.{key}"):
        build_aiatrack(variant_config({section: {name: value}}))


def test_variants_build_only_the_modules_they_use():
    conv = build_aiatrack(variant_config(VARIANTS["refinement-conv"]))
    assert not any(isinstance(m, InnerAttention) for m in conv.modules())
    assert sum(isinstance(m, ConvRefinement) for m in conv.modules()) == 3   # encoder self + 2 decoder cross
    cascade = build_aiatrack(variant_config(VARIANTS["refinement-cascade"]))
    assert sum(isinstance(m, CascadeAttention) for m in cascade.modules()) == 3
    assert not any(isinstance(m, InnerAttention) for m in cascade.modules())
    mixed = build_aiatrack(variant_config(VARIANTS["mode-mixed"]))
    assert mixed.transformer.decoder.layers[0].short_term_attn is None
    short = build_aiatrack(variant_config(VARIANTS["mode-short"]))
    assert short.transformer.decoder.layers[0].long_term_attn is None
    mask = build_aiatrack(variant_config(VARIANTS["embedding-mask"]))
    assert not any("_embed" in name for name, _ in mask.named_parameters())


def _tiny_transformer(**variant: str) -> AiATransformer:
    return AiATransformer(dim=64, num_heads=4, num_encoder_layers=1, num_decoder_layers=2, ffn_dim=128, dropout=0.0,
                          match_dim=16, feat_size=16, **variant)


def test_variants_are_constructor_arguments():
    """Transformer and model constructors build each variant directly; the parameters are those of
    the official modules the variant keeps plus its own (counted by hand from the layer sizes)."""
    torch.manual_seed(0)
    official = _tiny_transformer()
    count = {name: sum(p.numel() for p in module.parameters()) for name, module in official.named_children()}
    inner = 16 * 16 + 16 + 2 * 16 + 2 * 16 + 2 * (16 * 16 + 16) + 16 * 16 + 16   # InnerAttention(16, 16)
    assert inner_attention_parameters(16, 16) == inner

    conv = _tiny_transformer(refinement="conv", reference_mode="short")
    conv_block = (8 * 9 + 8) + (8 * 9 + 1)
    assert all(type(layer.short_term_attn) is ConvRefinedAttention and layer.long_term_attn is None
               for layer in conv.decoder.layers)
    assert conv.reference_mode == "short"
    attention = 3 * 64 * 64 + 3 * 64 + 64 * 64 + 64            # the outer attention's projections
    assert sum(p.numel() for p in conv.decoder.parameters()) == count["decoder"] - 2 * (attention + 2 * inner) \
        + 2 * conv_block
    assert sum(p.numel() for p in conv.encoder.parameters()) == count["encoder"] - inner + conv_block

    cascade = _tiny_transformer(refinement="cascade", reference_mode="mixed")
    width = cascade_width(64, 4, inner)
    narrow = 4 * 64 * width + 3 * width + 64
    assert all(isinstance(layer.long_term_attn, CascadeAttention) and layer.short_term_attn is None
               for layer in cascade.decoder.layers)
    assert sum(p.numel() for p in cascade.parameters()) == sum(count.values()) - 5 * inner - 2 * attention \
        + 3 * narrow

    model = AiATrack(build_resnet_trunk("resnet18", frozen_bn=True), conv, 64, 16, 4, reference_embedding="none")
    assert (model.reference_embedding, model.reference_mode) == ("none", "short")
    assert not hasattr(model, "foreground_embed") and not hasattr(model, "background_embed")
    with pytest.raises(ValueError, match="MODEL.REFERENCE.EMBEDDING"):
        AiATrack(build_resnet_trunk("resnet18", frozen_bn=True), conv, 64, 16, 4, reference_embedding="learned")


def test_variant_modules_keep_their_own_initialization():
    """The transformer's xavier pass (bound sqrt(6 / (fan_in + fan_out))) skips the conv block, which keeps
    PyTorch's default conv init (bound 1 / sqrt(fan_in)); all official weights stay within xavier's bound."""
    torch.manual_seed(0)
    transformer = _tiny_transformer(refinement="conv")
    first = transformer.encoder.layers[0].self_attn.inner_attn.block[0].weight     # (8, 1, 3, 3)
    assert first.abs().max() > (6 / (9 + 72)) ** 0.5 and first.abs().max() <= 1 / 3
    in_proj = transformer.encoder.layers[0].self_attn.in_proj_weight               # (192, 64)
    assert in_proj.abs().max() <= (6 / (64 + 192)) ** 0.5


def _moving_square_video(frames: int = 4, size: int = 96) -> tuple[list[np.ndarray], list[float]]:
    video = []
    for t in range(frames):
        image = np.full((size, size, 3), 40, dtype=np.uint8)
        image[30 + t: 50 + t, 20 + 2 * t: 40 + 2 * t] = (220, 60, 60)
        video.append(image)
    return video, [20.0, 30.0, 20.0, 20.0]


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variant_trains_and_tracks(name):
    """One training step reaches every trainable parameter (none unused); the tracker runs the variant."""
    torch.manual_seed(0)
    cfg = variant_config(VARIANTS[name])
    model = build_aiatrack(cfg).train()
    out = model(random_batch(refs=3))
    (out["pred_boxes"].sum() + out["pred_iou"].square().sum()).backward()
    for parameter_name, parameter in model.named_parameters():
        if parameter.requires_grad:
            assert parameter.grad is not None and torch.isfinite(parameter.grad).all(), parameter_name
    tracker = AiATracker(model, cfg)
    tracker.threshold = -2.0  # every frame enters the memory, so the short-term path is exercised
    video, box = _moving_square_video()
    tracker.initialize(video[0], {"init_bbox": box})
    for image in video[1:]:
        result = tracker.track(image)
        assert len(result["target_bbox"]) == 4 and np.isfinite(result["target_bbox"]).all()
    assert len(tracker.memory) == len(video)
