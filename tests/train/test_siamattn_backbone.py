"""Loading pysot-format pretrained backbone weights for SiamAttn training."""
from __future__ import annotations

import pytest
import torch

from lib.trackers import load_config
from lib.models.siamattn import build_siamattn
from lib.train.siamattn.backbone import load_backbone_weights, prepare_backbone


def small_model(seed: int):
    torch.manual_seed(seed)
    cfg = load_config("tiny", {"MODEL": {"CHANNELS": 8, "DEFORM_FC_CHANNELS": 8, "FC_CHANNELS": 8}},
                      tracker="siamattn")
    return build_siamattn(cfg)


def test_wrapped_prefixed_state_dict_loads_and_fc_is_ignored(tmp_path):
    source, target = small_model(1), small_model(2)
    state = {f"module.{k}": v for k, v in source.backbone.state_dict().items()}
    state["module.fc.weight"] = torch.zeros(3, 3)
    torch.save({"state_dict": state, "epoch": 3}, tmp_path / "resnet.pth")
    prepare_backbone(target, str(tmp_path / "resnet.pth"))
    for name, value in source.backbone.state_dict().items():
        assert torch.equal(target.backbone.state_dict()[name], value), name


def test_wrong_files_are_named_and_empty_path_warns(tmp_path):
    model = small_model(0)
    state = dict(model.backbone.state_dict())
    state["conv1.weight"] = state["conv1.weight"][:, :1]
    del state["layer1.0.conv1.weight"]
    torch.save(state, tmp_path / "bad.pth")
    with pytest.raises(ValueError,
                       match=r"bad.pth: not a matching pysot ResNet state dict for this backbone \(missing \[.layer1.0.conv1"):
        load_backbone_weights(model.backbone, tmp_path / "bad.pth")
    with pytest.raises(FileNotFoundError, match="nothing.pth"):
        load_backbone_weights(model.backbone, tmp_path / "nothing.pth")
    with pytest.warns(UserWarning, match="RANDOM weights"):
        prepare_backbone(model, "")
