"""Checkpoint files: keep policy, atomic writes, damaged files, RNG round trip."""
from __future__ import annotations

import random

import numpy as np
import torch

from lib.train.trainer.checkpointing import CheckpointManager, capture_rng_state, restore_rng_state


def test_keep_policy_and_weights_only_loading(tmp_path):
    manager = CheckpointManager(tmp_path, "AIATRACK", keep_last=2, keep_every=3)
    for epoch in range(1, 8):
        manager.save(epoch, {"epoch": epoch, "net": {"w": torch.full((2,), float(epoch))}})
    # newest two (6, 7) and every third (3, 6); no temporary file left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "AIATRACK_ep0003.pth.tar", "AIATRACK_ep0006.pth.tar", "AIATRACK_ep0007.pth.tar"]
    path, state = manager.load_latest()
    assert path.name == "AIATRACK_ep0007.pth.tar" and state["epoch"] == 7
    assert torch.load(path, weights_only=True)["net"]["w"].tolist() == [7.0, 7.0]


def test_damaged_newest_file_falls_back_to_the_previous(tmp_path):
    manager = CheckpointManager(tmp_path, "AIATRACK", keep_last=3)
    manager.save(1, {"epoch": 1})
    manager.save(2, {"epoch": 2})
    manager.path(3).write_bytes(b"not a checkpoint")
    path, state = manager.load_latest()
    assert state["epoch"] == 2 and path == manager.path(2)
    assert CheckpointManager(tmp_path / "empty", "AIATRACK").load_latest() is None


def test_rng_state_round_trip_survives_weights_only_save(tmp_path):
    random.seed(1), np.random.seed(2), torch.manual_seed(3)
    state = capture_rng_state()
    torch.save(state, tmp_path / "rng.pt")
    expected = (random.random(), np.random.rand(), torch.rand(3))
    random.seed(9), np.random.seed(9), torch.manual_seed(9)
    restore_rng_state(torch.load(tmp_path / "rng.pt", weights_only=True))
    again = (random.random(), np.random.rand(), torch.rand(3))
    assert expected[0] == again[0] and expected[1] == again[1] and torch.equal(expected[2], again[2])
