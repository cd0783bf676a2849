"""The assembled SiamAttn: official keys, shapes and parameter counts, end-to-end steps, config variants."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from lib.trackers import load_config
from lib.models.siamattn import SiamAttn, build_siamattn

OFFICIAL_MODULE_PARAMETERS = {  # README section 2
    "backbone": 45_528_128, "neck": 919_040, "rpn_head": 7_503_456, "feature_enhance": 2_140_668,
    "feature_fusion": 4_416_768, "mask_head": 72_094_721, "bbox_head": 7_640_100,
}


def _read_tsv(path: Path) -> list[tuple[str, tuple[int, ...], str, bool]]:
    rows = []
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            continue
        key, shape, dtype, is_parameter, _ = line.split("\t")
        dims = () if shape == "scalar" else tuple(int(d) for d in shape.split("x"))
        rows.append((key, dims, dtype, is_parameter == "1"))
    return rows


def test_parameter_counts(official_architecture: SiamAttn) -> None:
    model = official_architecture
    assert sum(p.numel() for p in model.parameters()) == 140_242_881
    counts = {name: sum(p.numel() for p in module.parameters()) for name, module in model.named_children()}
    assert counts == OFFICIAL_MODULE_PARAMETERS
    assert sum(b.numel() for b in model.buffers()) == 74_719


@pytest.mark.reference
def test_every_official_key_with_its_shape_and_kind(official_architecture: SiamAttn, siamattn_dir: Path) -> None:
    rows = _read_tsv(siamattn_dir / "official_state_dict.tsv")
    assert len(rows) == 645
    state = official_architecture.state_dict()
    parameters = dict(official_architecture.named_parameters())
    assert list(state) == [key for key, *_ in rows]                      # same keys, same order
    for key, shape, dtype, is_parameter in rows:
        assert tuple(state[key].shape) == shape, key
        assert str(state[key].dtype) == f"torch.{dtype}", key
        assert (key in parameters) == is_parameter, key


@pytest.mark.reference
@pytest.mark.parametrize("step", ["step1", "step2"])
def test_track_step_end_to_end(official_model: SiamAttn, siam_step: dict, check, step: str) -> None:
    """From the stored crops only: template features, one track step, both refinements on the stored RoIs."""
    net = siam_step[step]["net"]
    with torch.no_grad():
        zf = official_model.template_features(siam_step["init"]["z_crop_uint8"].float())
        out = official_model.track_features(zf, siam_step[step]["x_crop_uint8"].float())
        assert set(out) == {"cls", "loc", "b_fused", "m_fused"}
        check(out["cls"], net["rpn"]["cls"], check.HEADS, "cls")
        check(out["loc"], net["rpn"]["loc"], check.HEADS, "loc")
        check(out["b_fused"], net["fusion"]["b_fused"], check.HEADS, "b_fused")
        if "m_fused" in net["fusion"]:
            check(out["m_fused"], net["fusion"]["m_fused"], check.HEADS, "m_fused")
        heads = net["heads"]
        check(official_model.refine_box(out["b_fused"], heads["bbox_roi_in"]), heads["bbox_pred_raw"],
              check.HEADS, "box deltas")
        check(official_model.refine_mask(out["m_fused"], heads["mask_roi_in"]), heads["mask_logits"],
              check.HEADS, "mask logits")


def _tiny_config(mask: bool):
    return load_config(tracker="siamattn", overrides={"MODEL": {
        "BACKBONE": {"TYPE": "resnet18"}, "CHANNELS": 32, "MASK": mask, "DEFORM_FC_CHANNELS": 16,
        "FC_CHANNELS": 16}})


def test_light_model_without_mask_branch() -> None:
    torch.manual_seed(0)
    model = build_siamattn(_tiny_config(mask=False)).eval()
    assert not model.mask_enabled
    assert not any(k.startswith(("mask_head.", "feature_fusion.lateral_convs.")) for k in model.state_dict())
    with torch.no_grad():
        zf = model.template_features(torch.rand(1, 3, 127, 127) * 255)
        assert [tuple(z.shape) for z in zf] == [(1, 32, 7, 7)] * 3
        out = model.track_features(zf, torch.rand(1, 3, 255, 255) * 255)
    assert {k: tuple(v.shape) for k, v in out.items()} == {
        "cls": (1, 10, 25, 25), "loc": (1, 20, 25, 25), "b_fused": (1, 32, 25, 25)}
    rois = torch.tensor([[0, 40.0, 50.0, 120.0, 140.0], [0, 100.0, 90.0, 200.0, 170.0], [0, 0, 0, 254, 254]])
    assert model.refine_box(out["b_fused"], rois).shape == (3, 4)
    with pytest.raises(RuntimeError, match="MODEL.MASK False"):
        model.refine_mask(out["b_fused"], rois)


def test_batch_items_are_independent_and_training_reaches_every_stage(check) -> None:
    """A batch of two equals the two samples run alone (per-sample correlation and attention). In train
    mode, one loss over all outputs of one sample reaches the attention scalars and the offset layers."""
    torch.manual_seed(1)
    model = build_siamattn(_tiny_config(mask=True)).eval()
    with torch.no_grad():
        for p in (*model.feature_enhance.pams.parameters(), *model.feature_enhance.cam_uses.parameters()):
            p.add_(0.3)                                                  # non-zero gammas: attention active
    z, x = torch.rand(2, 3, 127, 127) * 255, torch.rand(2, 3, 255, 255) * 255
    rois = torch.tensor([[0, 40.0, 50.0, 120.0, 140.0], [1, 100.0, 90.0, 200.0, 170.0]])
    with torch.no_grad():
        both = model.track_features(model.template_features(z), x)
        for i in range(2):
            alone = model.track_features(model.template_features(z[i:i + 1]), x[i:i + 1])
            for key in both:
                check(both[key][i:i + 1], alone[key], 1e-5, f"{key} of sample {i}")
    model.train()
    out = model.track_features(model.template_features(z[:1]), x[:1])
    loss = (out["cls"].square().mean() + out["loc"].square().mean()
            + model.refine_box(out["b_fused"], rois[:1]).square().mean()
            + model.refine_mask(out["m_fused"], rois[:1]).square().mean())
    loss.backward()
    for name in ("feature_enhance.pams.0.gamma", "feature_enhance.cam_uses.2.gamma",
                 "feature_enhance.deform_convs.1.conv_offset.weight", "bbox_head.roi_pool_b.offset_fc.4.weight",
                 "mask_head.roi_pool_m.offset_fc.4.weight", "rpn_head.cls_weight", "backbone.conv1.weight"):
        grad = dict(model.named_parameters())[name].grad
        assert grad is not None and grad.abs().sum() > 0, name


def test_pooling_scales_are_the_official_ones(official_architecture: SiamAttn) -> None:
    """F3/F4: spatial scales 1/(255/25) and 1/(255/63) for the official 255 search crop."""
    assert official_architecture.bbox_head.roi_pool_b.spatial_scale == 1 / (255 / 25)
    assert official_architecture.mask_head.roi_pool_m.spatial_scale == 1 / (255 / 63)
    assert official_architecture.bbox_head.roi_pool_b.out_size == 4
    assert official_architecture.mask_head.roi_pool_m.out_size == 16


def test_official_config_values() -> None:
    model_cfg = load_config(tracker="siamattn").MODEL
    assert model_cfg.BACKBONE.TYPE == "resnet50" and model_cfg.CHANNELS == 256 and model_cfg.MASK is True
    assert (model_cfg.ANCHOR.STRIDE, list(model_cfg.ANCHOR.RATIOS), list(model_cfg.ANCHOR.SCALES)) == (
        8, [0.33, 0.5, 1, 2, 3], [8])
    assert list(model_cfg.BBOX_NORMALIZE_STDS) == [0.1, 0.1, 0.2, 0.2]
    assert (model_cfg.ROIPOOL_OUTSIZE, model_cfg.MASK_OUTSIZE, model_cfg.SEARCH_SIZE) == (16, 64, 255)
