"""VOT2020 loader: list/sequence layout, RLE masks, rectangles, polygons, tags and anchors."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lib.test.evaluation import AnnotationError, DatasetLayoutError, load_benchmark
from lib.test.evaluation.init_boxes import check_init_boxes
from lib.test.evaluation.vot import MaskRegion, PolygonRegion, RectangleRegion, SpecialRegion, parse_region

# The mask of the spec's sample line m0,0,8,6,19,3,5,3,7,1,10 (runs start with zeros, row-major, w=8, h=6).
SAMPLE_MASK = np.array([[0, 0, 0, 0, 0, 0, 0, 0],
                        [0, 0, 0, 0, 0, 0, 0, 0],
                        [0, 0, 0, 1, 1, 1, 0, 0],
                        [0, 0, 0, 1, 1, 1, 0, 0],
                        [0, 0, 0, 0, 0, 1, 0, 0],
                        [0, 0, 0, 0, 0, 0, 0, 0]], dtype=bool)


def _write_sequence(root: Path, name: str, regions: list[str], write_frames) -> Path:
    seq_dir = root / name
    write_frames(seq_dir / "color", [f"{i:08d}.jpg" for i in range(1, len(regions) + 1)])
    (seq_dir / "groundtruth.txt").write_text("\n".join(regions) + "\n")
    (seq_dir / "sequence").write_text(f"channels.color=color/%08d.jpg\nfps=30\nformat=default\nname={name}\n")
    return seq_dir


@pytest.fixture
def vot_root(tmp_path: Path, write_frames) -> Path:
    root = tmp_path / "vot2020"
    seq_dir = _write_sequence(root, "synthseq", ["m0,0,8,6,19,3,5,3,7,1,10", "m10,20,8,6,19,3,5,3,7,1,10",
                                                  "m0,0,4,2,8", "0"], write_frames)
    (seq_dir / "anchor.value").write_text("1\n0\n0\n-1\n")
    (seq_dir / "occlusion.tag").write_text("0\n1\n")  # shorter than the sequence: padded with 0
    (seq_dir / "camera_motion.tag").write_text("")
    _write_sequence(root, "rectseq", ["10.5,20,30,40", "0,0,10,0,10,5,0,5", "nan,nan,nan,nan"], write_frames)
    (root / "list.txt").write_text("synthseq\nrectseq\n")
    return root


def test_mask_sequence(vot_root: Path, settings_for) -> None:
    seqs = load_benchmark("vot20", settings_for(vot20_dir=vot_root))
    assert [s.name for s in seqs] == ["synthseq", "rectseq"]
    seq = seqs[0]
    color = vot_root / "synthseq" / "color"
    assert seq.frames == [str(color / "00000001.jpg"), str(color / "00000002.jpg"), str(color / "00000003.jpg"),
                          str(color / "00000004.jpg")]
    # Tight boxes of the mask pixels: columns 3..5, rows 2..4 of the patch, shifted by the patch offset.
    np.testing.assert_array_equal(seq.ground_truth_xywh[:3], [[3, 2, 3, 3], [13, 22, 3, 3], [0, 0, 0, 0]])
    assert np.isnan(seq.ground_truth_xywh[3]).all()
    assert seq.target_visible.tolist() == [True, True, False, False]
    assert seq.dataset == "vot"
    np.testing.assert_array_equal(seq.extra["regions"][0].mask, SAMPLE_MASK)
    assert (seq.extra["regions"][1].x0, seq.extra["regions"][1].y0) == (10, 20)
    assert seq.extra["anchors"].tolist() == [1, 0, 0, -1]
    assert seq.extra["tags"]["occlusion"].tolist() == [False, True, False, False]
    assert seq.extra["tags"]["camera_motion"].tolist() == [False] * 4


def test_rectangle_and_polygon_sequence(vot_root: Path, settings_for) -> None:
    (seq,) = load_benchmark("vot20", settings_for(vot20_dir=vot_root), sequences=["rectseq"])
    np.testing.assert_array_equal(seq.ground_truth_xywh[:2], [[10.5, 20, 30, 40], [0, 0, 10, 5]])
    assert np.isnan(seq.ground_truth_xywh[2]).all()
    assert seq.target_visible.tolist() == [True, True, False]
    assert seq.extra["anchors"].tolist() == [0, 0, 0] and seq.extra["tags"] == {}


def test_workspace_root_is_accepted(tmp_path: Path, write_frames, settings_for) -> None:
    _write_sequence(tmp_path / "sequences", "one", ["1,2,3,4"], write_frames)
    (tmp_path / "sequences" / "list.txt").write_text("one\n")
    (seq,) = load_benchmark("vot20", settings_for(vot20_dir=tmp_path))
    assert seq.frames == [str(tmp_path / "sequences" / "one" / "color" / "00000001.jpg")]


def test_parse_region_kinds() -> None:
    assert parse_region("2") == SpecialRegion(2)
    assert parse_region("1.5,2,3,4") == RectangleRegion(1.5, 2, 3, 4)
    polygon = parse_region("0,0,4,0,4,3")
    assert isinstance(polygon, PolygonRegion)
    np.testing.assert_array_equal(polygon.points, [[0, 0], [4, 0], [4, 3]])
    # Runs may stop before the end of the patch; the rest is background.
    mask = parse_region("m1,1,3,2,1,2")
    assert isinstance(mask, MaskRegion)
    np.testing.assert_array_equal(mask.mask, [[0, 1, 1], [0, 0, 0]])
    for bad in ("1,2,3", "m0,0,2,2,5", "m0,0,2", "0.5"):
        with pytest.raises(ValueError):
            parse_region(bad)


def test_mask_to_image_clips_to_the_image() -> None:
    region = MaskRegion(-1, 1, np.array([[1, 0, 1], [1, 1, 1]], dtype=bool))
    expected = np.zeros((3, 2), dtype=bool)
    expected[1] = [False, True]  # patch column 0 lies at x = -1 (outside), column 2 at x = 1
    expected[2] = [True, True]
    np.testing.assert_array_equal(region.to_image(3, 2), expected)


def test_errors(vot_root: Path, settings_for) -> None:
    settings = settings_for(vot20_dir=vot_root)
    gt = vot_root / "synthseq" / "groundtruth.txt"
    gt.write_text("m0,0,8,6,19,3,5,3,7,1,10\nm0,0,2,2,5\n")
    with pytest.raises(AnnotationError, match="line 2: runs cover 5 pixels") as err:
        load_benchmark("vot20", settings, sequences=["synthseq"])
    assert str(gt) in str(err.value)
    gt.write_text("m0,0,4,2,8\n")
    with pytest.raises(AnnotationError, match="line 1: the first frame must have a non-empty region"):
        load_benchmark("vot20", settings, sequences=["synthseq"])
    sequence_file = vot_root / "rectseq" / "sequence"
    sequence_file.write_text("fps=30\nchannels.color=color/frame.jpg\n")  # no frame-number field
    with pytest.raises(AnnotationError, match="line 2: channels.color=color/frame.jpg") as err:
        load_benchmark("vot20", settings, sequences=["rectseq"])
    assert str(sequence_file) in str(err.value)
    (vot_root / "list.txt").write_text("synthseq\nrectseq\nagility\n")
    with pytest.raises(DatasetLayoutError, match="1 of 3") as err:
        load_benchmark("vot20", settings)
    assert str(vot_root / "agility") in str(err.value)


# The frame layouts vot-toolkit 0.7.4 loads (vot/dataset/common.py): channels.color as a folder (with or
# without the slash), no channels line (color/%08d.jpg), a Windows separator, no sequence file at all (legacy:
# frames in the sequence folder).
@pytest.mark.parametrize("sequence_text,frame_folder", [
    ("channels.color=color/\nfps=30\n", "color"),
    ("channels.color=color\n", "color"),
    ("fps=30\nformat=default\nname=seq\n", "color"),
    ("channels.color=color\\%08d.jpg\n", "color"),
    (None, ""),
], ids=["folder-slash", "folder", "no-channels-line", "backslash", "legacy"])
def test_toolkit_frame_layouts(tmp_path: Path, write_frames, settings_for, sequence_text, frame_folder) -> None:
    seq_dir = tmp_path / "seq"
    write_frames(seq_dir / frame_folder, ["00000001.jpg", "00000002.jpg", "00000003.jpg"])
    (seq_dir / "groundtruth.txt").write_text("1,2,3,4\n5,6,7,8\n1,1,2,2\n")
    if sequence_text is not None:
        (seq_dir / "sequence").write_text(sequence_text)
    (tmp_path / "list.txt").write_text("seq\n")
    (seq,) = load_benchmark("vot20", settings_for(vot20_dir=tmp_path))
    assert seq.frames == [str(seq_dir / frame_folder / f"0000000{i}.jpg") for i in (1, 2, 3)]


def test_color_folder_without_sequence_file_is_refused(tmp_path: Path, write_frames, settings_for) -> None:
    """The toolkit reads such a folder as the legacy layout and finds no frames; we say why, in one line."""
    seq_dir = tmp_path / "seq"
    write_frames(seq_dir / "color", ["00000001.jpg", "00000002.jpg"])
    (seq_dir / "groundtruth.txt").write_text("1,2,3,4\n5,6,7,8\n")
    (tmp_path / "list.txt").write_text("seq\n")
    with pytest.raises(DatasetLayoutError) as err:
        load_benchmark("vot20", settings_for(vot20_dir=tmp_path))
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{seq_dir / 'sequence'} not found") and str(seq_dir / "color") in message


def test_first_frame_box_outside_the_image_names_groundtruth_line_1(tmp_path: Path, write_frames,
                                                                     settings_for) -> None:
    gt = _write_sequence(tmp_path, "seq", ["20,30,4,4", "1,1,2,2"], write_frames) / "groundtruth.txt"
    (tmp_path / "list.txt").write_text("seq\n")
    sequences = load_benchmark("vot20", settings_for(vot20_dir=tmp_path))  # the frames are 8x6 pixels
    with pytest.raises(AnnotationError, match="lies entirely outside the 8x6 image") as err:
        check_init_boxes(sequences)
    assert str(err.value).startswith(f"{gt}, line 1: ")
