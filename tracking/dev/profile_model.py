"""Profile a tracker's network: its own profiler (``TrackerPlugin.profile``), picked by ``--tracker``.

AiATrack's (lib/models/aiatrack/profile.py) prints parameters per component, FLOPs and the latency of one
tracked frame per stage; SiamAttn's (lib/models/siamattn/profile.py) parameters and FLOPs per stage. Every
option but ``--tracker`` goes to that profiler: ``--tracker NAME --help`` lists them.

Examples::

    python tracking/dev/profile_model.py                                   # AiATrack baseline, CPU (and CUDA)
    python tracking/dev/profile_model.py --config tiny --runs 5 --device cpu
    python tracking/dev/profile_model.py --tracker siamattn                # parameters and FLOPs per module
"""
from __future__ import annotations

import sys

from lib.trackers import DEFAULT_TRACKER, get_plugin, tracker_names
from lib.utils.cli import entry_parser


def main(argv: list[str] | None = None) -> int:
    """Run the profiler of ``--tracker`` on the other options; 2 on bad input (one line)."""
    chooser = entry_parser(__doc__, add_help=False)
    chooser.add_argument("--tracker", choices=tracker_names(), default=DEFAULT_TRACKER,
                         help=f"tracker to profile (default: {DEFAULT_TRACKER})")
    args, rest = chooser.parse_known_args(argv)
    plugin = get_plugin(args.tracker)
    if plugin.profile is None:
        with_profiler = [name for name in tracker_names() if get_plugin(name).profile is not None]
        chooser.error(f"{plugin.label} declares no profiler; trackers with one: {', '.join(with_profiler)}")
    return plugin.profile(rest)


if __name__ == "__main__":
    sys.exit(main())
