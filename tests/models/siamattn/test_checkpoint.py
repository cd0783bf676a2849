"""Strict, safe SiamAttn checkpoint loading: official files (strided views, ``module.`` prefix), ours, errors."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from lib.trackers import load_config
from lib.utils.safe_pickle import CheckpointError
from lib.models.siamattn import SiamAttn, build_siamattn, load_siamattn_checkpoint


def _tiny_model(seed: int) -> SiamAttn:
    torch.manual_seed(seed)
    return build_siamattn(load_config(tracker="siamattn", overrides={"MODEL": {
        "BACKBONE": {"TYPE": "resnet18"}, "CHANNELS": 16, "DEFORM_FC_CHANNELS": 8, "FC_CHANNELS": 8}}))


@pytest.mark.reference
def test_official_file_loads_every_tensor_exactly(official_model: SiamAttn, siam_checkpoint: Path) -> None:
    """The model fixture was loaded through load_siamattn_checkpoint; compare with an independent torch.load."""
    stored = torch.load(siam_checkpoint, weights_only=True)
    assert stored["epoch"] == 20
    state = official_model.state_dict()
    assert set(stored["state_dict"]) == set(state)
    strided = [k for k, v in stored["state_dict"].items() if not v.is_contiguous()]
    assert len(strided) == 70                                            # README 2.3: rows share storage
    for key, value in stored["state_dict"].items():
        assert torch.equal(state[key], value), key


def test_prefixed_official_and_our_formats_round_trip(tmp_path: Path) -> None:
    source, target = _tiny_model(0), _tiny_model(1)
    state = source.state_dict()
    files = {
        "module": ({"epoch": 3, "state_dict": {f"module.{k}": v for k, v in state.items()}}, "state_dict", 3),
        "ours": ({"epoch": 4, "net": state, "config": {"MODEL": {}}}, "net", 4),
    }
    for name, (content, entry, epoch) in files.items():
        path = tmp_path / f"{name}.pth"
        torch.save(content, path)
        target = _tiny_model(1)
        info = load_siamattn_checkpoint(target, path)
        assert (info["entry"], info["epoch"], info["num_tensors"]) == (entry, epoch, len(state))
        for key, value in target.state_dict().items():
            assert torch.equal(value, state[key]), (name, key)


def test_mismatches_name_the_file_and_the_first_keys(tmp_path: Path) -> None:
    state = _tiny_model(0).state_dict()
    broken = dict(state)
    del broken["rpn_head.cls_weight"]
    broken["extra.weight"] = torch.zeros(1)
    broken["neck.downsample2.downsample.0.weight"] = torch.zeros(3, 3)
    path = tmp_path / "broken.pth"
    torch.save({"state_dict": broken}, path)
    with pytest.raises(CheckpointError) as err:
        load_siamattn_checkpoint(_tiny_model(1), path)
    message = str(err.value)
    assert str(path) in message
    assert "1 missing keys: rpn_head.cls_weight" in message
    assert "1 unexpected keys: extra.weight" in message
    assert "neck.downsample2.downsample.0.weight (file (3, 3), model (16, 128, 1, 1))" in message


@pytest.mark.reference
def test_official_weights_do_not_fit_the_light_model(siam_checkpoint: Path) -> None:
    with pytest.raises(CheckpointError, match="siamattn_synthetic.pth: weights do not fit .* missing keys"):
        load_siamattn_checkpoint(_tiny_model(0), siam_checkpoint)


def test_files_without_weights_are_rejected(tmp_path: Path) -> None:
    no_entry = tmp_path / "no_entry.pth"
    torch.save({"epoch": 1, "model": {}}, no_entry)
    with pytest.raises(CheckpointError, match=r"no_entry.pth: expected a dict with one of the state-dict entries"):
        load_siamattn_checkpoint(_tiny_model(0), no_entry)
    text = tmp_path / "weights.pth"
    text.write_text("not a checkpoint")
    with pytest.raises(CheckpointError, match="weights.pth: not a PyTorch checkpoint"):
        load_siamattn_checkpoint(_tiny_model(0), text)
    with pytest.raises(CheckpointError, match="missing.pth: no such checkpoint file"):
        load_siamattn_checkpoint(_tiny_model(0), tmp_path / "missing.pth")


def test_pickled_code_is_never_run(tmp_path: Path) -> None:
    """A pickle naming an arbitrary callable becomes an inert record; the load fails on the keys instead."""
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (os.makedirs, (str(marker),))

    path = tmp_path / "evil.pth"
    torch.save({"state_dict": _tiny_model(0).state_dict(), "extra": Payload()}, path)
    load_siamattn_checkpoint(_tiny_model(1), path)
    assert not marker.exists()
