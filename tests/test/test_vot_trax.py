"""TraX region conversion of the VOT toolkit entry (vot-trax 4.x objects, no toolkit needed)."""
import numpy as np
import pytest

from lib.test.evaluation.vot import MaskRegion, PolygonRegion, RectangleRegion
from lib.test.vot_trax import from_trax, parse_args, to_trax
from lib.utils.cli import torch_threads

trax_region = pytest.importorskip("trax.region", reason="vot-trax (requirements.txt) is not installed")


def test_regions_from_trax():
    assert from_trax(trax_region.Rectangle.create(1.5, 2, 30, 40)) == RectangleRegion(1.5, 2, 30, 40)
    polygon = from_trax(trax_region.Polygon.create([(0, 0), (4, 0.5), (2, 3)]))
    np.testing.assert_array_equal(polygon.points, [[0, 0], [4, 0.5], [2, 3]])
    mask = from_trax(trax_region.Mask.create(np.array([[0, 1, 1], [1, 0, 0]], dtype=np.uint8), x=5, y=7))
    assert isinstance(mask, MaskRegion) and (mask.x0, mask.y0) == (5, 7)
    np.testing.assert_array_equal(mask.mask, [[False, True, True], [True, False, False]])


def test_regions_to_trax():
    assert to_trax(RectangleRegion(1, 2, 3, 4)).bounds() == (1, 2, 3, 4)
    back = to_trax(PolygonRegion(np.array([[0, 0], [4, 0.5], [2, 3]])))
    assert back.type == trax_region.Region.POLYGON and list(back) == [(0, 0), (4, 0.5), (2, 3)]
    mask = to_trax(MaskRegion(5, 7, np.array([[False, True, True], [True, False, False]])))
    assert mask.type == trax_region.Region.MASK and mask.offset() == (5, 7)
    np.testing.assert_array_equal(mask.array(), [[0, 1, 1], [1, 0, 0]])


def test_defaults_serve_the_embedded_aiatrack_on_one_thread(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    args = parse_args([])
    assert (args.tracker, args.param, args.checkpoint, args.init, torch_threads(args.torch_threads)) == \
        ("aiatrack", None, None, "area", 1)


@pytest.mark.parametrize("argv, named, problem", [
    (["--tracker", "siamattn", "--param", "vot2018"], "siamattn_tiny_synthetic.pth", "MODEL.BACKBONE.TYPE"),
    (["--tracker", "siamattn", "--checkpoint", "checkpoints/aiatrack_tiny_synthetic.pth.tar"],
     "aiatrack_tiny_synthetic.pth.tar", "AiATrack"),
    (["--tracker", "siamattn", "--checkpoint", "absent.pth"], "absent.pth", "not found"),
])
def test_weights_that_do_not_fit_stop_the_entry_in_one_line(argv, named, problem, capsys, monkeypatch):
    from lib.config.loader import REPO_ROOT
    from lib.test.vot_trax import main

    monkeypatch.chdir(REPO_ROOT)
    assert main(argv) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()  # before any TraX handshake
    assert line.startswith("vot_trax: error: ") and named in line and problem in line
