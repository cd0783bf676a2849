"""Scoring raw tracking results (docs/benchmarks.md#the-aiatrack-analysis,
docs/benchmarks.md#the-benchmark-owners-tools).

* ``metrics``: the official AiATrack analysis (success AUC, precision at 20 px, normalised precision).
* ``lasot_toolkit``, ``got10k_toolkit``, ``trackingnet_devkit``: the benchmark owners' tools' rules.
* ``protocols``: the selectable protocols built on them; ``evaluate``: result folders -> evaluations.
* ``report`` (tables, JSON) and ``plots`` (PNG success / precision plots).
"""
