"""tracking/train.py --tracker siamattn on tiny COCO (with masks) and YouTube-VOS roots written in their
on-disk formats: annotations without a mask train with mask loss weight 0; unusable boxes and missing
files stop the run with one line naming the file before the first step."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.conftest import REPO_ROOT

IMAGE_SHAPE = (160, 200)
# The tiny experiment narrowed further (as in tests/train/test_siamattn_training.py), with the mask branch.
MICRO = ["MODEL.CHANNELS=16", "MODEL.DEFORM_FC_CHANNELS=16", "MODEL.FC_CHANNELS=16", "MODEL.MASK=true",
         "TRAIN.EPOCH=1", "TRAIN.BATCH_SIZE=2", "TRAIN.LR_WARMUP.WARMUP=false", "DATA.TRAIN.SAMPLE_PER_EPOCH=4",
         "DATA.TRAIN.DATASETS_RATIO=[1]"]


def _train(tmp_path: Path, dataset: str, setting: str, workers: int = 0) -> subprocess.CompletedProcess:
    (tmp_path / "empty_settings.yaml").write_text("")  # isolates the run from ./settings.yaml
    env = dict(os.environ, OMP_NUM_THREADS="1", AIATRACK_SETTINGS=str(tmp_path / "empty_settings.yaml"))
    overrides = [*MICRO, f"TRAIN.NUM_WORKER={workers}", f"DATA.TRAIN.DATASETS_NAME=[{dataset}]",
                 f"DATA.TRAIN.FRAME_RANGE=[{1 if dataset.startswith('COCO') else 5}]"]
    return subprocess.run([sys.executable, str(REPO_ROOT / "tracking" / "train.py"), "--tracker", "siamattn",
                           "--config", "tiny", "--workspace", str(tmp_path / "ws"), f"--setting={setting}",
                           "--no-progress", *[f"--override={item}" for item in overrides]],
                          env=env, capture_output=True, text=True, timeout=600)


def _checkpoint(tmp_path: Path) -> Path:
    return tmp_path / "ws" / "checkpoints" / "train" / "siamattn" / "tiny" / "SIAMATTN_ep0001.pth.tar"


def _stopped_with_one_line(result: subprocess.CompletedProcess, tmp_path: Path) -> str:
    """The run exited 2 before any training step, with one error line and no traceback; that line."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "error" in line.lower() or "stopped" in line]
    assert len(errors) == 1, result.stderr
    assert not (tmp_path / "ws" / "checkpoints").exists()
    return errors[0]


# ------------------------------------------------------------------ COCO 2017


def _square(x: float, y: float, side: float) -> list[float]:
    return [x, y, x + side, y, x + side, y + side, x, y + side]


def write_coco(root: Path, layouts, annotations: list[dict]) -> Path:
    """``annotations/instances_train2017.json`` with two 160 x 200 images and ``annotations`` (ids from 1)."""
    images = [{"id": i, "file_name": f"{i:012d}.jpg", "width": IMAGE_SHAPE[1], "height": IMAGE_SHAPE[0]}
              for i in (1, 2)]
    for image in images:
        layouts.write_frame(root / "images" / "train2017" / image["file_name"], image["id"], 0, IMAGE_SHAPE)
    full = [dict({"id": k, "image_id": 1 + k % 2, "iscrowd": 0, "category_id": 1, "area": 1.0}, **ann)
            for k, ann in enumerate(annotations, start=1)]
    layouts.write_text(root / "annotations" / "instances_train2017.json",
                       json.dumps({"images": images, "annotations": full, "categories": [{"id": 1, "name": "x"}]}))
    return root / "annotations" / "instances_train2017.json"


def test_coco_annotations_without_a_polygon_train_with_mask_weight_zero(tmp_path, layouts):
    # real COCO holds both: an empty polygon list, and a polygon of two points (pycocotools takes it for a box)
    write_coco(tmp_path / "coco", layouts, [
        {"bbox": [30, 30, 90, 90], "segmentation": []},
        {"bbox": [40, 20, 80, 100], "segmentation": [[40, 20, 120, 120]]},
        {"bbox": [35, 25, 70, 70], "segmentation": [[35, 25, 105, 95], [35, 25, 105, 25, 105]]},
    ])
    result = _train(tmp_path, "COCO17_masks", f"coco_dir={tmp_path / 'coco'}")
    assert result.returncode == 0, result.stderr
    history = torch.load(_checkpoint(tmp_path), weights_only=True)["history"][0]
    assert history["mask"] == 0.0 and history["mask_iou"] == 0.0  # no sample had a mask to learn
    assert history["bbox"] > 0 and np.isfinite(history["total"])


def test_coco_without_a_box_of_positive_area_is_refused_at_build(tmp_path, layouts):
    annotation_file = write_coco(tmp_path / "coco", layouts, [
        {"bbox": [30, 30, 0, 0], "segmentation": [_square(30, 30, 60)]},
        {"bbox": [40, 20, 80, 0], "segmentation": [_square(40, 20, 60)]},
    ])
    line = _stopped_with_one_line(_train(tmp_path, "COCO17_masks", f"coco_dir={tmp_path / 'coco'}"), tmp_path)
    assert f"{annotation_file}: none of the 2 non-crowd annotations has a bbox of positive width" in line


def test_coco_without_a_visible_box_is_refused_at_build(tmp_path, layouts):
    # positive areas, but no box wider and taller than 50 px: SiamAttn can draw no pair
    write_coco(tmp_path / "coco", layouts, [{"bbox": [30, 30, 40, 40], "segmentation": [_square(30, 30, 40)]}])
    line = _stopped_with_one_line(_train(tmp_path, "COCO17_masks", f"coco_dir={tmp_path / 'coco'}"), tmp_path)
    assert "training dataset COCO17_masks: none of its 1 sequence(s) has a frame with the target visible" in line


# ------------------------------------------------------------------ YouTube-VOS


def write_ytbvos(root: Path, layouts) -> None:
    """Two videos of three annotated frames, one object each, in the YouTube-VOS train layout."""
    meta = {"videos": {}}
    for v, video in enumerate(("0a1b2c3d4e", "5f6a7b8c9d")):
        frames = ["00000", "00005", "00010"]
        for k, frame in enumerate(frames):
            labels = np.zeros(IMAGE_SHAPE, np.uint8)
            labels[40 + 5 * k:110 + 5 * k, 50:130] = 1
            layouts.write_palette_png(root / "train" / "Annotations" / video / f"{frame}.png", labels)
            layouts.write_frame(root / "train" / "JPEGImages" / video / f"{frame}.jpg", v, k, IMAGE_SHAPE)
        meta["videos"][video] = {"objects": {"1": {"category": "cat", "frames": frames}}}
    layouts.write_text(root / "train" / "meta.json", json.dumps(meta))


@pytest.mark.parametrize("missing", ["JPEGImages/5f6a7b8c9d/00010.jpg", "Annotations/0a1b2c3d4e/00005.png"])
def test_missing_youtube_vos_file_is_found_before_the_first_step(tmp_path, layouts, missing):
    write_ytbvos(tmp_path / "ytbvos", layouts)
    path = tmp_path / "ytbvos" / "train" / missing
    path.unlink()
    line = _stopped_with_one_line(_train(tmp_path, "YTBVOS", f"ytbvos_dir={tmp_path / 'ytbvos'}", workers=1),
                                  tmp_path)
    assert "data loader worker" not in line  # found when the dataset was built, not by a worker in epoch 1
    assert str(path) in line and "1 frame or annotation file(s) listed in meta.json missing" in line
