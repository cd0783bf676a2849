"""Trackers as equal plug-ins: the contract every tracker fulfils, and the one table that names them.

A tracker is a module exposing ``PLUGIN``, a :class:`TrackerPlugin`: how to build, load and prepare its
network, make its per-sequence tracker, train it, and what it supports. :data:`TRACKER_MODULES` maps each
name to its module; modules are imported on first use, so listing the names imports nothing. Entry points
take their ``--tracker`` choices from :func:`tracker_names` and refuse what a tracker does not support
through its declared ``precisions`` and ``capabilities``; nothing outside a tracker's own folders branches
on its name.

Adding a tracker: its folders (``lib/models/<name>/``, ``lib/test/tracker/<name>/``, ``lib/train/<name>/``,
``experiments/<name>/``, its config defaults) plus ``lib/trackers/<name>.py`` and one line in
:data:`TRACKER_MODULES`. A tracker kept outside ``lib/`` (a user's package, a test) is registered without
editing anything here: :func:`register_tracker` in the process, or for every command
``AIATRACK_TRACKERS=name=package.module[,name=module...]`` in the environment (read at import; worker processes
inherit it).
"""
from __future__ import annotations

import importlib
import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from lib.config import (ConfigError, ConfigNode, check_precision, config_differences, list_differences,
                        merge_experiment)
from lib.config.node import merge_strict
from lib.test.tracker.base import BatchStep, Tracker, TrackerFactory, TrackingTraits, track_each
from lib.utils.device import DEFAULT_BACKEND, check_backend, inference_plan
from lib.utils.engine import apply_engine
from lib.utils.safe_pickle import CheckpointError, read_training_config

__all__ = ["DEFAULT_TRACKER", "TRACKERS_VARIABLE", "TRACKER_MODULES", "TrackerFactory", "TrackerPlugin",
           "batch_step", "build_network", "config_from_dict", "config_tracker", "get_plugin", "load_config",
           "load_tracker", "register_tracker", "tracker_names"]

#: tracker name -> module exposing ``PLUGIN`` (imported on first use)
TRACKER_MODULES: dict[str, str] = {
    "aiatrack": "lib.trackers.aiatrack",
    "siamattn": "lib.trackers.siamattn",
}
#: environment variable registering trackers outside lib/: ``name=module[,name=module...]``
TRACKERS_VARIABLE = "AIATRACK_TRACKERS"
#: the tracker an entry point runs when none is named
DEFAULT_TRACKER = "aiatrack"


@dataclass(frozen=True)
class TrackerPlugin:
    """Everything the shared machinery needs to know about one tracker.

    ``defaults()`` returns every config key with its default; ``validate(cfg_dict)`` raises ConfigError for
    values the keys' types allow but the tracker does not (and may drop legacy keys it still accepts).
    ``build_model(cfg, training)`` builds the network (``training``: the training form, e.g. with ImageNet
    weights); ``load_weights(model, path)`` loads a checkpoint strictly (CheckpointError naming the file);
    ``prepare(model, cfg, device)`` returns the inference form for ``device`` (in place);
    ``make_tracker(prepared, cfg, traits)`` starts a tracker for a benchmark's
    :class:`~lib.test.tracker.base.TrackingTraits` (HYPER row, init style). ``training()`` returns the
    :class:`lib.train.recipe.TrainingRecipe` (imported only when training). ``embedded_checkpoint`` is the
    small checkpoint shipped in ``checkpoints/`` (None: none); demos without one run ``random_experiment``.
    ``precisions`` lists the ``TEST.PRECISION`` values it runs; ``capabilities`` what else it offers
    (``"masks"``, ``"polygons"``, ``"attention_probe"``, ``"onnx"``); ``prepare_onnx(model, cfg, checkpoint,
    device)`` exports the network's per-frame graphs (cached beside ``checkpoint``, see
    ``lib/utils/onnx_cache.py``) and returns an object with the prepared model's methods backed by ONNX
    Runtime (None: the tracker declares no ``"onnx"``); ``profile(argv)`` is its per-stage profiler
    (``tracking/dev/profile_model.py``), None when it has none. ``track_batch`` advances several of its
    trackers (several sequences, or several targets of one video) in one call (:data:`BatchStep`);
    :func:`~lib.test.tracker.base.track_each` for a tracker without a batched form. ``engine_methods`` names
    the prepared network's per-frame methods that :func:`load_tracker` runs through the plan's engine
    (``lib/utils/engine.py``; their pytree inputs and outputs must be registered).
    """

    name: str
    label: str
    defaults: Callable[[], dict[str, Any]]
    validate: Callable[[dict[str, Any]], None]
    main_experiment: str
    random_experiment: str
    build_model: Callable[[ConfigNode, bool], nn.Module]
    load_weights: Callable[[nn.Module, Path], Any]
    prepare: Callable[[nn.Module, ConfigNode, torch.device], nn.Module]
    make_tracker: Callable[[nn.Module, ConfigNode, TrackingTraits], Tracker]
    training: Callable[[], Any]
    checkpoint_prefix: str
    embedded_checkpoint: Path | None
    precisions: tuple[str, ...]
    capabilities: frozenset[str] = frozenset()
    profile: Callable[[list[str] | None], int] | None = None
    prepare_onnx: Callable[[nn.Module, ConfigNode, Path | None, torch.device], Any] | None = None
    track_batch: BatchStep = track_each
    engine_methods: tuple[str, ...] = ()


