"""tracking/dev/tracker_speed.py: a single timing run and the side-by-side mode (two processes, alternating blocks)."""
from __future__ import annotations

import re

import numpy as np
import pytest

from tests.conftest import REPO_ROOT
from tracking.dev.tracker_speed import main


def test_single_run_prints_a_median(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", "tiny", "--frames", "5", "--warmup", "1", "--height", "96", "--width", "128",
                 "--torch-threads", "1"]) == 0
    assert re.search(r"torch threads 1: median [0-9.]+ ms/frame", capsys.readouterr().out)


def test_the_eager_engine_can_be_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", "tiny", "--frames", "5", "--warmup", "1", "--height", "96", "--width", "128",
                 "--torch-threads", "1", "--engine", "eager"]) == 0
    assert re.search(r"torch threads 1: median [0-9.]+ ms/frame", capsys.readouterr().out)


@pytest.mark.parametrize("engine", ["graphs", "compile"])
def test_a_cuda_engine_is_refused_on_the_cpu_before_any_work(engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", "tiny", "--engine", engine]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (f"error: the {engine} engine runs on CUDA devices only, not cpu; "
                            "use the eager engine there\n")


def test_side_by_side_times_both_sides_and_prints_the_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    side = f"a={REPO_ROOT}"
    other = f"b={REPO_ROOT} --precision fp32"
    assert main(["--config", "tiny", "--frames", "8", "--warmup", "1", "--block", "3", "--height", "96",
                 "--width", "128", "--torch-threads", "1", "--side", side, "--side", other]) == 0
    out = capsys.readouterr().out
    assert f"side a: lib from {REPO_ROOT / 'lib'}" in out
    # 6 timed frames each, alternating in blocks of 3 and 3; the ratio is b's median over a's
    medians = {m.group(1): float(m.group(2)) for m in re.finditer(r"^\s+(\w+): median ([0-9.]+) ms", out, re.M)}
    ratio = float(re.search(r"ratio to a ([0-9.]+)", out).group(1))
    assert set(medians) == {"a", "b"}
    assert ratio == pytest.approx(medians["b"] / medians["a"], rel=0.02, abs=0.002)


def test_side_by_side_rejects_a_folder_without_lib(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", "tiny", "--frames", "4", "--warmup", "1", "--side", f"x={tmp_path}"]) == 2
    assert "expected LABEL=CHECKOUT" in capsys.readouterr().err


def test_side_by_side_refuses_a_checkout_without_tracker_plugins(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    """A checkout from before lib/trackers cannot run this script's side process: one line, nothing started."""
    (tmp_path / "lib").mkdir()
    assert main(["--config", "tiny", "--frames", "4", "--warmup", "1", "--side", f"old={tmp_path}"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no tracker plug-ins (lib/trackers/)" in err and str(tmp_path / "lib") in err


def test_siamattn_single_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--tracker", "siamattn", "--config", "tiny", "--frames", "4", "--warmup", "1", "--height", "96",
                 "--width", "128", "--torch-threads", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("siamattn (tiny,")
    assert re.search(r"torch threads 1: median [0-9.]+ ms/frame", out)


def test_reduced_precision_is_refused_for_siamattn_before_any_work(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--tracker", "siamattn", "--precision", "bf16"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing was set up or timed
    assert captured.err.count("\n") == 1 and "TEST.PRECISION must be one of fp32, tf32 for siamattn" in captured.err


def test_batch_steps_every_video_with_its_own_tracker() -> None:
    from lib.test.evaluation import tracking_traits
    from lib.trackers import get_plugin, load_tracker
    from lib.trackers.weights import resolve_config
    from lib.utils.synthetic import render_video
    from tracking.dev.tracker_speed import time_batch

    factory = load_tracker("aiatrack", resolve_config("tiny", "aiatrack"), None, "cpu")
    videos = [render_video(2022, i, num_frames=6, height=96, width=128, min_size=12, max_size=40) for i in range(3)]
    trackers = [factory(tracking_traits("lasot")) for _ in videos]
    seconds, boxes = time_batch(trackers, get_plugin("aiatrack").track_batch, videos, 1, lambda: None)
    assert len(seconds) == 4  # 5 steps, the first left out
    for video, box in zip(videos, boxes):  # each tracker followed its own video: a lone run gives its box
        alone = factory(tracking_traits("lasot"))
        alone.initialize(video.frames[0], {"init_bbox": video.boxes_xywh[0].tolist()})
        for frame in video.frames[1:]:
            last = alone.track(frame)["target_bbox"]
        np.testing.assert_allclose(box, last, atol=1e-3)


def test_batch_prints_the_aggregate_speed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", "tiny", "--frames", "5", "--warmup", "1", "--height", "96", "--width", "128",
                 "--torch-threads", "1", "--batch", "2"]) == 0
    assert re.search(r"batch 2: median [0-9.]+ ms/step, [0-9.]+ frames/s aggregate", capsys.readouterr().out)


def test_frame_flops_counts_the_network_of_one_frame() -> None:
    from lib.test.evaluation import tracking_traits
    from lib.trackers import load_tracker
    from lib.trackers.weights import resolve_config
    from lib.utils.synthetic import render_video
    from tracking.dev.tracker_speed import frame_flops

    factory = load_tracker("aiatrack", resolve_config("tiny", "aiatrack"), None, "cpu")
    video = render_video(2022, 0, num_frames=3, height=96, width=128, min_size=12, max_size=40)
    flops = frame_flops(factory(tracking_traits("lasot")), video)
    again = frame_flops(factory(tracking_traits("lasot")), video)
    assert flops > 0 and flops == again  # a frame's work does not depend on timing or state left by another tracker
