"""The one place that picks device paths: TF32 flags per precision, and no CPU-only form for a CUDA device.

The TF32 flags are process-wide torch settings, readable without a GPU; PyTorch turns cuDNN's on by default,
which moved CUDA results off the official ones, so every tracker set-up must state them.
"""
from __future__ import annotations

import pytest
import torch

from lib.config import ConfigError
from lib.trackers import load_config
from lib.models.aiatrack import build_aiatrack, prepare_for_tracking
from lib.models.siamattn import build_siamattn
from lib.models.siamattn.inference import prepare_siamattn_for_tracking
from lib.test.tracker.aiatrack import AiATracker
from lib.test.tracker.siamattn import SiamAttnTracker
from lib.utils.device import PRECISIONS, apply_precision, inference_plan, set_tf32, tf32_enabled

SMALL_SIAMATTN = {"MODEL": {"BACKBONE": {"TYPE": "resnet18"}, "CHANNELS": 16, "DEFORM_FC_CHANNELS": 16,
                            "FC_CHANNELS": 16}}


@pytest.fixture(autouse=True)
def restore_tf32_flags():
    before = tf32_enabled()
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = before


@pytest.fixture(scope="module")
def aiatrack_parts():
    torch.manual_seed(0)
    return build_aiatrack(load_config("tiny")).eval()


@pytest.fixture(scope="module")
def siamattn_model():
    torch.manual_seed(0)
    return build_siamattn(load_config("tiny", SMALL_SIAMATTN, tracker="siamattn")).eval()


def test_apply_precision_sets_both_tf32_flags():
    for precision, expected in (("tf32", (True, True)), ("fp32", (False, False)), ("bf16", (False, False)),
                                ("fp16", (False, False))):
        set_tf32(precision != "tf32")  # start from the opposite state
        assert apply_precision(precision) == PRECISIONS[precision]
        assert tf32_enabled() == expected, precision
    with pytest.raises(ValueError, match="TEST.PRECISION must be one of fp32, tf32, bf16, fp16"):
        apply_precision("fp8")


@pytest.mark.parametrize("precision", ["fp32", "tf32"])
def test_aiatrack_tracker_set_up_states_the_tf32_flags(aiatrack_parts, precision):
    torch.backends.cudnn.allow_tf32 = precision == "fp32"  # torch's own default is cuDNN TF32 on
    torch.backends.cuda.matmul.allow_tf32 = precision == "fp32"
    AiATracker(aiatrack_parts, load_config("tiny", {"TEST": {"PRECISION": precision}}), "lasot")
    assert tf32_enabled() == (precision == "tf32",) * 2


@pytest.mark.parametrize("precision", ["fp32", "tf32"])
def test_siamattn_tracker_set_up_states_the_tf32_flags(siamattn_model, precision):
    set_tf32(precision == "fp32")
    cfg = load_config("tiny", {**SMALL_SIAMATTN, "TEST": {"PRECISION": precision}}, tracker="siamattn")
    SiamAttnTracker(siamattn_model, cfg, "otb")
    assert tf32_enabled() == (precision == "tf32",) * 2


def test_trainer_sets_tf32_from_the_config(tmp_path):
    from tests.train.test_trainer import make_trainer, micro_config

    set_tf32(True)
    make_trainer(micro_config(), tmp_path)
    assert tf32_enabled() == (False, False)  # the default: float32 training stays IEEE float32
    make_trainer(micro_config("TRAIN.TF32=true"), tmp_path)
    assert tf32_enabled() == (True, True)


def test_siamattn_refuses_reduced_precision_when_the_config_is_loaded():
    for precision in ("fp32", "tf32"):
        assert load_config("tiny", {"TEST": {"PRECISION": precision}}, tracker="siamattn").TEST.PRECISION == precision
    with pytest.raises(ConfigError, match="TEST.PRECISION must be one of fp32, tf32 for siamattn"):
        load_config("tiny", {"TEST": {"PRECISION": "bf16"}}, tracker="siamattn")
    with pytest.raises(ConfigError, match="TEST.PRECISION must be one of fp32, tf32, bf16, fp16"):
        load_config("tiny", {"TEST": {"PRECISION": "fp8"}})


def test_plan_gives_cuda_no_cpu_only_form():
    cpu, cuda = inference_plan("cpu"), inference_plan(torch.device("cuda", 1))
    assert cpu.onednn_prepack and cpu.windowed_iou_head and not cpu.device_crop
    assert not cuda.onednn_prepack and not cuda.windowed_iou_head and cuda.device_crop


def _has_onednn_ops(script_module) -> bool:
    return any("mkldnn" in node.kind() for node in script_module.graph.nodes())


def test_aiatrack_prepared_for_cuda_has_no_onednn_form(aiatrack_parts):
    """The CUDA plan applied to the same model (on CPU, where it can run): a frozen trace with no oneDNN op."""
    for_cuda = prepare_for_tracking(aiatrack_parts, plan=inference_plan("cuda"))
    for_cpu = prepare_for_tracking(aiatrack_parts)
    assert _has_onednn_ops(for_cpu.backbone)  # the check can see the CPU-only form
    assert not _has_onednn_ops(for_cuda.backbone) and not for_cuda.iou_head.windowed
    image = torch.rand(1, 3, 128, 128)
    torch.testing.assert_close(for_cuda.backbone(image), for_cpu.backbone(image), rtol=1e-4, atol=1e-4)


def test_siamattn_prepared_for_cuda_has_no_onednn_form(siamattn_model):
    for_cuda = prepare_siamattn_for_tracking(siamattn_model, plan=inference_plan("cuda"))
    for_cpu = prepare_siamattn_for_tracking(siamattn_model)
    assert _has_onednn_ops(for_cpu.search_stage)
    assert not _has_onednn_ops(for_cuda.search_stage)
