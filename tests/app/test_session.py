"""lib/app/session.py: several targets in one session track exactly as each target alone."""
import numpy as np
import pytest
import torch

from lib.app import TrackingSession, as_rgb_frame, open_session
from lib.utils.errors import AnnotationError

BOXES = ([20.0, 15.0, 30.0, 24.0], [70.0, 40.0, 26.0, 30.0], [5.0, 60.0, 20.0, 20.0])


def _alone(session: TrackingSession, frames, box, start=0):
    """Boxes of one target tracked alone from frame ``start``."""
    session.start(frames[start], [box])
    return [session.update(frame)[0].box for frame in frames[start + 1:]]


@pytest.mark.parametrize("name", ["aiatrack", "siamattn"])
def test_several_targets_equal_each_alone(name, video, request):
    session = request.getfixturevalue(f"{name}_session")
    frames = video.frames
    alone = [_alone(session, frames, box) for box in BOXES]
    started = session.start(frames[0], BOXES)
    assert [r.target_id for r in started] == [1, 2, 3]
    together = [session.update(frame) for frame in frames[1:]]
    for t, results in enumerate(together):
        assert [r.target_id for r in results] == [1, 2, 3]
        for k, result in enumerate(results):
            np.testing.assert_allclose(result.box, alone[k][t], atol=1e-4)
            assert np.isfinite(result.score)


def test_add_drop_and_reset_mid_video(aiatrack_session, video):
    session, frames = aiatrack_session, video.frames
    late = _alone(session, frames, BOXES[1], start=3)
    again = _alone(session, frames, BOXES[2], start=5)
    session.start(frames[0], [BOXES[0]])
    for frame in frames[1:4]:
        session.update(frame)
    added = session.add(frames[3], BOXES[1])
    assert added.target_id == 2 and added.box == BOXES[1]
    session.update(frames[4])
    session.drop(1)
    assert session.target_ids == [2]
    results = session.update(frames[5])
    np.testing.assert_allclose(results[0].box, late[1], atol=1e-4)
    session.reset(2, frames[5], BOXES[2])
    for t, frame in enumerate(frames[6:]):
        np.testing.assert_allclose(session.update(frame)[0].box, again[t], atol=1e-4)
    with pytest.raises(KeyError):
        session.drop(1)
    assert session.add(frames[7], BOXES[0]).target_id == 3  # ids are never reused


def test_torch_frames_track_as_numpy(aiatrack_session, video):
    frames = video.frames
    expected = _alone(aiatrack_session, frames, BOXES[0])
    chw = [torch.from_numpy(frame).permute(2, 0, 1).contiguous() for frame in frames]
    aiatrack_session.start(chw[0], [BOXES[0]])
    got = [aiatrack_session.update(frame)[0].box for frame in chw[1:]]
    np.testing.assert_allclose(got, expected, atol=0)
    np.testing.assert_array_equal(as_rgb_frame(torch.from_numpy(frames[2])), frames[2])
    with pytest.raises(ValueError, match="uint8"):
        as_rgb_frame(torch.zeros(3, 8, 8))


def test_siamattn_gives_polygons_and_masks(siamattn_session, video):
    siamattn_session.start(video.frames[0], [BOXES[0]])
    result = siamattn_session.update(video.frames[1])[0]
    assert len(result.polygon) == 8 and np.isfinite(result.polygon).all()
    assert result.mask.ndim == 2 and 0 <= result.mask.min() <= result.mask.max() <= 1


def test_polygon_initialises_the_vot_way(video, small_siamattn):
    session = open_session("siamattn", checkpoint=small_siamattn[1], config=small_siamattn[0], hyper="vot18")
    x, y, w, h = BOXES[0]
    polygon = [x, y, x, y + h, x + w, y + h, x + w, y]
    started = session.start(video.frames[0], [polygon])[0]
    assert started.polygon == polygon
    assert len(session.update(video.frames[1])[0].box) == 4


def test_bad_regions_are_refused_before_tracking(aiatrack_session, video):
    with pytest.raises(AnnotationError, match="outside the 128x96 image"):
        aiatrack_session.start(video.frames[0], [BOXES[0], [400.0, 300.0, 10.0, 10.0]])
    assert aiatrack_session.target_ids == []
    with pytest.raises(ValueError, match="VOT way"):
        aiatrack_session.add(video.frames[0], [1, 1, 1, 9, 9, 9, 9, 1])
