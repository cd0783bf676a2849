"""The official VOT toolkit (vot-toolkit 0.7.4) drives our trackers (AiATrack and SiamAttn, the shipped tiny
weights) over TraX; its files equal those of tracking/test.py byte for byte and its scores equal ours.

The toolkit is installed once into its own virtual environment under ``~/.cache/aiatrack-vot-toolkit``
(``$AIATRACK_VOT_TOOLKIT_CACHE`` overrides the folder), keyed by the versions; it pulls the non-headless
opencv-python, so it never goes into ours. Later runs are offline. Without the cache and without a
package index the tests are skipped, saying so.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lib.test.analysis.vot import evaluate, load_stack
from lib.test.analysis.vot_overlap import region_overlap
from lib.test.evaluation.vot import load_vot, parse_region
from lib.test.evaluation.vot_results import mask_runs, toolkit_region
from lib.trackers.weights import choose_weights
from lib.utils.settings import Settings, save_settings
from lib.utils.synthetic import render_videos, write_vot
from tracking.test import main as run_test_py

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOLKIT_PACKAGES = ("vot-toolkit==0.7.4", "attributee==0.1.9")
TOOLKIT_KEY = f"vot-toolkit-0.7.4_attributee-0.1.9_py{sys.version_info.major}{sys.version_info.minor}"

SUPERVISED_STACK = """title: synthetic supervised (EAO interval scaled down)
experiments:
  baseline:
    type: supervised
    repetitions: 1
    skip_initialize: 5
    analyses:
      - type: supervised_average_ar
        sensitivity: 30
      - type: supervised_eao_score
        low: 5
        high: 20
      - type: supervised_eao_curve
"""
MULTISTART_STACK = """title: synthetic multistart (EAO interval scaled down)
experiments:
  baseline:
    type: multistart
    analyses:
      - type: multistart_eao_score
        name: eaoscore
        low: 5
        high: 25
      - type: multistart_eao_curve
        name: eaocurve
        high: 25
      - type: multistart_average_ar
        name: ar
"""


@pytest.fixture(scope="session")
def toolkit_python() -> Path:
    """Python of the toolkit's virtual environment, created (once, atomically) when missing."""
    cache = Path(os.environ.get("AIATRACK_VOT_TOOLKIT_CACHE", Path.home() / ".cache" / "aiatrack-vot-toolkit"))
    venv = cache / TOOLKIT_KEY
    python = venv / "bin" / "python"
    if not (venv / "complete").is_file():
        building = cache / f"{TOOLKIT_KEY}.building-{os.getpid()}"
        shutil.rmtree(building, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(building)], check=True, capture_output=True)
        pip = subprocess.run([str(building / "bin" / "python"), "-m", "pip", "install", "--quiet",
                              *TOOLKIT_PACKAGES], capture_output=True, text=True)
        if pip.returncode != 0:
            shutil.rmtree(building, ignore_errors=True)
            pytest.skip(f"cannot install {' '.join(TOOLKIT_PACKAGES)} into {venv} (no package index?): "
                        f"{pip.stderr.strip().splitlines()[-1:]}")
        shutil.rmtree(venv, ignore_errors=True)
        building.rename(venv)  # venv scripts hold absolute paths: the interpreter is called directly below
        (venv / "complete").write_text(" ".join(TOOLKIT_PACKAGES) + "\n")
    return python


