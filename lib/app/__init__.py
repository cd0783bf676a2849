"""Application API: run any registered tracker on live or recorded frames, one or several targets at a time.

:func:`open_session` loads a tracker by name (weights chosen as in ``lib/trackers/weights.py``) and returns a
:class:`TrackingSession`; ``tracking/video_demo.py`` is built on it.
"""
from lib.app.session import TargetResult, TrackingSession, as_rgb_frame, open_session

__all__ = ["TargetResult", "TrackingSession", "as_rgb_frame", "open_session"]
