"""SiamAttn's exported ONNX graphs against its PyTorch form, and a tracker running on ONNX Runtime.

Synthetic parity uses small networks (the shipped tiny checkpoint; a seeded random one with the mask
branch); the official fixtures (``../shared/reference/siamattn``, skipped when absent) run the tracker of the
official-format checkpoint on ONNX Runtime over video A, teacher-forced, with the tolerances of
tests/test/tracker/test_siamattn_tracker.py.
"""
from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from lib.models.siamattn.onnx_graphs import export_siamattn, onnx_source
from lib.models.siamattn.onnx_runtime import OrtSiamAttn
from lib.test.evaluation import tracking_traits
from lib.test.tracker.base import TrackingTraits
from lib.trackers import build_network, get_plugin, load_config, load_tracker
from lib.utils.synthetic import render_video
from tests.test.tracker.test_siamattn_tracker import MASK_TOL, STATE_TOL, _compare_step, _start

SMALL_WITH_MASK = {"MODEL": {"BACKBONE": {"TYPE": "resnet18"}, "CHANNELS": 16, "DEFORM_FC_CHANNELS": 16,
                             "FC_CHANNELS": 16}}


@torch.no_grad()
def test_graphs_match_pytorch_on_synthetic_inputs(tmp_path, check):
    cfg = load_config(overrides=SMALL_WITH_MASK, tracker="siamattn")
    torch.manual_seed(0)
    model = onnx_source(build_network("siamattn", cfg, None))
    export_siamattn(model, tmp_path, 127, 255)
    ort = OrtSiamAttn(tmp_path)
    assert ort.mask_enabled
    generator = torch.Generator().manual_seed(1)
    template = torch.rand(1, 3, 127, 127, generator=generator) * 255
    search = torch.rand(1, 3, 255, 255, generator=generator) * 255
    rois = torch.tensor([[0.0, 90.5, 100.0, 160.0, 151.5]])
    zf, zf_ort = model.template_features(template), ort.template_features(template)
    for level, (ours, theirs) in enumerate(zip(zf_ort, zf)):
        check(ours, theirs, check.BACKBONE, f"template level {level + 2}")
    outputs, outputs_ort = model.track_features(zf, search), ort.track_features(zf, search)
    assert outputs_ort.keys() == outputs.keys()
    for name in outputs:
        check(outputs_ort[name], outputs[name], check.HEADS, name)
    check(ort.refine_box(outputs["b_fused"], rois), model.refine_box(outputs["b_fused"], rois), check.HEADS, "box")
    check(ort.refine_mask(outputs["m_fused"], rois), model.refine_mask(outputs["m_fused"], rois), check.HEADS,
          "mask")


def test_tracker_on_onnxruntime_makes_the_same_decisions(tmp_path):
    """load_tracker(backend='onnxruntime') with the shipped tiny checkpoint: the same anchors, the same boxes."""
    cfg = load_config("tiny", tracker="siamattn")
    checkpoint = tmp_path / get_plugin("siamattn").embedded_checkpoint.name
    shutil.copy(get_plugin("siamattn").embedded_checkpoint, checkpoint)
    video = render_video(3, num_frames=15)
    runs = {}
    for backend in ("torch", "onnxruntime"):
        tracker = load_tracker("siamattn", cfg, checkpoint, backend=backend)(TrackingTraits())
        tracker.initialize(video.frames[0], {"init_bbox": video.boxes_xywh[0].tolist()})
        runs[backend] = [tracker.track(frame) for frame in video.frames[1:]]
    assert [o["best_idx"] for o in runs["onnxruntime"]] == [o["best_idx"] for o in runs["torch"]]
    np.testing.assert_allclose([o["target_bbox"] for o in runs["onnxruntime"]],
                               [o["target_bbox"] for o in runs["torch"]], rtol=0, atol=STATE_TOL)
    assert {path.name for path in checkpoint.with_name(checkpoint.name + ".onnx").glob("*/*.onnx")} == {
        "template.onnx", "track.onnx", "refine_box.onnx"}


@pytest.mark.reference
@pytest.mark.slow
def test_official_video_teacher_forced_on_onnxruntime(siamattn_dir, tracker_fixture, tmp_path):
    """The official-format checkpoint's graphs in the unchanged tracking loop: video A, each frame from the
    official state, against the official outputs (anchor, state, score, mask probabilities) with the PyTorch
    tracker's tolerances. The mask area and the polygon are discontinuous functions of the mask probabilities
    (pixels within the mask tolerance flip across the threshold): with ONNX Runtime's float32 rounding the
    area is 3 px off on one frame of 29 (tolerance 2) and the polygon switches its branch on another (5.3 px),
    so at most two frames may miss those two tolerances (see docs/onnx.md)."""
    run = torch.load(siamattn_dir / "tracker_fixture_A.pt", weights_only=True)
    cfg = load_config("vot2018", tracker="siamattn")
    checkpoint = tmp_path / "siamattn_synthetic.pth"
    shutil.copy(siamattn_dir / "siamattn_synthetic.pth", checkpoint)
    tracker = load_tracker("siamattn", cfg, checkpoint, backend="onnxruntime")(tracking_traits("vot18"))
    assert isinstance(tracker.model, OrtSiamAttn)
    video = _start(tracker, tracker_fixture, run)
    compared, discontinuities = 0, []
    for t in range(1, video.shape[0]):
        tracker.center_pos = run["center_pos_before"][t].numpy().copy()
        tracker.size = run["size_before"][t].numpy().copy()
        out = tracker.track(video[t])
        if out["best_idx"] == int(run["best_idx"][t]):
            polygon_error = np.abs(np.asarray(out["target_polygon"]) - run["polygon"][t].numpy()).max()
            if polygon_error > STATE_TOL or abs(out["mask_area_px"] - int(run["mask_area_px"][t])) > 2:
                discontinuities.append(t)  # counted below; every other frame is compared in full
                np.testing.assert_allclose(out["target_bbox"], run["bbox_xywh"][t].numpy(), rtol=0, atol=STATE_TOL)
                np.testing.assert_allclose(out["mask_prob"], run["mask_prob_64"][t].numpy(), rtol=0, atol=MASK_TOL)
                continue
        compared += _compare_step(out, tracker, run, t, video.shape[1:3])
    assert compared >= 23
    assert len(discontinuities) <= 2, discontinuities
