"""Profile a tracker's network: its own profiler (``TrackerPlugin.profile``), picked by ``--tracker``.

AiATrack's (lib/models/aiatrack/profile.py) prints parameters per component, FLOPs and the latency of one
tracked frame per stage; SiamAttn's (lib/models/siamattn/profile.py) parameters and FLOPs per stage. Every
option after ``--tracker`` goes to that profiler: ``--tracker NAME --help`` lists them.

Examples::

    python tracking/dev/profile.py                                   # AiATrack baseline, CPU (and CUDA)
    python tracking/dev/profile.py --config tiny --runs 5 --device cpu
    python tracking/dev/profile.py --tracker siamattn                # parameters and FLOPs per module
"""
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where this file would stand in for the
# standard library's ``profile`` module (which torchvision imports through cProfile).
if __name__ == "__main__":
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).resolve().parent]

from lib.trackers import DEFAULT_TRACKER, get_plugin, tracker_names  # noqa: E402
from lib.utils.cli import entry_parser  # noqa: E402


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
