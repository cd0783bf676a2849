"""Your own data (docs/custom-data.md, README "Your own data"): raw files -> convert_dataset.py -> train.py ->
test.py --dataset custom --root -> analysis_results.py, and the converters' outputs and one-line errors."""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from lib.utils.synthetic import SyntheticVideo, render_videos
from tests.conftest import REPO_ROOT
from tracking import analysis_results, convert_dataset, test as test_py, train, video_demo

# The tiny experiment shrunk further (64 px crops), trained on the CUSTOM dataset only.
MICRO = {"MODEL": {"HIDDEN_DIM": 32, "AIA": {"MATCH_DIM": 16, "FEAT_SIZE": 16},
                   "TRANSFORMER": {"DIM_FEEDFORWARD": 64}},
         "DATA": {"SEARCH": {"SIZE": 64}, "TRAIN": {"DATASETS_NAME": ["CUSTOM"], "DATASETS_RATIO": [1],
                                                   "SAMPLE_PER_EPOCH": 4}},
         "TRAIN": {"BATCH_SIZE": 2, "NUM_WORKER": 0, "EPOCH": 1}, "TEST": {"SEARCH_SIZE": 64, "EPOCH": 1}}


def _merge(base: dict, extra: dict) -> dict:
    return {**base, **{k: _merge(base.get(k, {}), v) if isinstance(v, dict) else v for k, v in extra.items()}}


def _videos() -> list[SyntheticVideo]:
    return list(render_videos(seed=5, count=2, num_frames=24, height=96, width=128, min_size=16, max_size=40))


def _write_avi(path: Path, frames: np.ndarray) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (frames.shape[2], frames.shape[1]))
    for rgb in frames:
        writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    writer.release()


def _box_line(box: np.ndarray) -> str:
    return ",".join(f"{v:g}" for v in box)