def _toolkit(python: Path, *args: str, cwd: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["VOT_RESULTS_BINARY"] = "false"  # text trajectories, compared byte for byte below
    done = subprocess.run([str(python), "-m", "vot", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, f"vot {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


def _workspace(root: Path, region: str, stack: str) -> Path:
    videos = render_videos(3, 1, num_frames=30, height=120, width=160, min_size=20, max_size=60)
    write_vot(root, videos, region, anchor_spacing=10 if region == "mask" else 0)
    (root / "stack.yaml").write_text(stack)
    (root / "config.yaml").write_text(f"registry:\n- ./trackers.ini\nstack: {root.resolve() / 'stack.yaml'}\n")
    template = (REPO_ROOT / "tracking" / "vot_trackers.ini").read_text()  # the template users copy
    (root / "trackers.ini").write_text(template.replace("paths = ..", f"paths = {REPO_ROOT}")
                                       .replace("/path/to/repo/.venv/bin/python", sys.executable))
    return root


def _toolkit_results(python: Path, workspace: Path, tracker: str) -> list:
    _toolkit(python, "analysis", "--workspace", str(workspace), "--format", "json", tracker, cwd=workspace)
    (report,) = sorted((workspace / "analysis").glob("*.json"))
    return json.loads(report.read_text())["results"]["baseline"]["results"]


def _test_py_run(workspace: Path, tmp_path: Path, tracker: str, dataset: str) -> Path:
    """``tracking/test.py <tracker> tiny --dataset <dataset>`` on the workspace's sequences with the shipped
    checkpoint (the weights the TraX entry serves by default); returns the trajectory folder."""
    settings = Settings(**{f"{dataset}_dir": str(workspace)}, results_dir=str(tmp_path / "native"))
    save_settings(settings, tmp_path / "settings.yaml")
    checkpoint = choose_weights(tracker=tracker).checkpoint
    assert run_test_py([tracker, "tiny", "--dataset", dataset, "--settings", str(tmp_path / "settings.yaml"),
                        "--checkpoint", checkpoint, "--no-progress", "--torch-threads", "1"]) == 0
    return tmp_path / "native" / tracker / "tiny" / dataset


def _same_trajectories(native: Path, toolkit: Path) -> int:
    files = sorted(native.glob("*/*.txt"))
    assert files
    for path in files:
        assert path.read_text() == (toolkit / path.relative_to(native)).read_text(), path.name
    return len(files)


@pytest.mark.parametrize("tracker", ["aiatrack", "siamattn"])
def test_supervised_toolkit_equals_native(toolkit_python, tmp_path, tracker):
    workspace = _workspace(tmp_path / "ws", "polygon", SUPERVISED_STACK)
    _toolkit(toolkit_python, "evaluate", "--workspace", str(workspace), tracker, cwd=workspace)
    native = _test_py_run(workspace, tmp_path, tracker, "vot18")
    toolkit_dir = workspace / "results" / tracker / "baseline"
    assert _same_trajectories(native, toolkit_dir) == 1
    codes = [line for p in toolkit_dir.glob("*/*.txt") for line in p.read_text().splitlines() if line == "2"]
    assert codes, "the synthetic set is meant to make the tracker fail at least once (re-initialisation path)"

    (ar,), (eao,), (curve,) = _toolkit_results(toolkit_python, workspace, tracker)
    ours = evaluate(load_vot(workspace), toolkit_dir, load_stack(str(workspace / "stack.yaml")))
    assert ours.scores["A"] == pytest.approx(ar[0], abs=1e-6)
    assert ours.scores["R"] == pytest.approx(ar[1], abs=1e-6)
    assert ours.scores["AR_robustness"] == pytest.approx(ar[2][0], abs=1e-6)
    assert ours.scores["EAO"] == pytest.approx(eao[0], abs=1e-6)
    np.testing.assert_allclose(ours.eao_curve, curve[0], atol=1e-6)


@pytest.mark.parametrize("tracker", ["aiatrack", "siamattn"])
def test_multistart_toolkit_equals_native(toolkit_python, tmp_path, tracker):
    workspace = _workspace(tmp_path / "ws", "mask", MULTISTART_STACK)
    _toolkit(toolkit_python, "evaluate", "--workspace", str(workspace), tracker, cwd=workspace)
    native = _test_py_run(workspace, tmp_path, tracker, "vot20")
    toolkit_dir = workspace / "results" / tracker / "baseline"
    assert _same_trajectories(native, toolkit_dir) == 4  # anchors 0, 10, 20, 29

    (eao,), (curve,), (ar,) = _toolkit_results(toolkit_python, workspace, tracker)
    ours = evaluate(load_vot(workspace), toolkit_dir, load_stack(str(workspace / "stack.yaml")))
    assert ours.scores["EAO"] == pytest.approx(eao[0], abs=1e-6)
    assert ours.scores["A"] == pytest.approx(ar[0], abs=1e-6)
    assert ours.scores["R"] == pytest.approx(ar[1], abs=1e-6)
    np.testing.assert_allclose(ours.eao_curve, curve[0], atol=1e-6)


def test_region_overlap_equals_the_toolkit_on_random_regions(toolkit_python, tmp_path):
    rng = np.random.default_rng(0)

    def region() -> str:
        kind = rng.integers(4)
        if kind == 0:
            return ",".join(f"{v:.2f}" for v in [*rng.uniform(-20, 60, 2), *rng.uniform(-3, 40, 2)])
        if kind == 1:
            return ",".join(f"{v:.1f}" for v in rng.uniform(-15, 70, 2 * rng.integers(3, 7)))
        if kind == 2:
            h, w = rng.integers(0, 20, 2)
            runs = mask_runs(rng.random((h, w)) < 0.5)
            return f"m{rng.integers(-10, 50)},{rng.integers(-10, 50)},{w},{h}," + ",".join(map(str, runs))
        return str(int(rng.integers(3)))

    cases = [(region(), region(), bool(rng.random() < 0.8)) for _ in range(500)]
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    script = ("import json,sys; from vot.region.io import parse_region as p; from vot.region import calculate_overlap "
              "as o; c=json.load(open(sys.argv[1])); "
              "json.dump([o(p(a),p(b),(64,48) if k else None) for a,b,k in c], open(sys.argv[2],'w'))")
    subprocess.run([str(toolkit_python), "-c", script, str(tmp_path / "cases.json"), str(tmp_path / "out.json")],
                   check=True, timeout=600)
    expected = json.loads((tmp_path / "out.json").read_text())
    ours = [region_overlap(toolkit_region(parse_region(a)), toolkit_region(parse_region(b)), (64, 48) if k else None)
            for a, b, k in cases]
    np.testing.assert_allclose(ours, expected, atol=1e-12)


def test_mask_stack_siamattn_masks_equal_native(toolkit_python, tmp_path):
    """VOT2020/VOT2022 ``shortterm`` (mask ground truth): SiamAttn with its mask branch (tiny config, random
    weights) answers masks; the toolkit's mask lines equal those of tracking/test.py byte for byte."""
    import torch

    from lib.trackers import load_config
    from lib.models.siamattn.model import build_siamattn

    config = tmp_path / "tiny_mask.yaml"
    config.write_text((REPO_ROOT / "experiments" / "siamattn" / "tiny.yaml").read_text()
                      .replace("MASK: false", "MASK: true"))
    cfg = load_config(config, tracker="siamattn")
    torch.manual_seed(0)
    checkpoint = tmp_path / "tiny_mask.pth"
    torch.save({"net": build_siamattn(cfg).state_dict(), "config": cfg.to_dict(), "epoch": 0}, checkpoint)

    workspace = _workspace(tmp_path / "ws", "mask", MULTISTART_STACK)
    command = (f"from lib.test.vot_trax import main; sys.exit(main(['--tracker', 'siamattn', '--param', "
               f"{str(config)!r}, '--checkpoint', {str(checkpoint)!r}]))")
    (workspace / "trackers.ini").write_text(f"[masks]\nlabel = masks\nprotocol = traxpython\ncommand = {command}\n"
                                            f"paths = {REPO_ROOT}\npython = {sys.executable}\n")
    _toolkit(toolkit_python, "evaluate", "--workspace", str(workspace), "masks", cwd=workspace)
    save_settings(Settings(vot22_dir=str(workspace), results_dir=str(tmp_path / "native")), tmp_path / "settings.yaml")
    assert run_test_py(["siamattn", str(config), "--dataset", "vot22", "--settings", str(tmp_path / "settings.yaml"),
                        "--checkpoint", str(checkpoint), "--no-progress", "--torch-threads", "1"]) == 0
    native = tmp_path / "native" / "siamattn" / "tiny_mask" / "vot22"
    assert _same_trajectories(native, workspace / "results" / "masks" / "baseline") == 4
    answers = [line for path in native.glob("*/*.txt") for line in path.read_text().splitlines()[1:]]
    assert answers and all(line.startswith("m") for line in answers)
