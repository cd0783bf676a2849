"""The profiling entry point: parameter table against the official counts, and a one-run smoke test."""
from __future__ import annotations

import re

import pytest

from lib.trackers import load_config
from lib.models.aiatrack import build_aiatrack
from lib.models.aiatrack.profile import parameter_table
from tracking.dev.profile_model import main


def test_parameter_table_matches_official_counts() -> None:
    """Counts of the official model (reference README, section 2)."""
    table = {name: (count, trainable) for name, count, trainable in parameter_table(build_aiatrack(load_config()))}
    assert table["backbone"][0] == 8_512_704
    assert table["bottleneck"][0] == 262_400
    assert table["transformer encoder"][0] + table["transformer decoder"][0] == 4_399_280
    assert table["corner head"][0] == 1_956_738
    assert table["IoU head"][0] == 2_821_377
    assert table["embeddings (fg/bg)"][0] == 512
    assert "other" not in table
    assert sum(count for count, _ in table.values()) == 17_953_011
    assert sum(trainable for _, trainable in table.values()) == 17_730_611


def test_profile_tiny_config_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", "tiny", "--runs", "1", "--warmup", "0", "--device", "cpu", "--no-progress"]) == 0
    out = capsys.readouterr().out
    total = sum(p.numel() for p in build_aiatrack(load_config("tiny")).parameters())
    assert re.search(rf"^total\s+{total:,}\s", out, re.MULTILINE)
    # 1x1 bottleneck of the tiny model: ResNet-18 layer3 (256 channels) -> 64, with bias.
    assert re.search(rf"^bottleneck\s+{256 * 64 + 64:,}\s", out, re.MULTILINE)
    flops = re.search(r"FLOPs per tracked frame .*: ([0-9.]+) G", out)
    assert flops and float(flops.group(1)) > 0
    assert re.search(r"latency per tracked frame on CPU.*: [0-9.]+ ms", out)
    for stage in ("backbone", "encoder", "decoder", "heads"):
        assert re.search(rf"{stage} [0-9.]+ ms", out)


def test_cuda_request_without_cuda_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    with pytest.raises(SystemExit) as info:   # refused while the options are read, as in every entry point
        main(["--config", "tiny", "--device", "cuda"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no CUDA device" in err
