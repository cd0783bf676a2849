"""Checkpoint reading: official raw training files, net-only files, our own files, and bad files.

Official raw checkpoints are rebuilt here in the authors' layout: the shared checkpoint's ``net``, an AdamW
state, and objects of stand-in classes registered in ``sys.modules`` under the official module and class
names (``lib.train.admin.stats.AverageMeter``, ...), so the pickle names exactly what a released file
names. The stand-ins are unregistered before loading: the loader must neither import nor run them.
"""
from __future__ import annotations

import collections
import pickle
import random
import struct
import sys
import types
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import torch

from lib.test.tracker.base import TrackingTraits
from lib.trackers import load_config
from lib.models.aiatrack import AiATrack, build_aiatrack, load_checkpoint
from lib.models.aiatrack.checkpoint import read_checkpoint
from lib.utils.safe_pickle import CHECKPOINT_FORMAT, CheckpointError, UnpickledObject
from lib.models.aiatrack.official_keys import ours_to_official

OFFICIAL_MODULES = ("lib.train.admin", "lib.train.admin.stats", "lib.train.admin.settings",
                    "lib.train.admin.local", "lib.train.admin.hazard")


# ----------------------------------------------------------------------- official stand-in classes
class AverageMeter:
    def __init__(self) -> None:
        self.val, self.avg, self.sum, self.count = 0.0, 0.0, 0.0, 0

    def update(self, value: float, n: int = 1) -> None:
        self.val, self.sum, self.count = value, self.sum + value * n, self.count + n
        self.avg = self.sum / self.count


class StatValue:
    def __init__(self) -> None:
        self.val, self.history = 0.0, []


class EnvironmentSettings:
    def __init__(self) -> None:
        self.workspace_dir = "/home/someone/AiATrack"
        self.lasot_dir = "/data/lasot"


class Settings:
    def __init__(self) -> None:
        self.env = EnvironmentSettings()
        self.script_name, self.config_name, self.local_rank = "aiatrack", "baseline", -1


