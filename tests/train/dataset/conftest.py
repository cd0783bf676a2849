"""Tiny training datasets written in the exact raw layouts (real JPEGs and annotation files).

Every frame is a solid colour that encodes (sequence, frame), so a test can tell from the pixels
alone which file was read, independently of the loader.
"""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

FRAME_SHAPE = (24, 32)


def frame_colour(seq: int, frame: int) -> tuple[int, int, int]:
    """RGB colour of frame ``frame`` of sequence ``seq`` in the synthetic datasets."""
    return (20 + (37 * seq + 11 * frame) % 200, 20 + (53 * frame) % 200, 20 + (71 * seq) % 200)


def write_frame(path: Path, seq: int, frame: int, shape: tuple[int, int] = FRAME_SHAPE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rgb = np.empty((*shape, 3), np.uint8)
    rgb[:] = frame_colour(seq, frame)
    assert cv2.imwrite(str(path), rgb[:, :, ::-1].copy(), [cv2.IMWRITE_JPEG_QUALITY, 95])


def write_palette_png(path: Path, labels: np.ndarray) -> None:
    """A YouTube-VOS annotation: palette (mode P) PNG whose pixel values are the object ids."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.fromarray(labels.astype(np.uint8), mode="P")
    image.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0] + [0] * (256 * 3 - 9))
    image.save(path)


def assert_frame_is(image: np.ndarray, seq: int, frame: int) -> None:
    """The decoded image is the synthetic frame (seq, frame): shape and colour within JPEG error."""
    assert image.shape == (*FRAME_SHAPE, 3) and image.dtype == np.uint8
    mean = image.reshape(-1, 3).mean(axis=0)
    assert np.abs(mean - np.array(frame_colour(seq, frame))).max() < 3, (mean, frame_colour(seq, frame))


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


# LaSOT: two sequences; the second is described in the tests by hand.
LASOT_SEQUENCES = {
    "airplane-1": {"gt": ["10,20,30,40", "11,21,30,40", "12,22,31,41"],
                   "occlusion": "0,0,0", "out_of_view": "0,0,0"},
    "rubicCube-7": {"gt": ["10,20,30,40", "0,0,0,0", "5,6,7,8", "1,2,0,5"],
                    "occlusion": "0,1,0,0", "out_of_view": "0,0,1,0"},
}


@pytest.fixture(scope="session")
def lasot_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("LaSOT")
    for s, (name, seq) in enumerate(LASOT_SEQUENCES.items()):
        folder = root / name.split("-")[0] / name
        write_text(folder / "groundtruth.txt", "\n".join(seq["gt"]) + "\n")
        write_text(folder / "full_occlusion.txt", seq["occlusion"])
        write_text(folder / "out_of_view.txt", seq["out_of_view"] + "\n")
        write_text(folder / "nlp.txt", "a test object\n")
        for f in range(len(seq["gt"])):
            write_frame(folder / "img" / f"{f + 1:08d}.jpg", s, f)
    return root


# GOT-10k: list.txt deliberately not in numeric order; the folder name carries the colour seed.
GOT10K_LIST = ["GOT-10k_Train_000003", "GOT-10k_Train_000001", "GOT-10k_Train_000004", "GOT-10k_Train_000002"]
GOT10K_SEQUENCES = {
    name: {"gt": ["816.4176,445.2819,292.6381,194.1479", "1.5,2.5,3.25,4.0", "7.0,8.0,0.0,9.0"],
           "absence": ["0", "1", "0"], "cover": ["8", "8", "5"]}
    for name in GOT10K_LIST
}
GOT10K_SEQUENCES["GOT-10k_Train_000004"] = {"gt": ["1,2,3,4", "5,6,7,8", "9,10,11,12", "13,14,15,16"],
                                            "absence": ["0", "0", "1", "0"], "cover": ["8", "0", "8", "3"]}


def got10k_seed(name: str) -> int:
    return int(name[-6:])


@pytest.fixture(scope="session")
def got10k_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("GOT10k")
    write_text(root / "train" / "list.txt", "\n".join(GOT10K_LIST) + "\n")
    for name, seq in GOT10K_SEQUENCES.items():
        folder = root / "train" / name
        write_text(folder / "groundtruth.txt", "\n".join(seq["gt"]) + "\n")
        write_text(folder / "absence.label", "\n".join(seq["absence"]) + "\n")
        write_text(folder / "cover.label", "\n".join(seq["cover"]) + "\n")
        write_text(folder / "cut_by_image.label", "\n".join("0" for _ in seq["gt"]) + "\n")
        write_text(folder / "meta_info.ini", "[METAINFO]\nurl: x\nbegin: 0\nend: 1\nanno_fps: 10Hz\n"
                                             "object_class: blob\nmotion_class: drifting\nmajor_class: shape\n"
                                             "root_class: object\nmotion_adverb: slowly\nresolution: (32, 24)\n")
        for f in range(len(seq["gt"])):
            write_frame(folder / f"{f + 1:08d}.jpg", got10k_seed(name), f)
    return root


# TrackingNet: chunk 0 with two sequences (one of 65 frames), chunk 2 with one.
TRACKINGNET_SEQUENCES = {0: {"AbCdEfGhIjK_0": 65, "ZyXwVuTsRqP_3": 3}, 2: {"MnOpQrStUvW_1": 31}}
TRACKINGNET_ZERO_WIDTH_FRAME = 30  # frame 30 of AbCdEfGhIjK_0 has w = 0


def trackingnet_box(frame: int, seq_name: str) -> list[float]:
    width = 0.0 if (seq_name == "AbCdEfGhIjK_0" and frame == TRACKINGNET_ZERO_WIDTH_FRAME) else 20.5
    return [1.25 * frame, 2.0, width, 10.75]


def trackingnet_seed(chunk: int, index: int) -> int:
    return 10 * chunk + index


@pytest.fixture(scope="session")
def trackingnet_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("TrackingNet")
    for chunk, sequences in TRACKINGNET_SEQUENCES.items():
        for index, (name, length) in enumerate(sequences.items()):
            lines = [",".join(str(v) for v in trackingnet_box(f, name)) for f in range(length)]
            write_text(root / f"TRAIN_{chunk}" / "anno" / f"{name}.txt", "\n".join(lines) + "\n")
            for f in range(length):
                write_frame(root / f"TRAIN_{chunk}" / "frames" / name / f"{f}.jpg", trackingnet_seed(chunk, index), f)
        (root / f"TRAIN_{chunk}" / "zips").mkdir()
    return root


# COCO: two images; annotation 13 is a crowd, the others are one-frame sequences.
COCO_ANNOTATIONS = [
    {"id": 11, "image_id": 1, "bbox": [1.5, 2.25, 60.0, 70.0], "iscrowd": 0, "category_id": 3},   # valid
    {"id": 12, "image_id": 2, "bbox": [0.0, 0.0, 40.0, 80.0], "iscrowd": 0, "category_id": 3},    # too narrow
    {"id": 13, "image_id": 1, "bbox": [5.0, 5.0, 90.0, 90.0], "iscrowd": 1, "category_id": 3},    # crowd
    {"id": 14, "image_id": 1, "bbox": [3.0, 4.0, 51.0, 50.0], "iscrowd": 0, "category_id": 5},    # h = 50
]
COCO_IMAGES = {1: "000000000001.jpg", 2: "000000000002.jpg"}


@pytest.fixture(scope="session")
def coco_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("COCO")
    annotations = []
    for ann in COCO_ANNOTATIONS:
        x, y, w, h = ann["bbox"]
        annotations.append(dict(ann, area=w * h, segmentation=[[x, y, x + w, y, x + w, y + h, x, y + h]]))
    instances = {
        "images": [{"id": i, "file_name": f, "width": FRAME_SHAPE[1], "height": FRAME_SHAPE[0]}
                   for i, f in COCO_IMAGES.items()],
        "annotations": annotations,
        "categories": [{"id": 3, "name": "car", "supercategory": "vehicle"},
                       {"id": 5, "name": "airplane", "supercategory": "vehicle"}],
    }
    write_text(root / "annotations" / "instances_train2017.json", json.dumps(instances))
    for image_id, file_name in COCO_IMAGES.items():
        write_frame(root / "images" / "train2017" / file_name, image_id, 0)
    return root


@pytest.fixture(scope="session")
def layouts():
    """This module's helpers and constants, for the tests (conftest modules are not importable)."""
    import sys

    return sys.modules[__name__]
