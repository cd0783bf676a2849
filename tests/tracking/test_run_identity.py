"""tracking/test.py never mixes two runs' results in one folder: what produced them is recorded and checked."""
from __future__ import annotations

import json

import numpy as np
import torch

from lib.test.evaluation.run_identity import MANIFEST
from tracking.test import main

NAME = "GOT-10k_Val_000001"


def _args(settings, checkpoint, *extra):
    return ["aiatrack", "tiny", "--dataset", "got10k_val", "--settings", str(settings), "--checkpoint",
            str(checkpoint), "--no-progress", "--torch-threads", "1", "--sequence", NAME, *extra]


def test_other_weights_or_precision_are_refused_and_the_same_run_resumes(synthetic_settings, tiny_checkpoint,
                                                                          tmp_path, capsys):
    folder = synthetic_settings.parent / "results" / "aiatrack" / "tiny"
    assert main(_args(synthetic_settings, tiny_checkpoint, "--precision", "bf16")) == 0
    boxes = (folder / "got10k" / f"{NAME}.txt").read_bytes()
    recorded = json.loads((folder / MANIFEST).read_text())
    assert recorded["tracker"] == "aiatrack" and recorded["config"]["TEST"]["PRECISION"] == "bf16"
    capsys.readouterr()

    assert main(_args(synthetic_settings, tiny_checkpoint)) == 2                  # fp32 into the bf16 folder
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "TEST.PRECISION ('bf16' there, 'fp32' now)" in err and str(folder) in err

    other = tmp_path / "other.pth.tar"                                             # other weights
    state = torch.load(tiny_checkpoint, weights_only=True)
    state["net"] = {k: v + 1e-3 if v.is_floating_point() else v for k, v in state["net"].items()}
    torch.save(state, other)
    assert main(_args(synthetic_settings, other, "--precision", "bf16")) == 2
    assert "weights_sha256" in capsys.readouterr().err

    copy = tmp_path / "copy.pth.tar"                                               # the same weights, copied
    copy.write_bytes(tiny_checkpoint.read_bytes())
    assert main(_args(synthetic_settings, copy, "--precision", "bf16")) == 0
    assert "0 sequence(s) tracked, 1 skipped" in capsys.readouterr().out
    assert (folder / "got10k" / f"{NAME}.txt").read_bytes() == boxes               # nothing was overwritten

    assert main(_args(synthetic_settings, tiny_checkpoint, "--run-id", "2")) == 0   # another folder: fine
    assert np.loadtxt(folder.parent / "tiny_002" / "got10k" / f"{NAME}.txt", delimiter=",").shape[1] == 4


def test_a_folder_from_before_the_record_is_adopted(synthetic_settings, tiny_checkpoint):
    folder = synthetic_settings.parent / "results" / "aiatrack" / "tiny"
    assert main(_args(synthetic_settings, tiny_checkpoint)) == 0
    (folder / MANIFEST).unlink()                                                   # as an older version left it
    assert main(_args(synthetic_settings, tiny_checkpoint)) == 0
    assert (folder / MANIFEST).is_file()