class WritesFile:
    """Unpickling an object of this class runs ``exec`` and writes ``target`` (a real pickle attack)."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self):
        return exec, (f"open({str(self.target)!r}, 'w').write('unpickling ran code')",)


@contextmanager
def official_classes_registered() -> Iterator[None]:
    """Register the stand-ins as ``lib.train.admin.*`` so pickle records the official names."""
    layout = {"lib.train.admin.stats": (AverageMeter, StatValue), "lib.train.admin.settings": (Settings,),
              "lib.train.admin.local": (EnvironmentSettings,), "lib.train.admin.hazard": (WritesFile,)}
    sys.modules["lib.train.admin"] = types.ModuleType("lib.train.admin")
    originals = {}
    for module_name, classes in layout.items():
        module = sys.modules[module_name] = types.ModuleType(module_name)
        for cls in classes:
            originals[cls] = cls.__module__
            cls.__module__ = module_name
            setattr(module, cls.__name__, cls)
    try:
        yield
    finally:
        for cls, module_name in originals.items():
            cls.__module__ = module_name
        for name in OFFICIAL_MODULES:
            sys.modules.pop(name, None)


def adamw_state(params: list[torch.Tensor]) -> dict:
    """A real AdamW state after one step over copies of ``params``."""
    copies = [torch.nn.Parameter(p.detach().clone().float()) for p in params]
    optimizer = torch.optim.AdamW(copies, lr=1e-4, weight_decay=1e-4)
    sum((p * p).sum() for p in copies).backward()
    optimizer.step()
    return optimizer.state_dict()


def official_raw_checkpoint(net: dict, epoch: int, hazard: WritesFile | None = None) -> dict:
    """The dict the official trainer saves (see its BaseTrainer.save_checkpoint)."""
    meters = collections.OrderedDict(Loss=AverageMeter(), IoU=AverageMeter())
    meters["Loss"].update(0.5)
    lr = StatValue()
    lr.history.append(1e-4)
    meters["LearningRate/group0"] = lr
    trainable = [v for k, v in net.items() if k.startswith("iou_head.") and v.is_floating_point()]
    state = {"epoch": epoch, "actor_type": "AIATRACKActor", "net_type": "AIATRACK", "net": net,
             "net_info": None, "constructor": None, "optimizer": adamw_state(trainable),
             "stats": collections.OrderedDict(train=meters, val=None), "settings": Settings()}
    if hazard is not None:
        state["settings"].hazard = hazard
    return state


def save_official(path: Path, state: dict, **kwargs) -> Path:
    with official_classes_registered():
        torch.save(state, path, **kwargs)
    return path


# ------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def reference_net(reference_checkpoint: Path) -> dict:
    return torch.load(reference_checkpoint, weights_only=True)["net"]


@pytest.fixture(scope="module")
def full_model() -> AiATrack:
    return build_aiatrack(load_config())


@pytest.fixture(scope="module")
def tiny_model() -> AiATrack:
    return build_aiatrack(load_config("tiny"))


@pytest.fixture(scope="module")
def tiny_official_net(tiny_model: AiATrack) -> dict:
    """A distinct tiny state dict (values differ from the model's) in the official key names."""
    generator = torch.Generator().manual_seed(0)
    net = collections.OrderedDict()
    for key, value in ours_to_official(tiny_model.state_dict()).items():
        net[key] = (torch.randn(value.shape, generator=generator) if value.is_floating_point()
                    else value + 3)
    return net


def assert_model_holds(model: AiATrack, official_net: dict) -> None:
    """Every model tensor equals the official entry of the same (translated) name, bitwise."""
    loaded = ours_to_official(model.state_dict())
    assert set(loaded) == set(official_net)
    for key, value in official_net.items():
        assert torch.equal(loaded[key], value), key


# ------------------------------------------------------------------------------ official files
def test_official_raw_training_checkpoint_loads_without_importing(tmp_path: Path, full_model: AiATrack,
                                                                  reference_net: dict) -> None:
    path = save_official(tmp_path / "AIATRACK_ep0500.pth.tar", official_raw_checkpoint(reference_net, 500))
    modules_before = set(sys.modules)
    info = load_checkpoint(full_model, path)
    assert set(sys.modules) - modules_before == set()
    assert not any(name in sys.modules for name in OFFICIAL_MODULES)
    assert_model_holds(full_model, reference_net)
    assert info.epoch == 500 and info.format == "official" and info.official_keys
    assert info.extra == {"net_type": "AIATRACK", "actor_type": "AIATRACKActor"}
    assert {"optimizer", "stats", "settings", "constructor"} <= set(info.fields)
    # The file really is what the official code writes: a weights-only load refuses it.
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)


def test_net_only_official_file(reference_checkpoint: Path, full_model: AiATrack, reference_net: dict) -> None:
    with torch.no_grad():
        for parameter in full_model.parameters():
            parameter.zero_()
    info = load_checkpoint(full_model, reference_checkpoint)
    assert_model_holds(full_model, reference_net)
    assert (info.epoch, info.fields, info.format) == (500, ("epoch", "net"), "official")


def test_optimizer_storages_are_never_read(tmp_path: Path, tiny_model: AiATrack, tiny_official_net: dict) -> None:
    """Corrupt every optimizer storage in the zip: the zip CRC check would fail if one were read."""
    state = official_raw_checkpoint(tiny_official_net, 7)
    optimizer_tensors = [t for s in state["optimizer"]["state"].values() for t in s.values() if t.numel() > 4]
    path = save_official(tmp_path / "raw.pth.tar", state)
    blob = bytearray(path.read_bytes())
    damaged = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if "/data/" not in info.filename:
                continue
            name_len, extra_len = struct.unpack("<HH", blob[info.header_offset + 26: info.header_offset + 30])
            start = info.header_offset + 30 + name_len + extra_len
            record = bytes(blob[start: start + info.file_size])
            if any(record == t.numpy().tobytes() for t in optimizer_tensors):
                blob[start: start + info.file_size] = bytes(info.file_size)
                damaged.append(info.filename)
    path.write_bytes(bytes(blob))
    assert len(damaged) == len(optimizer_tensors)
    with zipfile.ZipFile(path) as archive:
        for name in damaged:  # the damage is real: reading such a record fails its CRC check
            with pytest.raises(zipfile.BadZipFile):
                archive.read(name)
    load_checkpoint(tiny_model, path)
    assert_model_holds(tiny_model, tiny_official_net)


