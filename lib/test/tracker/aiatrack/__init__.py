"""The AiATrack tracker: search-region tracking against a memory of encoded reference frames."""
from lib.test.tracker.aiatrack.tracker import CLIP_MARGIN, AiATracker, TrackStep

__all__ = ["CLIP_MARGIN", "AiATracker", "TrackStep"]
