"""The model's state dict maps 1:1 onto the official one (names, shapes, dtypes, parameter counts)."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from lib.trackers import load_config
from lib.models.aiatrack import build_aiatrack
from lib.models.aiatrack.official_keys import (is_official_state_dict, official_key_to_ours, official_to_ours,
                                      our_key_to_official, ours_to_official)


def _read_official_table(path: Path) -> tuple[dict[str, tuple[tuple[int, ...], torch.dtype, bool]], str]:
    entries = {}
    comment = ""
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            comment = line
            continue
        key, shape, dtype, is_param = line.split("\t")
        dims = () if shape == "scalar" else tuple(int(d) for d in shape.split("x"))
        entries[key] = (dims, getattr(torch, dtype), is_param == "1")
    return entries, comment


@pytest.fixture(scope="module")
def baseline_model() -> torch.nn.Module:
    return build_aiatrack(load_config("baseline"))


def test_parameter_counts(baseline_model):
    total = sum(p.numel() for p in baseline_model.parameters())
    trainable = sum(p.numel() for p in baseline_model.parameters() if p.requires_grad)
    backbone = sum(p.numel() for p in baseline_model.backbone.parameters())
    assert total == 17_953_011
    assert trainable == 17_730_611  # conv1 + layer1 frozen (TRAIN.FREEZE_LAYERS)
    assert backbone == 8_512_704
    assert sum(p.numel() for p in baseline_model.transformer.parameters()) == 4_399_280
    assert sum(p.numel() for p in baseline_model.corner_head.parameters()) == 1_956_738
    assert sum(p.numel() for p in baseline_model.iou_head.parameters()) == 2_821_377


def test_state_dict_matches_official_table(baseline_model, reference_dir):
    table, comment = _read_official_table(reference_dir / "official_state_dict.tsv")
    assert len(table) == 423 and "state_dict_entries=423" in comment
    ours = baseline_model.state_dict()
    official = ours_to_official(ours)
    assert len(official) == len(ours) == 423
    assert set(official) == set(table)
    parameters = {our_key_to_official(k) for k, _ in baseline_model.named_parameters()}
    for key, (shape, dtype, is_param) in table.items():
        assert tuple(official[key].shape) == shape, key
        assert official[key].dtype == dtype, key
        assert (key in parameters) == is_param, key
    buffers = sum(official[k].numel() for k, (_, _, is_param) in table.items() if not is_param)
    assert buffers == 65_164


def test_key_mapping_is_a_bijection(reference_dir):
    table, _ = _read_official_table(reference_dir / "official_state_dict.tsv")
    mapped = [official_key_to_ours(k) for k in table]
    assert len(set(mapped)) == len(table)
    assert all(our_key_to_official(m) == k for m, k in zip(mapped, table))
    assert official_key_to_ours("backbone.0.body.layer3.5.bn3.running_var") == "backbone.layer3.5.bn3.running_var"
    assert (official_key_to_ours("transformer.decoder.layers.0.short_term_attn.inner_attn.corr_attn.q_proj_weight")
            == "transformer.decoder.layers.0.short_term_attn.inner_attn.q_proj.weight")
    assert official_key_to_ours("iou_head.fc.bn.running_mean") == "iou_head.fc.bn.running_mean"


def test_official_checkpoint_loads_strictly(baseline_model, reference_checkpoint):
    net = torch.load(reference_checkpoint, map_location="cpu", weights_only=True)["net"]
    assert is_official_state_dict(net)
    ours = official_to_ours(net)
    assert not is_official_state_dict(ours)
    baseline_model.load_state_dict(ours, strict=True)
    for key, value in baseline_model.state_dict().items():
        assert torch.equal(value, net[our_key_to_official(key)]), key