def test_pickled_code_is_not_run_and_objects_become_inert(tmp_path: Path, tiny_model: AiATrack,
                                                          tiny_official_net: dict) -> None:
    target = tmp_path / "written_by_pickle.txt"
    path = save_official(tmp_path / "hazard.pth.tar", official_raw_checkpoint(tiny_official_net, 3,
                                                                              hazard=WritesFile(target)))
    modules_before = set(sys.modules)
    load_checkpoint(tiny_model, path)
    assert not target.exists()
    assert set(sys.modules) - modules_before == set()
    assert_model_holds(tiny_model, tiny_official_net)

    # What the restricted unpickler made of the official objects: inert records naming their classes.
    from lib.utils.safe_pickle import _unpickle
    with zipfile.ZipFile(path) as archive:
        pickled = next(n for n in archive.namelist() if n.endswith("/data.pkl"))
        with archive.open(pickled) as stream:
            top = _unpickle(stream)
    assert not target.exists()
    settings = top["settings"]
    assert isinstance(settings, UnpickledObject) and settings.source == "lib.train.admin.settings.Settings"
    assert settings.state["env"].source == "lib.train.admin.local.EnvironmentSettings"
    assert settings.state["hazard"].source.endswith(".exec")  # builtins (__builtin__ in protocol 2)
    assert top["stats"]["train"]["Loss"].source == "lib.train.admin.stats.AverageMeter"

    # The hazard is real: an ordinary unpickle (with the official classes importable) runs it.
    with official_classes_registered():
        torch.load(path, weights_only=False)
    assert target.read_text() == "unpickling ran code"


def test_legacy_non_zip_format(tmp_path: Path, tiny_model: AiATrack, tiny_official_net: dict) -> None:
    state = official_raw_checkpoint(tiny_official_net, 12)
    state["settings"].env.owner = state["settings"]  # a reference cycle among the pickled objects
    path = save_official(tmp_path / "legacy.pth.tar", state, _use_new_zipfile_serialization=False)
    assert not zipfile.is_zipfile(path)
    info = load_checkpoint(tiny_model, path)
    assert info.epoch == 12
    assert_model_holds(tiny_model, tiny_official_net)


