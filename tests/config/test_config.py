from pathlib import Path

import numpy as np
import pytest
import torch

from lib.config import ConfigError, hyper_for_dataset
from lib.models.aiatrack import build_aiatrack
from lib.test.evaluation import tracking_traits
from lib.trackers import config_from_dict, config_tracker, load_config, load_tracker
from lib.trackers.weights import choose_weights


def test_baseline_has_paper_values():
    cfg = load_config("baseline")
    assert cfg.MODEL.TRANSFORMER.ENC_LAYERS == 3 and cfg.MODEL.TRANSFORMER.DEC_LAYERS == 1
    assert cfg.MODEL.TRANSFORMER.NHEADS == 4 and cfg.MODEL.TRANSFORMER.DIM_FEEDFORWARD == 1024
    assert cfg.DATA.SEARCH.SIZE == 320 and cfg.DATA.SEARCH.FACTOR == 5.0
    assert cfg.TRAIN.BATCH_SIZE == 15 and cfg.TRAIN.LR == 1e-4 and cfg.TRAIN.LR_DROP_EPOCH == 400
    assert list(cfg.DATA.TRAIN.DATASETS_NAME) == ["LASOT", "GOT10K_vot_train", "COCO17", "TRACKINGNET"]


def test_got_config_trains_on_got_only_and_keeps_default_rows():
    cfg = load_config("baseline_got")
    assert list(cfg.DATA.TRAIN.DATASETS_NAME) == ["GOT10K_train"]
    assert hyper_for_dataset(cfg, "got10k_test") == (80, 4, 0.7)


@pytest.mark.parametrize("name, row", [
    ("lasot", (100, 4, 0.8)), ("LASOT_EXT", (100, 6, 0.8)), ("trackingnet", (100, 6, 0.7)),
    ("nfs", (80, 3, 0.6)), ("otb", (100, 3, 0.7)), ("uav", (100, 3, 0.7)), ("default", (100, 3, 0.7)),
    ("got10k_val", (100, 3, 0.7)), ("tnl2k", (100, 3, 0.7)), ("vasttrack", (100, 3, 0.7)), ("avist", (100, 3, 0.7)),  # no row: falls back to DEFAULT
])
def test_hyper_rows(name, row):
    assert hyper_for_dataset(load_config("baseline"), name) == row


def test_unknown_key_names_key_and_file(tmp_path: Path):
    bad = tmp_path / "typo.yaml"
    bad.write_text("MODEL:\n  TRANSFORMER:\n    ENC_LAYRES: 2\n")
    with pytest.raises(ConfigError, match=r"typo\.yaml.*MODEL\.TRANSFORMER\.ENC_LAYRES"):
        load_config(bad)


def test_wrong_type_is_rejected(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("TRAIN:\n  EPOCH: many\n")
    with pytest.raises(ConfigError, match="TRAIN.EPOCH"):
        load_config(bad)


def test_config_is_immutable_and_replace_derives_copy():
    cfg = load_config()
    with pytest.raises(AttributeError):
        cfg.TRAIN.LR = 1.0
    changed = cfg.replace({"TRAIN": {"LR": 2e-4}})
    assert changed.TRAIN.LR == 2e-4 and cfg.TRAIN.LR == 1e-4


def test_missing_experiment_lists_available():
    with pytest.raises(ConfigError, match="baseline"):
        load_config("does_not_exist")


def test_trackingnet_chunks_default_to_all_twelve_and_are_selectable(tmp_path: Path):
    assert list(load_config("baseline").DATA.TRAIN.TRACKINGNET_CHUNKS) == list(range(12))
    custom = tmp_path / "tn.yaml"
    custom.write_text("DATA:\n  TRAIN:\n    TRACKINGNET_CHUNKS: [0, 3]\n")
    assert list(load_config(custom).DATA.TRAIN.TRACKINGNET_CHUNKS) == [0, 3]


def test_legacy_val_epoch_interval_in_an_experiment_file_is_accepted_and_dropped(tmp_path: Path):
    """The official experiment files set TRAIN.VAL_EPOCH_INTERVAL, which nothing reads: it loads, is not kept."""
    path = tmp_path / "official_copy.yaml"
    path.write_text("TRAIN:\n  VAL_EPOCH_INTERVAL: 10\n  LR: 0.0002\n")
    cfg = load_config(path)
    assert cfg.TRAIN.LR == 2e-4
    assert "VAL_EPOCH_INTERVAL" not in cfg.TRAIN and "VAL_EPOCH_INTERVAL" not in cfg.to_dict()["TRAIN"]
    assert config_from_dict(cfg.to_dict()) == cfg                     # what new checkpoints store round-trips


def test_checkpoint_storing_the_legacy_key_still_loads_and_tracks(tmp_path: Path):
    """A training checkpoint of an earlier version (its stored config has TRAIN.VAL_EPOCH_INTERVAL) is
    recognised as AiATrack's, its config is used without the key, and its weights load strictly."""
    tiny = load_config("tiny")
    stored = tiny.to_dict()
    stored["TRAIN"]["VAL_EPOCH_INTERVAL"] = 10
    torch.manual_seed(0)
    model = build_aiatrack(tiny)
    path = tmp_path / "AIATRACK_ep0020.pth.tar"
    torch.save({"epoch": 20, "net": model.state_dict(), "config": stored}, path)
    assert config_tracker(stored) == "aiatrack"
    choice = choose_weights(checkpoint=path)
    cfg = choice.config_node()
    assert cfg == tiny
    factory = load_tracker("aiatrack", cfg, choice.checkpoint)
    image = np.full((96, 96, 3), 40, dtype=np.uint8)
    tracker = factory(tracking_traits("otb"))
    tracker.initialize(image, {"init_bbox": [30.0, 30.0, 20.0, 20.0]})
    assert np.isfinite(tracker.track(image)["target_bbox"]).all()