def tracker_names() -> list[str]:
    """The registered tracker names, sorted (every ``--tracker`` choice)."""
    return sorted(TRACKER_MODULES)


def register_tracker(name: str, module: str) -> None:
    """Register the tracker ``name`` whose ``PLUGIN`` lives in the importable ``module``."""
    TRACKER_MODULES[name] = module


def _register_from_environment() -> None:
    """Register the trackers named in ``$AIATRACK_TRACKERS``; a malformed entry is a one-line ValueError."""
    for entry in filter(None, (e.strip() for e in os.environ.get(TRACKERS_VARIABLE, "").split(","))):
        name, sep, module = entry.partition("=")
        if not sep or not name.strip() or not module.strip():
            raise ValueError(f"${TRACKERS_VARIABLE}: expected name=package.module entries, got {entry!r}")
        register_tracker(name.strip(), module.strip())


_register_from_environment()


def get_plugin(name: str) -> TrackerPlugin:
    """The plug-in of tracker ``name``; ValueError naming the registered trackers for an unknown one."""
    if name not in TRACKER_MODULES:
        raise ValueError(f"unknown tracker {name!r}; registered: {', '.join(tracker_names())}")
    plugin = importlib.import_module(TRACKER_MODULES[name]).PLUGIN
    if plugin.name != name:
        raise ValueError(f"{TRACKER_MODULES[name]}.PLUGIN is named {plugin.name!r}, registered as {name!r}")
    return plugin


# ------------------------------------------------------------------------------------------ configs
def load_config(name_or_path: str | Path | None = None, overrides: Mapping[str, Any] | None = None,
                tracker: str = DEFAULT_TRACKER) -> ConfigNode:
    """The defaults of ``tracker`` merged with an experiment (``experiments/<tracker>/<name>.yaml`` or a path),
    then with ``overrides``, validated; ConfigError naming the file and key for anything unknown or invalid."""
    plugin = _plugin_for_config(tracker)
    return _validated(plugin, merge_experiment(plugin.defaults(), name_or_path, overrides, tracker))


def config_from_dict(data: Mapping[str, Any], tracker: str = DEFAULT_TRACKER,
                     overrides: Mapping[str, Any] | None = None) -> ConfigNode:
    """Rebuild a config saved with ``ConfigNode.to_dict()`` (e.g. in a checkpoint) strictly, then merge
    ``overrides``; validated as :func:`load_config`."""
    plugin = _plugin_for_config(tracker)
    merged = merge_strict(plugin.defaults(), data, source="saved config")
    if overrides:
        merged = merge_strict(merged, overrides, source="overrides")
    return _validated(plugin, merged)


def config_tracker(data: Mapping[str, Any]) -> str | None:
    """The tracker whose configuration ``data`` is (e.g. a config saved in a checkpoint): the first whose
    defaults know every key of it and accept its values; None when none does."""
    for name in tracker_names():
        try:
            config_from_dict(data, name)
        except ConfigError:
            continue
        return name
    return None


def _validated(plugin: TrackerPlugin, merged: dict[str, Any]) -> ConfigNode:
    """``merged`` as a ConfigNode once its precision is one the tracker runs and its own checks pass."""
    check_precision(merged, plugin.precisions, f" for {plugin.name}")
    plugin.validate(merged)
    return ConfigNode(merged)


def _plugin_for_config(tracker: str) -> TrackerPlugin:
    try:
        return get_plugin(tracker)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


