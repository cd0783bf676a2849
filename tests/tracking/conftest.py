"""Small inputs for the entry-point tests: a tiny-config checkpoint and a synthetic GOT-10k val root."""
from pathlib import Path

import pytest
import torch

from lib.trackers import load_config
from lib.models.aiatrack import build_aiatrack
from lib.utils.safe_pickle import CHECKPOINT_FORMAT
from lib.utils.settings import Settings, save_settings
from lib.utils.synthetic import render_videos, write_got10k

FRAMES = 6


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory) -> Path:
    """Randomly initialised tiny-config weights saved in our checkpoint format (with their config)."""
    cfg = load_config("tiny")
    torch.manual_seed(0)
    model = build_aiatrack(cfg)
    path = tmp_path_factory.mktemp("weights") / "tiny_random.pth.tar"
    torch.save({"format": CHECKPOINT_FORMAT, "net": model.state_dict(), "config": cfg.to_dict(), "epoch": 0}, path)
    return path


@pytest.fixture(scope="session")
def synthetic_videos():
    """Two short 96x128 synthetic videos."""
    return list(render_videos(7, 2, num_frames=FRAMES, height=96, width=128, min_size=12, max_size=40))


@pytest.fixture()
def synthetic_settings(tmp_path, synthetic_videos) -> Path:
    """A settings file whose GOT-10k root holds the synthetic videos as the val split."""
    write_got10k(tmp_path / "got10k", synthetic_videos, split="val")
    settings = Settings(got10k_dir=str(tmp_path / "got10k"), results_dir=str(tmp_path / "results"),
                        result_plots_dir=str(tmp_path / "plots"), workspace_dir=str(tmp_path / "work"))
    save_settings(settings, tmp_path / "settings.yaml")
    return tmp_path / "settings.yaml"
