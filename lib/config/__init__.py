"""Configuration: defaults in code, experiment YAML files, one immutable object passed explicitly."""
from lib.config.loader import (MAIN_EXPERIMENTS, config_from_dict, defaults_for, hyper_for_dataset, load_config,
                               resolve_experiment)
from lib.config.node import ConfigError, ConfigNode

__all__ = ["MAIN_EXPERIMENTS", "ConfigError", "ConfigNode", "config_from_dict", "defaults_for", "hyper_for_dataset",
           "load_config", "resolve_experiment"]
