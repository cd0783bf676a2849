"""The SiamAttn tracker (its per-frame arithmetic in ``post``)."""
from lib.test.tracker.siamattn.tracker import SiamAttnHyper, SiamAttnTracker, hyper_for

__all__ = ["SiamAttnHyper", "SiamAttnTracker", "hyper_for"]
