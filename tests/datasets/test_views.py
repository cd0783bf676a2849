"""The training and benchmark views of one dataset module agree on the same files (tiny LaSOT, real layout)."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from lib.datasets.storage import DirectorySource
from lib.test.evaluation import load_benchmark
from lib.train.dataset import Lasot
from lib.utils.settings import Settings

SEQUENCES = {  # name: (x,y,w,h lines, full_occlusion, out_of_view)
    "airplane-10": (["10,20,30,40", "11,21,30,40", "0,0,0,0", "12.5,22,30,41"], "0,1,0,0", "0,0,1,0"),
    "rubicCube-7": (["1.25,2,3,4", "2,3,4,5"], "0,0", "0,0"),
}


def _write_lasot(root: Path) -> None:
    image = np.full((6, 8, 3), 90, dtype=np.uint8)
    for name, (boxes, occlusion, out_of_view) in SEQUENCES.items():
        folder = root / name.rsplit("-", 1)[0] / name
        (folder / "img").mkdir(parents=True)
        for i in range(1, len(boxes) + 1):
            cv2.imwrite(str(folder / "img" / f"{i:08d}.jpg"), image)
        (folder / "groundtruth.txt").write_text("\n".join(boxes) + "\n")
        (folder / "full_occlusion.txt").write_text(occlusion)
        (folder / "out_of_view.txt").write_text(out_of_view)


def test_lasot_training_and_benchmark_views_read_the_same_annotations(tmp_path: Path) -> None:
    _write_lasot(tmp_path)
    names = list(SEQUENCES)
    training = Lasot(DirectorySource(tmp_path), sequence_names=names)
    benchmark = load_benchmark("lasot", Settings(lasot_dir=str(tmp_path)), split="train", sequences=names)
    assert [s.name for s in benchmark] == training.sequence_names == names
    for seq_id, (sequence, (boxes, occlusion, out_of_view)) in enumerate(zip(benchmark, SEQUENCES.values())):
        expected = np.array([[float(v) for v in line.split(",")] for line in boxes])
        present = np.array([o == "0" and v == "0" for o, v in zip(occlusion.split(","), out_of_view.split(","))])
        np.testing.assert_array_equal(sequence.ground_truth_xywh, expected)
        annotation = training.sequence_annotation(seq_id)
        np.testing.assert_array_equal(annotation.boxes_xywh.numpy(), expected.astype(np.float32))
        np.testing.assert_array_equal(sequence.target_visible, present)
        valid = (expected[:, 2] > 0) & (expected[:, 3] > 0)
        np.testing.assert_array_equal(annotation.visible.numpy(), present & valid)
        frames = [str(tmp_path / training.frame_file(seq_id, i)) for i in range(len(expected))]
        assert sequence.frames == frames
