import pytest
import torch

from lib.trackers import load_config
from lib.models.aiatrack import build_aiatrack
from lib.utils.safe_pickle import CHECKPOINT_FORMAT
from lib.test.evaluation import tracking_traits
from lib.test.tracker.aiatrack import AiATracker
from lib.trackers import load_tracker
from lib.trackers.weights import choose_weights, describe_weights, resolve_config


def test_unknown_tracker_names_the_registered_ones():
    with pytest.raises(ValueError, match="registered: aiatrack"):
        load_tracker("siamfc", load_config("tiny"), None)


def test_factory_gives_a_fresh_tracker_per_benchmark():
    with pytest.warns(UserWarning, match="RANDOMLY INITIALISED"):
        factory = load_tracker("aiatrack", load_config("tiny"), None)
    lasot, nfs = factory(tracking_traits("lasot")), factory(tracking_traits("nfs"))
    assert isinstance(lasot, AiATracker) and lasot is not nfs and lasot.model is nfs.model
    assert (lasot.cache_size, lasot.num_short, lasot.threshold) == (100, 4, 0.8)
    assert (nfs.cache_size, nfs.num_short, nfs.threshold) == (80, 3, 0.6)


def test_explicit_checkpoint_brings_its_own_config(tmp_path):
    cfg = load_config("tiny")
    path = tmp_path / "mine.pth.tar"
    torch.save({"format": CHECKPOINT_FORMAT, "net": build_aiatrack(cfg).state_dict(), "config": cfg.to_dict()}, path)
    choice = choose_weights(path)
    assert choice.checkpoint == str(path) and not choice.random
    assert resolve_config(choice.config).to_dict() == cfg.to_dict()
    assert str(path) in describe_weights(choice) and "!!!" not in describe_weights(choice)
    assert choose_weights(path, "baseline").config == "baseline"  # an explicit config wins


def test_missing_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="checkpoint not found"):
        choose_weights(tmp_path / "absent.pth.tar")


def test_siamattn_defaults_to_its_shipped_checkpoint(monkeypatch, tmp_path):
    from lib.trackers import weights

    choice = choose_weights(tracker="siamattn")
    assert choice.tracker == "siamattn"  # with the config stored in the shipped checkpoint: the tiny experiment
    assert resolve_config(choice.config, "siamattn").to_dict() == load_config("tiny", tracker="siamattn").to_dict()
    assert choice.checkpoint == str(weights.embedded_checkpoint("siamattn")) and "synthetic" in choice.description
    tracker = weights.load_tracker_from_weights(choice)(tracking_traits("otb"))
    image = torch.zeros(120, 160, 3, dtype=torch.uint8).numpy()
    tracker.initialize(image, {"init_bbox": [60, 40, 30, 20]})
    assert len(tracker.track(image)["target_bbox"]) == 4

    monkeypatch.setattr(weights, "embedded_checkpoint", lambda tracker: tmp_path / "absent.pth")
    random_choice = choose_weights(tracker="siamattn")
    assert random_choice.random and random_choice.config == "vot2018" and "!!!" in describe_weights(random_choice)