def _raw_files(tmp: Path, videos: list[SyntheticVideo]) -> dict[str, Path]:
    """A video + CSV of first boxes; the same video annotated in CVAT XML; a MOT sequence with two ids."""
    first, second = videos
    (tmp / "clips").mkdir()
    _write_avi(tmp / "clips" / "walk.avi", first.frames)
    (tmp / "boxes.csv").write_text("video,x,y,w,h\nwalk.avi," + _box_line(first.boxes_xywh[0]) + "\n")
    boxes = "".join(f'    <box frame="{i}" xtl="{x}" ytl="{y}" xbr="{x + w}" ybr="{y + h}" '
                    f'outside="{int(i in (6, 7))}" occluded="0" keyframe="1"/>\n'
                    for i, (x, y, w, h) in enumerate(first.boxes_xywh))
    (tmp / "walk.xml").write_text(f'<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n  <version>1.1</version>\n'
                                  f'  <track id="0" label="car" source="manual">\n{boxes}  </track>\n</annotations>\n')
    mot = tmp / "MOT-01"
    (mot / "img1").mkdir(parents=True)
    (mot / "gt").mkdir()
    for i, rgb in enumerate(second.frames, start=1):
        cv2.imwrite(str(mot / "img1" / f"{i:06d}.jpg"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    rows = [f"{i},1,{_box_line(b)},1,1,1" for i, b in enumerate(second.boxes_xywh, start=1) if i not in (9, 10)]
    rows += [f"{i},2,5,6,20,24,1,1,1" for i in range(3, 12)]  # a second target, frames 3..11
    (mot / "gt" / "gt.txt").write_text("\n".join(rows) + "\n")
    return {"csv": tmp / "boxes.csv", "xml": tmp / "walk.xml", "gt": mot / "gt" / "gt.txt"}


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Continuous IoU of [x, x+w) x [y, y+h) boxes, row by row."""
    w = np.clip(np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0, None)
    h = np.clip(np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0, None)
    inter = w * h
    return inter / (a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter)


def _brute_force_auc(root: Path, results: Path) -> float:
    """Mean over sequences of the mean over 21 thresholds of #{IoU > t} / #frames with a non-empty box."""
    per_sequence = []
    for name in (root / "list.txt").read_text().split():
        gt = np.loadtxt(root / name / "groundtruth.txt", delimiter=",", ndmin=2)
        pred = np.loadtxt(results / f"{name}.txt", delimiter=",", ndmin=2)
        pred[0] = gt[0]
        valid = (gt[:, 2] > 0) & (gt[:, 3] > 0)
        iou = _iou(pred[valid], gt[valid])
        per_sequence.append(np.mean([(iou > t).mean() for t in np.linspace(0, 1, 21)]))
    return 100 * float(np.mean(per_sequence))


def test_raw_files_to_trained_model_and_score(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    videos = _videos()
    raw = _raw_files(tmp_path, videos)
    mine, clips = tmp_path / "mine", tmp_path / "clips_root"
    assert convert_dataset.main(["mot", str(raw["gt"]), "--out", str(mine), "--no-progress"]) == 0
    assert convert_dataset.main(["cvat", str(raw["xml"]), "--frames", "clips/walk.avi", "--out", str(mine),
                                 "--no-progress"]) == 0
    assert convert_dataset.main(["videos", "clips", "--boxes", str(raw["csv"]), "--out", str(clips),
                                 "--no-progress"]) == 0
    assert (mine / "list.txt").read_text().split() == ["MOT-01_1", "MOT-01_2", "walk_0"]
    # MOT id 1: every frame, absent where its rows are missing; id 2: frames 3..11 only
    absence = np.loadtxt(mine / "MOT-01_1" / "absence.label", dtype=int)
    assert absence.tolist() == [int(i in (9, 10)) for i in range(1, 25)]
    assert len(list((mine / "MOT-01_2").glob("*.jpg"))) == 9
    assert np.loadtxt(mine / "walk_0" / "groundtruth.txt", delimiter=",")[6].tolist() == [0, 0, 0, 0]
    assert (clips / "walk" / "groundtruth.txt").read_text().count("\n") == 1
    assert len(list((clips / "walk").glob("*.jpg"))) == 24

    config = tmp_path / "micro.yaml"
    tiny = yaml.safe_load((REPO_ROOT / "experiments" / "aiatrack" / "tiny.yaml").read_text())
    config.write_text(yaml.safe_dump(_merge(tiny, MICRO)))
    (tmp_path / "settings.yaml").write_text("")
    common = ["--settings", str(tmp_path / "settings.yaml")]
    assert train.main(["--config", str(config), "--workspace", str(tmp_path / "work"), *common,
                       f"--setting=custom_dir={mine}", "--no-progress", "--device", "cpu"]) == 0
    checkpoint = next((tmp_path / "work").rglob("*_ep0001.pth.tar"))

    for root in (mine, clips):
        assert test_py.main(["aiatrack", str(config), "--dataset", "custom", "--root", str(root), "--checkpoint",
                             str(checkpoint), "--results-dir", str(tmp_path / root.name), *common,
                             "--no-progress"]) == 0
    results = tmp_path / "mine" / "aiatrack" / "micro"
    assert (tmp_path / "clips_root" / "aiatrack" / "micro" / "walk.txt").read_text().count("\n") == 24

    demo_boxes = tmp_path / "walk_demo.txt"  # the demo starts from the sequence's own first-frame box
    assert video_demo.main([str(clips / "walk"), "--checkpoint", str(checkpoint), "--config", str(config),
                            "--output", str(tmp_path / "walk_demo.mp4"), "--no-progress"]) == 0
    assert np.loadtxt(demo_boxes, delimiter=",")[0] == pytest.approx(np.loadtxt(clips / "walk" / "groundtruth.txt",
                                                                                 delimiter=","), abs=0.01)

    scores = tmp_path / "scores.json"
    assert analysis_results.main(["--results", f"mine={results}", "--dataset", "custom", "--root", str(mine),
                                  "--json", str(scores), "--no-plots", "--no-progress", *common]) == 0
    reported = json.loads(scores.read_text())["trackers"][0]
    assert sorted(reported["per_sequence"]) == ["MOT-01_1", "MOT-01_2", "walk_0"]
    assert reported["scores"]["AUC"] == pytest.approx(_brute_force_auc(mine, results), abs=1e-3)
    assert analysis_results.main(["--results", f"mine={results}", "--dataset", "custom", "--root", str(mine),
                                  "--protocol", "lasot-toolkit", "--no-plots", "--no-progress", *common]) == 0


def test_resume_skips_finished_sequences_and_redoes_partial_ones(tmp_path):
    raw = _raw_files(tmp_path, _videos())
    mine = tmp_path / "mine"
    args = ["mot", str(raw["gt"]), "--out", str(mine), "--no-progress"]
    assert convert_dataset.main(args) == 0
    finished = mine / "MOT-01_1" / "00000001.jpg"
    finished.write_bytes(b"kept")  # a finished sequence is not written again
    (mine / "MOT-01_2").rename(mine / ".MOT-01_2.partial")  # as if interrupted while writing it
    assert convert_dataset.main(args) == 0
    assert finished.read_bytes() == b"kept"
    assert len(list((mine / "MOT-01_2").glob("*.jpg"))) == 9 and not (mine / ".MOT-01_2.partial").exists()
    assert (mine / "list.txt").read_text().split() == ["MOT-01_1", "MOT-01_2"]


@pytest.mark.parametrize("kind, corrupt, line", [
    ("gt", lambda text: text.replace("\n", "\n3,1,4,5\n", 1), 2),
    ("gt", lambda text: text.replace("\n", "\n3,1,4,5,0,-2,1,1,1\n", 1), 2),
    ("xml", lambda text: text.replace('xtl="', 'xtl="x', 1), 5),
    ("xml", lambda text: text.replace("</track>", ""), 30),
    ("csv", lambda text: text.replace("walk.avi,", "walk.avi,1,"), 2),
])
def test_bad_annotation_is_one_line_naming_file_and_line(tmp_path, capsys, kind, corrupt, line):
    raw = _raw_files(tmp_path, _videos())
    raw[kind].write_text(corrupt(raw[kind].read_text()))
    command = {"gt": ["mot", str(raw["gt"])], "xml": ["cvat", str(raw["xml"]), "--frames", str(tmp_path / "clips")],
               "csv": ["videos", str(tmp_path / "clips"), "--boxes", str(raw["csv"])]}[kind]
    assert convert_dataset.main([*command, "--out", str(tmp_path / "mine"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert f"{raw[kind]}: line {line}:" in err
    assert not (tmp_path / "mine").exists()  # checked before any frame is written


def test_json_boxes_and_a_missing_video(tmp_path, capsys):
    _raw_files(tmp_path, _videos())
    boxes = tmp_path / "boxes.json"
    boxes.write_text(json.dumps({"walk.avi": [10, 12, 20, 22]}))
    assert convert_dataset.main(["videos", str(tmp_path / "clips"), "--boxes", str(boxes), "--out",
                                 str(tmp_path / "out"), "--no-progress"]) == 0
    assert (tmp_path / "out" / "walk" / "groundtruth.txt").read_text() == "10,12,20,22\n"
    boxes.write_text(json.dumps({"run.mp4": [10, 12, 20, 22]}))
    assert convert_dataset.main(["videos", str(tmp_path / "clips"), "--boxes", str(boxes), "--out",
                                 str(tmp_path / "out"), "--no-progress"]) == 2
    assert f"{boxes}: names 'run.mp4'" in capsys.readouterr().err


def test_custom_root_without_list_and_bad_label_line(tmp_path):
    from lib.test.evaluation import load_benchmark
    from lib.utils.settings import load_settings

    raw = _raw_files(tmp_path, _videos())
    mine = tmp_path / "mine"
    assert convert_dataset.main(["mot", str(raw["gt"]), "--out", str(mine), "--no-progress"]) == 0
    (mine / "list.txt").unlink()
    (mine / "MOT-01_2" / "absence.label").unlink()
    (mine / "MOT-01_2" / "cover.label").unlink()
    settings = load_settings(None, {"custom_dir": str(mine)})
    sequences = load_benchmark("custom", settings)
    assert [s.name for s in sequences] == ["MOT-01_1", "MOT-01_2"]
    assert sequences[0].target_visible.tolist() == [i not in (9, 10) for i in range(1, 25)]
    assert sequences[1].target_visible is None and len(sequences[1]) == 9
    label = mine / "MOT-01_1" / "cover.label"
    label.write_text(label.read_text().replace("8\n", "x\n", 1))
    with pytest.raises(ValueError, match=f"{label}: line 1: expected one integer"):
        load_benchmark("custom", settings)


def test_training_reads_a_custom_root_raw_and_as_lmdb(tmp_path):
    from lib.train.dataset import build_training_datasets
    from lib.utils.settings import load_settings
    from tracking import create_lmdb

    raw = _raw_files(tmp_path, _videos())
    mine = tmp_path / "mine"
    assert convert_dataset.main(["mot", str(raw["gt"]), "--out", str(mine), "--no-progress"]) == 0
    assert create_lmdb.main(["custom", "--source", str(mine), "--output", str(tmp_path / "lmdb")]) == 0
    settings = load_settings(None, {"custom_dir": str(mine), "custom_lmdb_dir": str(tmp_path / "lmdb")})
    folder, lmdb = build_training_datasets(["CUSTOM", "CUSTOM_lmdb"], settings)
    for dataset in (folder, lmdb):
        assert dataset.sequence_names == ["MOT-01_1", "MOT-01_2"]
        annotation = dataset.sequence_annotation(0)
        assert annotation.visible.tolist() == [i not in (9, 10) for i in range(1, 25)]
    assert np.array_equal(folder.get_frames(0, [3], None)[0][0], lmdb.get_frames(0, [3], None)[0][0])
    named = build_training_datasets([f"CUSTOM:{mine}", f"CUSTOM_lmdb:{tmp_path / 'lmdb'}"], load_settings(None, {}))
    assert [len(dataset) for dataset in named] == [2, 2]
    (mine / "list.txt").write_text("MOT-01_1\nMOT-01_3\n")
    with pytest.raises(FileNotFoundError, match="MOT-01_3/groundtruth.txt"):
        build_training_datasets(["CUSTOM"], settings)


def test_annotations_beyond_the_last_frame_are_refused_before_writing(tmp_path, capsys):
    raw = _raw_files(tmp_path, _videos())
    raw["gt"].write_text(raw["gt"].read_text() + "30,1,4,5,20,20,1,1,1\n")
    assert convert_dataset.main(["mot", str(raw["gt"]), "--out", str(tmp_path / "mine"), "--no-progress"]) == 2
    assert "img1: 24 frame(s), but MOT-01_1 is annotated up to frame 30" in capsys.readouterr().err
    assert not (tmp_path / "mine").exists()
    (tmp_path / "clips" / "walk.mp4").write_bytes(b"")
    raw["csv"].write_text(raw["csv"].read_text() + "walk.mp4,1,2,3,4\n")
    assert convert_dataset.main(["videos", str(tmp_path / "clips"), "--boxes", str(raw["csv"]), "--out",
                                 str(tmp_path / "mine"), "--no-progress"]) == 2
    assert "'walk.avi' and 'walk.mp4' would both be the sequence 'walk'" in capsys.readouterr().err
