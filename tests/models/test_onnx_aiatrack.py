"""AiATrack's exported ONNX graphs against its PyTorch form, and a tracker running on ONNX Runtime.

Synthetic parity uses the shipped tiny checkpoint; the official fixtures (``../shared/reference``, skipped
when absent) check the graphs of the official-format checkpoint against the recorded official outputs with
the fidelity tolerances of tests/models/test_fidelity.py, and the ORT-backed tracker's decisions over the
fixture video.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from lib.models.aiatrack import EncodedFrame, ReferenceFrame
from lib.models.aiatrack.onnx_graphs import export_aiatrack, onnx_source
from lib.models.aiatrack.onnx_runtime import OrtAiATrack
from lib.test.tracker.aiatrack import AiATracker
from lib.test.tracker.base import TrackingTraits
from lib.trackers import build_network, get_plugin, load_config, load_tracker
from lib.utils.box_ops import box_xyxy_to_xywh
from lib.utils.crop import normalize_image
from lib.utils.onnx_cache import OnnxExportError, export_graph
from lib.utils.synthetic import render_video
from tests.models.test_fidelity import BOX_TOL, IOU_TOL, check, check_abs, reference_from_fixture
from tests.test.tracker.test_aiatrack_official import FREE_RUN_ATOL_PX, RUNS

TINY = get_plugin("aiatrack").embedded_checkpoint


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple:
    """(config, PyTorch source network, ORT-backed network) of the tiny checkpoint."""
    cfg = load_config("tiny", tracker="aiatrack")
    model = onnx_source(build_network("aiatrack", cfg, TINY))
    folder = tmp_path_factory.mktemp("tiny_onnx")
    export_aiatrack(model, folder, [3])
    return cfg, model, OrtAiATrack(folder)


def _reference(model, encoded: EncodedFrame, region: torch.Tensor) -> ReferenceFrame:
    return ReferenceFrame(encoded.memory, model.target_embedding(region, encoded.memory), encoded.inr, encoded.mask)


@torch.no_grad()
def test_graphs_match_pytorch_on_synthetic_inputs(tiny):
    cfg, model, ort = tiny
    generator = torch.Generator().manual_seed(0)
    side, size = model.feat_side, cfg.TEST.SEARCH_SIZE
    images = torch.randn(4, 1, 3, size, size, generator=generator)
    masks = torch.zeros(4, 1, size, size, dtype=torch.bool)
    masks[1, :, :, : size // 3] = True  # a crop padded on the left
    regions = (torch.rand(4, 1, side, side, generator=generator) > 0.7).float()
    ours, theirs = [], []
    for net, store in ((model, theirs), (ort, ours)):
        encoded = [net.encode(images[i], masks[i]) for i in range(4)]
        store.extend(encoded)
        references = [_reference(net, encoded[i], regions[i]) for i in range(4)]
        decoded = net.decode(encoded[0], references[:1], references[1:])
        corners = net.predict_corners(decoded)
        store.extend([references[1].embedding, decoded, corners,
                      net.predict_iou(decoded, box_xyxy_to_xywh(corners)[:, None])])
    for i in range(4):
        check(f"encode {i}/memory", ours[i].memory, theirs[i].memory)
        check(f"encode {i}/inr", ours[i].inr, theirs[i].inr)
        assert torch.equal(ours[i].mask, theirs[i].mask)
    check("target embedding", ours[4], theirs[4])
    check("decoded map", ours[5], theirs[5])
    check_abs("corners", ours[6], theirs[6], BOX_TOL)
    check_abs("iou", ours[7], theirs[7], IOU_TOL)


def test_tracker_on_onnxruntime_makes_the_same_decisions(tmp_path):
    """load_tracker(backend='onnxruntime'): same memory updates, boxes within a thousandth of a pixel."""
    cfg = load_config("tiny", tracker="aiatrack")
    checkpoint = tmp_path / TINY.name
    shutil.copy(TINY, checkpoint)
    video = render_video(3, num_frames=25)
    runs = {}
    for backend in ("torch", "onnxruntime"):
        tracker = load_tracker("aiatrack", cfg, checkpoint, backend=backend)(TrackingTraits())
        tracker.initialize(video.frames[0], {"init_bbox": video.boxes_xywh[0].tolist()})
        runs[backend] = [tracker.track(frame) for frame in video.frames[1:]]
    updated = [o["cache_updated"] for o in runs["torch"]]
    assert any(updated) and not all(updated)  # the run exercises both decisions
    assert [o["cache_updated"] for o in runs["onnxruntime"]] == updated
    np.testing.assert_allclose([o["target_bbox"] for o in runs["onnxruntime"]],
                               [o["target_bbox"] for o in runs["torch"]], rtol=0, atol=FREE_RUN_ATOL_PX)
    np.testing.assert_allclose([o["predicted_iou"] for o in runs["onnxruntime"]],
                               [o["predicted_iou"] for o in runs["torch"]], rtol=0, atol=1e-4)
    graphs = list(Path(f"{checkpoint}.onnx").glob("*/*.onnx"))
    assert {g.name for g in graphs} >= {"encode.onnx", "decode_s3.onnx", "iou.onnx"}


def test_graphs_are_rebuilt_when_the_weights_change(tmp_path):
    cfg = load_config("tiny", tracker="aiatrack")
    checkpoint = tmp_path / TINY.name
    shutil.copy(TINY, checkpoint)
    load_tracker("aiatrack", cfg, checkpoint, backend="onnxruntime")
    load_tracker("aiatrack", cfg, checkpoint, backend="onnxruntime")  # same weights: the same folder
    assert len(list(Path(f"{checkpoint}.onnx").iterdir())) == 1
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    state["net"] = {k: v + 1 if k.endswith("bottleneck.bias") else v for k, v in state["net"].items()}
    torch.save(state, checkpoint)
    load_tracker("aiatrack", cfg, checkpoint, backend="onnxruntime")
    assert len(list(Path(f"{checkpoint}.onnx").iterdir())) == 2


def test_backend_refusals_are_one_line_errors():
    cfg = load_config("tiny", tracker="aiatrack", overrides={"TEST": {"PRECISION": "bf16"}})
    with pytest.raises(ValueError, match="fp32 only"):
        load_tracker("aiatrack", cfg, TINY, backend="onnxruntime")
    with pytest.raises(ValueError, match="backend must be one of"):
        load_tracker("aiatrack", load_config("tiny", tracker="aiatrack"), TINY, backend="tensorflow")


class _Unexportable(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.linalg.eigvals(x).real


def test_a_graph_that_does_not_export_is_one_line_naming_the_file_and_operator(tmp_path):
    path = tmp_path / "graph.onnx"
    with pytest.raises(OnnxExportError) as error:
        export_graph(_Unexportable(), (torch.eye(3),), path, ["x"], ["y"])
    message = str(error.value)
    assert "\n" not in message and str(path) in message and "linalg_eigvals" in message
    assert not path.exists() and not list(tmp_path.iterdir())


# ------------------------------------------------------------------------- official fixtures


@pytest.fixture(scope="module")
def official(reference_checkpoint, tmp_path_factory) -> tuple:
    """(config, PyTorch source network, ORT-backed network) of the official-format checkpoint."""
    cfg = load_config("baseline")
    model = onnx_source(build_network("aiatrack", cfg, reference_checkpoint))
    folder = tmp_path_factory.mktemp("official_onnx")
    export_aiatrack(model, folder, [4])
    return cfg, model, OrtAiATrack(folder, model)


@pytest.mark.reference
@torch.no_grad()
def test_official_first_step_on_onnxruntime(official, step_fixture):
    """The recorded first step (encode both crops, decode against [ref] * 5, heads) through the graphs."""
    cfg, model, ort = official
    fx = step_fixture["first_step"]
    ref, search = fx["reference"], fx["search"]
    ref_image = normalize_image(ref["crop_uint8_hwc"].numpy(), cfg.DATA.MEAN, cfg.DATA.STD)
    ref_encoded = ort.encode(ref_image, ref["att_mask_320"][None])
    search_encoded = ort.encode(search["img_norm"], search["att_mask_320"][None])
    check("reference memory", ref_encoded.memory, ref["memory"])
    check("search memory", search_encoded.memory, search["memory"])
    check("search inr", search_encoded.inr, search["backbone_dict"]["inr"])
    reference = reference_from_fixture(model, ref["memory"], ref["backbone_dict"]["mask"], ref["target_region_20x20"])
    check("target embedding", ort.target_embedding(ref["target_region_20x20"][None].float(), ref["memory"]),
          reference.embedding)
    stored = EncodedFrame(search["memory"], search["backbone_dict"]["inr"], search["backbone_dict"]["mask"])
    decoded = ort.decode(stored, [reference], [reference] * 4)
    check("decoder output", decoded.flatten(2).permute(2, 0, 1), fx["decoder"]["out_embed"][0])
    corners = ort.predict_corners(decoded)
    check_abs("coord_in_crop_xywh", box_xyxy_to_xywh(corners), fx["corner_head"]["coord_in_crop_xywh_norm"], BOX_TOL)
    iou = ort.predict_iou(decoded, fx["iou_head"]["proposals_xywh_norm"][0])
    check_abs("pred_iou", iou, fx["iou_head"]["pred_iou"][0], IOU_TOL)


@pytest.mark.reference
@pytest.mark.slow
@pytest.mark.parametrize("run_name", RUNS)
def test_official_video_free_running_on_onnxruntime(official, tracker_fixture, run_name):
    """The tracker loop unchanged, its network in ONNX Runtime: the official decisions and boxes."""
    cfg, _, ort = official
    run = tracker_fixture["runs"][run_name]
    video = tracker_fixture["video_rgb_uint8"].numpy()
    tracker = AiATracker(ort, cfg, run["dataset_name"])
    tracker.cache_size, tracker.threshold = run["cache_siz"], run["threshold"]
    tracker.initialize(video[0], {"init_bbox": tracker_fixture["init_bbox_xywh"].tolist()})
    for t in range(1, len(video)):
        output = tracker.track(video[t])
        assert output["cache_updated"] == bool(run["cache_updated"][t]), f"frame {t}"
        assert abs(output["predicted_iou"] - run["predicted_iou"][t].item()) < 1e-4, f"frame {t}"
        np.testing.assert_allclose(output["target_bbox"], run["target_bbox_xywh"][t], rtol=0, atol=FREE_RUN_ATOL_PX,
                                   err_msg=f"frame {t}")


def test_sessions_follow_torch_thread_count(tiny):
    """ONNX Runtime fixes its threads per session: a session is made for each torch thread count in use."""
    _, _, ort = tiny
    previous = torch.get_num_threads()
    try:
        threads = {}
        for count in (1, 2, 1):
            torch.set_num_threads(count)
            threads[count] = ort._sessions["encode.onnx"]
            assert threads[count].get_session_options().intra_op_num_threads == count
        assert threads[1] is not threads[2]
    finally:
        torch.set_num_threads(previous)
