"""The real-time experiment: vot-toolkit 0.7.4 (over TraX) and our runner record the same trajectories for a
tracker that really sleeps, and the frames they hold are the hand-computed ones.

Uses the toolkit's virtual environment of ``test_vot_toolkit.py`` (installed once, then offline).
"""
from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from lib.test.analysis.vot import evaluate, load_stack
from lib.test.evaluation.vot import load_vot
from lib.test.evaluation.vot_realtime import RealtimeConfig
from lib.test.evaluation.vot_results import multistart_name, read_trajectory
from lib.test.evaluation.vot_runner import MultistartTask

from tests.test.sleeping_tracker import WORKED_ANSWERS, WORKED_COSTS, SleepingTracker, write_worked_sequence
from tests.test.test_vot_toolkit import REPO_ROOT, _toolkit, toolkit_python  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow

STACK = """title: synthetic real-time (grace 1, EAO interval scaled down)
experiments:
  realtime:
    type: multistart
    realtime:
      grace: 1
    analyses:
      - type: multistart_eao_score
        name: eaoscore
        low: 2
        high: 10
      - type: multistart_eao_curve
        name: eaocurve
        high: 10
      - type: multistart_average_ar
        name: ar
"""


def test_realtime_toolkit_equals_native(toolkit_python, tmp_path):
    workspace = tmp_path / "ws"
    seq_dir = write_worked_sequence(workspace)
    (workspace / "stack.yaml").write_text(STACK)
    (workspace / "config.yaml").write_text(f"registry:\n- ./trackers.ini\nstack: {workspace / 'stack.yaml'}\n")
    (workspace / "costs.json").write_text(json.dumps(WORKED_COSTS))
    command = (f"from tests.test.sleeping_tracker import serve_trax; "
               f"serve_trax({str(seq_dir)!r}, {str(workspace / 'costs.json')!r})")
    (workspace / "trackers.ini").write_text(f"[sleeper]\nlabel = sleeper\nprotocol = traxpython\ncommand = {command}\n"
                                            f"paths = {REPO_ROOT}\npython = {sys.executable}\n")
    _toolkit(toolkit_python, "evaluate", "--workspace", str(workspace), "sleeper", cwd=workspace)
    toolkit_dir = workspace / "results" / "sleeper" / "realtime"

    (sequence,) = load_vot(workspace)
    tracker = SleepingTracker.for_sequence(seq_dir, WORKED_COSTS)
    native_dir = tmp_path / "native"
    MultistartTask(realtime=RealtimeConfig(grace=1)).run(lambda _: tracker, sequence, native_dir)

    for anchor, expected in WORKED_ANSWERS.items():
        name = multistart_name("seq", anchor)
        assert tracker.answers(read_trajectory(toolkit_dir, "seq", name)) == expected, anchor
        native = (native_dir / "seq" / f"{name}.txt").read_text()
        assert native == (toolkit_dir / "seq" / f"{name}.txt").read_text(), anchor

    _toolkit(toolkit_python, "analysis", "--workspace", str(workspace), "--format", "json", "sleeper", cwd=workspace)
    (report,) = sorted((workspace / "analysis").glob("*.json"))
    (eao,), (curve,), (ar,) = json.loads(report.read_text())["results"]["realtime"]["results"]
    ours = evaluate([sequence], native_dir, load_stack(str(workspace / "stack.yaml"), "realtime"))
    assert ours.scores["EAO"] == pytest.approx(eao[0], abs=1e-6)
    assert ours.scores["A"] == pytest.approx(ar[0], abs=1e-6)
    assert ours.scores["R"] == pytest.approx(ar[1], abs=1e-6)
    np.testing.assert_allclose(ours.eao_curve, curve[0], atol=1e-6)
