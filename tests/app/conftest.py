"""A synthetic video for the application tests, and sessions of both trackers (AiATrack: the shipped checkpoint;
SiamAttn: a small random one with the mask branch on, which the shipped one lacks)."""
import pytest
import torch
import yaml

from lib.app import open_session
from lib.models.siamattn import build_siamattn
from lib.trackers import load_config
from lib.utils.synthetic import render_video


@pytest.fixture(scope="session")
def video():
    """An 8-frame 96x128 synthetic video (the target box of frame 0 is ``video.boxes_xywh[0]``)."""
    return render_video(11, 0, num_frames=8, height=96, width=128, min_size=14, max_size=36)


@pytest.fixture(scope="session")
def aiatrack_session():
    return open_session("aiatrack")


@pytest.fixture(scope="session")
def small_siamattn(tmp_path_factory):
    """(experiment YAML, checkpoint) of a small randomly initialised SiamAttn with its mask branch."""
    folder = tmp_path_factory.mktemp("siamattn")
    config = folder / "small.yaml"
    config.write_text(yaml.safe_dump({"MODEL": {"BACKBONE": {"TYPE": "resnet18"}, "CHANNELS": 16,
                                                "DEFORM_FC_CHANNELS": 16, "FC_CHANNELS": 16, "MASK": True}}))
    torch.manual_seed(0)
    checkpoint = folder / "small.pth"
    torch.save({"net": build_siamattn(load_config(config, tracker="siamattn")).state_dict()}, checkpoint)
    return str(config), str(checkpoint)


@pytest.fixture(scope="session")
def siamattn_session(small_siamattn):
    config, checkpoint = small_siamattn
    return open_session("siamattn", checkpoint=checkpoint, config=config)
