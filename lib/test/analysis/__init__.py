"""Scoring raw tracking results (BENCHMARKS.md sections 4 and 6).

* ``metrics``: the official AiATrack analysis (success AUC, precision at 20 px, normalised precision).
* ``lasot_toolkit``, ``got10k_toolkit``, ``trackingnet_devkit``: the benchmark owners' tools' rules.
* ``protocols``: the selectable protocols built on them; ``evaluate``: result folders -> evaluations.
* ``report`` (tables, JSON) and ``plots`` (PNG success / precision plots).
"""
