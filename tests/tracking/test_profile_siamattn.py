"""``tracking/dev/profile_model.py --tracker siamattn``: parameter table, deformable-convolution FLOPs, a smoke run."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from lib.trackers import TRACKER_MODULES, get_plugin, load_config, tracker_names
from lib.models.siamattn import build_siamattn
from lib.models.siamattn.dsa import DeformConvPack
from lib.models.siamattn.profile import _deform_conv_flops
from tracking.dev.profile_model import main

LIGHT = "MODEL:\n  BACKBONE: {TYPE: resnet18}\n  CHANNELS: 16\n  DEFORM_FC_CHANNELS: 8\n  FC_CHANNELS: 8\n"


def test_deformable_convolution_counts_like_a_convolution() -> None:
    dcn = DeformConvPack(8, 6)
    x = torch.randn(1, 8, 9, 9)
    mapping = {torch.ops.torchvision.deform_conv2d: _deform_conv_flops}
    with torch.inference_mode():
        with FlopCounterMode(display=False, custom_mapping=mapping) as deform:
            dcn.deform(x, torch.zeros(1, 18, 9, 9))
        with FlopCounterMode(display=False) as plain:
            F.conv2d(x, dcn.weight, padding=1)
    assert deform.get_total_flops() == plain.get_total_flops() == 2 * 6 * 81 * 8 * 9


def test_light_model_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "light.yaml"
    config.write_text(LIGHT)
    assert main(["--tracker", "siamattn", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    model = build_siamattn(load_config(config, tracker="siamattn"))
    total = sum(p.numel() for p in model.parameters())
    assert re.search(rf"^total\s+{total:,}\s+{total:,}$", out, re.MULTILINE)
    assert re.search(rf"^rpn_head\s+{sum(p.numel() for p in model.rpn_head.parameters()):,}\s", out, re.MULTILINE)
    assert "resnet18 backbone, mask branch on" in out
    flops = re.search(r"FLOPs per tracked frame .*: ([0-9.]+) G", out)
    assert flops and float(flops.group(1)) > 0
    for stage in ("backbone\\+neck", "DSA", "RPN", "fusion", "box head", "mask head"):
        assert re.search(rf"{stage} [0-9.]+ G", out)


def test_bad_checkpoint_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "light.yaml"
    config.write_text(LIGHT)
    assert main(["--tracker", "siamattn", "--config", str(config), "--checkpoint", str(tmp_path / "none.pth")]) == 2
    assert "no such checkpoint file" in capsys.readouterr().err


def test_each_plugin_declares_its_profiler() -> None:
    for name in tracker_names():
        assert get_plugin(name).profile is not None


def test_a_tracker_without_a_profiler_is_one_line(monkeypatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(TRACKER_MODULES, "noprofile", __name__)
    with pytest.raises(SystemExit) as info:
        main(["--tracker", "noprofile"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "declares no profiler" in err and "siamattn" in err


# A registered tracker without a profiler: SiamAttn's plug-in under another name, ``profile`` left out.
PLUGIN = dataclasses.replace(get_plugin("siamattn"), name="noprofile", profile=None)