def test_file_saved_from_gpu_loads_on_cpu(tmp_path: Path, tiny_model: AiATrack, tiny_official_net: dict) -> None:
    """Released checkpoints were saved from CUDA tensors: their storages say 'cuda:0'."""
    cpu_path = save_official(tmp_path / "cpu.pth.tar", {"net": tiny_official_net, "epoch": 9})
    gpu_path = tmp_path / "gpu.pth.tar"
    with zipfile.ZipFile(cpu_path) as source, zipfile.ZipFile(gpu_path, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.endswith("/data.pkl"):
                cpu, cuda = (b"X" + struct.pack("<I", len(t)) + t for t in (b"cpu", b"cuda:0"))
                assert cpu in data
                data = data.replace(cpu, cuda)
            target.writestr(info.filename, data)
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA"):
            torch.load(gpu_path, weights_only=True)
    load_checkpoint(tiny_model, gpu_path)
    assert_model_holds(tiny_model, tiny_official_net)


# --------------------------------------------------------------------------------- our own files
def test_our_own_checkpoint(tmp_path: Path, tiny_model: AiATrack, tiny_official_net: dict) -> None:
    source = build_aiatrack(load_config("tiny"))
    load_checkpoint(source, save_official(tmp_path / "src.pth.tar", {"net": tiny_official_net, "epoch": 1}))
    cfg = load_config("tiny")
    optimizer = torch.optim.AdamW(source.parameters(), lr=1e-4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 5)
    ours = {"net": source.state_dict(), "epoch": 4, "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "rng_state": {"torch": torch.get_rng_state(), "python": random.getstate()},
            "config": cfg.to_dict(), "format": CHECKPOINT_FORMAT}
    path = tmp_path / "ours.pth.tar"
    torch.save(ours, path)
    torch.load(path, weights_only=True)  # our format stays a weights-only file
    state, info = read_checkpoint(path)
    assert info.format == CHECKPOINT_FORMAT and not info.official_keys and info.epoch == 4
    assert info.config == cfg.to_dict()
    assert list(state) == list(source.state_dict())
    load_checkpoint(tiny_model, path)
    assert_model_holds(tiny_model, tiny_official_net)


def test_shared_views_and_dtypes_survive(tmp_path: Path) -> None:
    base = torch.arange(24, dtype=torch.float64).reshape(4, 6)
    net = collections.OrderedDict(a=base[1:3, ::2], b=base.t(), c=torch.tensor(5), d=torch.tensor([True, False]),
                                  e=torch.ones(0, 3), f=torch.randn(3, dtype=torch.float16))
    path = tmp_path / "views.pth"
    torch.save({"net": net, "format": CHECKPOINT_FORMAT}, path)
    state, _ = read_checkpoint(path)
    for key, value in net.items():
        assert state[key].dtype == value.dtype and torch.equal(state[key], value), key


# ------------------------------------------------------------------------------------- bad files
def test_missing_file(tmp_path: Path, tiny_model: AiATrack) -> None:
    with pytest.raises(CheckpointError, match="no such checkpoint file") as error:
        load_checkpoint(tiny_model, tmp_path / "absent.pth.tar")
    assert "absent.pth.tar" in str(error.value)


def test_truncated_file(tmp_path: Path, reference_checkpoint: Path, tiny_model: AiATrack) -> None:
    path = tmp_path / "truncated.pth.tar"
    path.write_bytes(reference_checkpoint.read_bytes()[:5_000_000])
    with pytest.raises(CheckpointError, match="truncated or corrupt") as error:
        load_checkpoint(tiny_model, path)
    assert str(path) in str(error.value)


def test_truncated_legacy_file(tmp_path: Path, tiny_model: AiATrack, tiny_official_net: dict) -> None:
    path = save_official(tmp_path / "legacy.pth.tar", {"net": tiny_official_net, "epoch": 1},
                         _use_new_zipfile_serialization=False)
    path.write_bytes(path.read_bytes()[:-1000])
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        load_checkpoint(tiny_model, path)


@pytest.mark.parametrize("content, message", [
    (b"epoch: 500\nnet: weights\n", "not a PyTorch checkpoint"),
    (pickle.dumps({"net": {}}), "not a PyTorch checkpoint"),
])
def test_not_a_checkpoint(tmp_path: Path, tiny_model: AiATrack, content: bytes, message: str) -> None:
    path = tmp_path / "notes.pth.tar"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=message) as error:
        load_checkpoint(tiny_model, path)
    assert str(path) in str(error.value)


def test_torch_file_without_net(tmp_path: Path, tiny_model: AiATrack) -> None:
    path = tmp_path / "tensor.pt"
    torch.save({"state_dict": {"w": torch.ones(2)}}, path)
    with pytest.raises(CheckpointError, match=r"expected a dict with a 'net' state dict.*'state_dict'"):
        load_checkpoint(tiny_model, path)
    torch.save({"net": {"bottleneck.weight": 3}}, path)
    with pytest.raises(CheckpointError, match=r"'bottleneck.weight' is 3, not a tensor"):
        load_checkpoint(tiny_model, path)
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(CheckpointError, match="not a torch.save checkpoint"):
        load_checkpoint(tiny_model, tmp_path / "other.zip")


