"""Configuration: defaults in code, experiment YAML files, one immutable object passed explicitly.

Which defaults a tracker has is the tracker's: load a tracker's config with ``lib.trackers.load_config``.
"""
from lib.config.loader import check_precision, hyper_for_dataset, merge_experiment, resolve_experiment
from lib.config.node import ConfigError, ConfigNode, config_differences, list_differences

__all__ = ["ConfigError", "ConfigNode", "check_precision", "config_differences", "hyper_for_dataset",
           "list_differences", "merge_experiment", "resolve_experiment"]