# ------------------------------------------------------------------------------------------ loading
def load_tracker(name: str, cfg: ConfigNode, checkpoint: str | Path | None,
                 device: str | torch.device = "cpu", backend: str = DEFAULT_BACKEND,
                 engine: str | None = None) -> TrackerFactory:
    """Build tracker ``name``'s network from ``cfg``, load ``checkpoint`` (None: random weights, warned, seeded
    so every process builds the same network), prepare its inference form on ``device`` once, and return
    the factory the benchmark runner calls per sequence. ``backend`` (``lib.utils.device.BACKENDS``):
    ``torch`` runs the prepared PyTorch form; ``onnxruntime`` the tracker's exported graphs (exported on
    first use and cached, see ``lib/utils/onnx_cache.py``). On the torch backend the plug-in's
    ``engine_methods`` run through the engine of ``lib.utils.device.inference_plan(device, engine)`` (None:
    the device's).

    Raises ValueError (one line) for an unknown backend, a precision it does not run, a tracker without
    the ``"onnx"`` capability, an unknown engine, one that does not run on ``device``, or an engine other than
    eager with the onnxruntime backend; ``OnnxExportError`` (one line) when a graph does not export.

    Raises :class:`~lib.utils.safe_pickle.CheckpointError` (one line naming the file) when the weights do
    not fit the network of ``cfg``; for a checkpoint of ``tracking/train.py`` the message also names the
    tracker it belongs to, or the keys in which its stored training config differs from ``cfg``.
    """
    plugin = get_plugin(name)
    check_backend(backend, cfg.TEST.PRECISION)
    plan = inference_plan(device, engine)
    if backend != "torch" and plan.engine != "eager":
        raise ValueError(f"the {plan.engine} engine runs the torch backend only, not {backend}")
    if backend == "onnxruntime" and plugin.prepare_onnx is None:
        raise ValueError(f"{plugin.label} has no ONNX export: run it with the torch backend")
    if checkpoint is None:
        warnings.warn(f"{plugin.label} runs with RANDOMLY INITIALISED weights: its boxes are meaningless",
                      stacklevel=2)
        torch.manual_seed(0)
    model = build_network(name, cfg, checkpoint)
    # Prepared once per process; the trackers of every sequence share it.
    if backend == "onnxruntime":
        prepared = plugin.prepare_onnx(model, cfg, None if checkpoint is None else Path(checkpoint),
                                       torch.device(device))
    else:
        prepared = apply_engine(plugin.prepare(model.to(device), cfg, torch.device(device)), plugin.engine_methods,
                                plan.engine, device)
    return lambda traits: plugin.make_tracker(prepared, cfg, traits)


def batch_step(name: str, backend: str = DEFAULT_BACKEND) -> BatchStep:
    """The step advancing several trackers of ``name`` together: the plug-in's batched step on the torch
    backend; one ``track`` after another on ONNX Runtime, whose graphs are exported at batch 1."""
    return get_plugin(name).track_batch if backend == "torch" else track_each


def build_network(name: str, cfg: ConfigNode, checkpoint: str | Path | None) -> nn.Module:
    """Tracker ``name``'s network built from ``cfg`` (not its training form), with ``checkpoint``'s weights
    loaded strictly (None: as built). Raises CheckpointError as :func:`load_tracker` describes."""
    plugin = get_plugin(name)
    model = plugin.build_model(cfg, False)
    if checkpoint is not None:
        try:
            plugin.load_weights(model, Path(checkpoint))
        except CheckpointError as exc:
            raise CheckpointError(exc.path, exc.problem + _trained_with(checkpoint, name, cfg)) from None
    return model


def _trained_with(checkpoint: str | Path, name: str, cfg: ConfigNode) -> str:
    """A ``'; ...'`` clause on how the training config stored in ``checkpoint`` relates to ``name`` and ``cfg``
    (empty when it stores none)."""
    saved = read_training_config(checkpoint)[0]
    if saved is None:
        return ""
    owner = config_tracker(saved)
    if owner is None:  # keys unknown to every tracker's defaults: nothing reliable to compare
        return ""
    if owner != name:
        return f"; by its stored training config it is a checkpoint of {owner}, not {name}"
    differences = config_differences(config_from_dict(saved, name).to_dict(), cfg.to_dict())
    if not differences:
        return ""
    return f"; it was trained with a config that differs from this one in {list_differences(differences)}"
