"""lib/app/live.py: the real-time buffer hands out the newest frame and drops, never queues, the others."""
import time

import numpy as np
import pytest

from lib.app.live import LatestFrame, open_frames, paced


def _frames(count):
    return [np.full((4, 4, 3), k, dtype=np.uint8) for k in range(count)]


def test_slow_consumer_gets_the_newest_frames_and_the_rest_are_dropped():
    live = LatestFrame(paced(_frames(30), fps=100.0))  # a synthetic video fed at 100 fps by the reader thread
    seen = []
    for frame in live:
        assert frame.image[0, 0, 0] == frame.index
        seen.append(frame.index)
        time.sleep(0.05)  # a tracker five times slower than the source
    assert seen == sorted(set(seen)) and seen[-1] == 29  # in order, and the last frame is never lost
    assert live.captured == 30 and live.delivered == len(seen) and live.dropped == 30 - len(seen)
    assert len(seen) < 15


def test_fast_consumer_gets_every_frame_at_the_source_rate():
    live = LatestFrame(paced(_frames(5), fps=20.0))
    frames = list(live)
    assert [f.index for f in frames] == [0, 1, 2, 3, 4] and live.dropped == 0
    gaps = np.diff([f.captured for f in frames])
    assert np.all(gaps > 0.03)  # paced at 50 ms, not read in a burst


def test_reader_errors_reach_the_consumer():
    def read():
        raise OSError("stream lost")

    with pytest.raises(OSError, match="stream lost"):
        list(LatestFrame(read))


@pytest.mark.parametrize("source, named", [("rtsp://127.0.0.1:9/none", "stream rtsp://127.0.0.1:9/none"),
                                           ("93", "camera 93")])
def test_sources_that_do_not_open_are_named(source, named):
    with pytest.raises(ValueError, match=f"^{named}: OpenCV cannot open it"):
        open_frames(source)
