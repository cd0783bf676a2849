"""Trackers for evaluation: the interface every tracker implements (``base``) and one subpackage per tracker.

Trackers are built through their plug-ins (``lib.trackers.load_tracker``), which the benchmark runner calls once
per worker process (the network is loaded once); the factory it returns starts a fresh tracker per sequence.
"""
from lib.test.tracker.base import Tracker

__all__ = ["Tracker"]