def test_unexpected_missing_and_misshaped_keys_are_named(tmp_path: Path, tiny_model: AiATrack,
                                                          tiny_official_net: dict) -> None:
    extra = collections.OrderedDict(tiny_official_net)
    extra["box_head.conv9.weight"] = torch.ones(3)
    with pytest.raises(CheckpointError, match=r"unexpected keys: corner_head\.conv9\.weight") as error:
        load_checkpoint(tiny_model, save_official(tmp_path / "extra.pth.tar", {"net": extra}))
    assert "extra.pth.tar" in str(error.value)

    missing = collections.OrderedDict(tiny_official_net)
    del missing["iou_head.iou_predictor.bias"]
    with pytest.raises(CheckpointError, match=r"missing keys: iou_head\.iou_predictor\.bias"):
        load_checkpoint(tiny_model, save_official(tmp_path / "missing.pth.tar", {"net": missing}))

    misshaped = collections.OrderedDict(tiny_official_net)
    misshaped["bottleneck.weight"] = torch.zeros(7, 7)
    with pytest.raises(CheckpointError, match=r"wrong shapes: bottleneck\.weight \(file \(7, 7\), model"):
        load_checkpoint(tiny_model, save_official(tmp_path / "shape.pth.tar", {"net": misshaped}))


def test_full_checkpoint_into_tiny_model_is_one_clear_error(reference_checkpoint: Path,
                                                            tiny_model: AiATrack) -> None:
    with pytest.raises(CheckpointError, match="weights do not fit the model") as error:
        load_checkpoint(tiny_model, reference_checkpoint)
    assert "aiatrack_synthetic.pth.tar" in str(error.value) and "more" in str(error.value)


# ------------------------------------------------------------------------------ wrapped models
def _track(checkpoint: Path, video) -> list[list[float]]:
    """Boxes of the tiny-config tracker with ``checkpoint`` over a short synthetic video."""
    from lib.trackers import load_tracker

    tracker = load_tracker("aiatrack", load_config("tiny"), checkpoint)(TrackingTraits())
    boxes = [tracker.initialize(video.frames[0], {"init_bbox": video.boxes_xywh[0].tolist()})["target_bbox"]]
    boxes += [tracker.track(frame)["target_bbox"] for frame in video.frames[1:]]
    return [[float(v) for v in box] for box in boxes]


@pytest.mark.parametrize("wrap, prefix", [
    (torch.nn.DataParallel, "module."),                                   # DataParallel / DDP
    (lambda m: torch.nn.DataParallel(torch.compile(m)), "module._orig_mod."),  # compiled model under DDP
])
def test_wrapper_prefix_is_stripped_and_tracks_like_the_plain_file(tmp_path: Path, wrap, prefix) -> None:
    from lib.utils.synthetic import render_video

    torch.manual_seed(1)
    model = build_aiatrack(load_config("tiny"))
    plain = tmp_path / "plain.pth.tar"
    torch.save({"format": CHECKPOINT_FORMAT, "net": model.state_dict()}, plain)
    wrapped_state = wrap(model).state_dict()
    assert all(key.startswith(prefix) for key in wrapped_state)  # the real wrapper's key layout
    wrapped = tmp_path / "wrapped.pth.tar"
    torch.save({"format": CHECKPOINT_FORMAT, "net": wrapped_state}, wrapped)
    state, info = read_checkpoint(wrapped)
    assert info.stripped_prefix == prefix and list(state) == list(model.state_dict())
    video = render_video(5, 0, num_frames=4, height=96, width=128, min_size=12, max_size=40)
    assert _track(wrapped, video) == _track(plain, video)


def test_official_keys_under_a_wrapper_are_translated(tmp_path: Path, tiny_model: AiATrack,
                                                      tiny_official_net: dict) -> None:
    wrapped = collections.OrderedDict((f"module.{k}", v) for k, v in tiny_official_net.items())
    load_checkpoint(tiny_model, save_official(tmp_path / "ddp_official.pth.tar", {"net": wrapped, "epoch": 3}))
    assert_model_holds(tiny_model, tiny_official_net)


def test_prefix_on_only_some_keys_is_an_error_naming_them(tmp_path: Path, tiny_model: AiATrack) -> None:
    state = tiny_model.state_dict()
    first = next(iter(state))
    mixed = {(f"module.{k}" if k == first else k): v for k, v in state.items()}
    path = tmp_path / "mixed.pth.tar"
    torch.save({"format": CHECKPOINT_FORMAT, "net": mixed}, path)
    with pytest.raises(CheckpointError, match=f"unexpected keys: module.{first}"):
        load_checkpoint(tiny_model, path)
