"""Configuration: defaults in code, experiment YAML files, one immutable object passed explicitly."""
from lib.config.loader import (MAIN_EXPERIMENTS, config_from_dict, config_tracker, defaults_for, hyper_for_dataset,
                               load_config, resolve_experiment)
from lib.config.node import ConfigError, ConfigNode, config_differences, list_differences

__all__ = ["MAIN_EXPERIMENTS", "ConfigError", "ConfigNode", "config_differences", "config_from_dict", "config_tracker",
           "defaults_for", "hyper_for_dataset", "list_differences", "load_config", "resolve_experiment"]
