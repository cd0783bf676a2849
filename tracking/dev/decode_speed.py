"""Measure JPEG decoding speed: the CPU decoders in one or several processes against ``torchvision`` on CUDA.

Frames are decoded the way ``tracking/test.py`` reads them (``lib/utils/image.py``: jpeg4py/libjpeg-turbo when
``libturbojpeg`` loads, else OpenCV). Rows printed, in frames/s of wall clock:

* ``cpu <decoder> x P processes``: the same files decoded by P processes (``--processes``), each from its share;
* ``cuda decode_jpeg batch B``: ``torchvision.io.decode_jpeg(..., device="cuda")`` on batches of B files already
  read into memory, synchronised, to uint8 (3, H, W) tensors on the GPU (only where CUDA is available; first
  call excluded, it creates the decoder). Its pixels are compared with the CPU decode of the first frame.

Frames are generated 1280x720 synthetic JPEGs (``--width``/``--height``) unless ``--folder`` names a folder of
``.jpg`` files. A frame decoded on the CPU must still be copied to the GPU and a GPU frame is already there, so
compare the rates against the tracker's frames/s (``tracking/dev/tracker_speed.py``): decoding is the bottleneck
only where its rate is lower.

Example::

    python tracking/dev/decode_speed.py --frames 200 --processes 1 4 8
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import torch

from lib.utils.cli import entry_parser, positive_int
from lib.utils.image import read_image, turbojpeg_available
from lib.utils.synthetic import render_video


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = entry_parser(__doc__)
    parser.add_argument("--folder", type=Path, default=None, help="decode the .jpg files of this folder instead")
    parser.add_argument("--frames", type=positive_int, default=120, help="generated frames (default: 120)")
    parser.add_argument("--width", type=positive_int, default=1280)
    parser.add_argument("--height", type=positive_int, default=720)
    parser.add_argument("--processes", type=positive_int, nargs="+", default=[1, 4],
                        help="CPU process counts to time (default: 1 4)")
    parser.add_argument("--cuda-batch", type=positive_int, default=16,
                        help="files per decode_jpeg call on CUDA (default: 16)")
    return parser.parse_args(argv)


def write_frames(folder: Path, frames: int, height: int, width: int) -> list[Path]:
    """``frames`` synthetic (height, width) frames written as ``%08d.jpg`` (OpenCV, quality 95) in ``folder``."""
    side = min(height, width)
    video = render_video(2024, 0, num_frames=frames, height=height, width=width, min_size=side // 8,
                         max_size=side // 3)
    paths = []
    for index, frame in enumerate(video.frames, start=1):
        path = folder / f"{index:08d}.jpg"
        cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
        paths.append(path)
    return paths


def _decode_all(paths: list[Path]) -> int:
    """Decode every file of ``paths``; the number of pixels decoded (so nothing is optimised away)."""
    return sum(read_image(path).size for path in paths)


def cpu_rate(paths: list[Path], processes: int) -> float:
    """Frames/s of wall clock decoding ``paths`` with ``processes`` processes (1 = in this one)."""
    if processes == 1:
        start = time.perf_counter()
        _decode_all(paths)
        return len(paths) / (time.perf_counter() - start)
    shares = [paths[i::processes] for i in range(processes)]
    with ProcessPoolExecutor(processes) as pool:
        pool.submit(_decode_all, []).result()  # the workers are started before the clock
        list(pool.map(_decode_all, [[p] for p in paths[:processes]]))
        start = time.perf_counter()
        list(pool.map(_decode_all, shares))
        return len(paths) / (time.perf_counter() - start)


def cuda_rate(paths: list[Path], batch: int) -> tuple[float, float]:
    """Frames/s of ``torchvision.io.decode_jpeg`` on CUDA over ``paths`` in batches of ``batch`` (files read
    into memory beforehand), and the largest pixel difference to the CPU decode of the first file."""
    from torchvision.io import decode_jpeg, read_file

    data = [read_file(str(path)) for path in paths]
    first = decode_jpeg(data[:1], device="cuda")[0]  # creates the decoder; not timed
    difference = float((first.permute(1, 2, 0).cpu().int() - torch.from_numpy(read_image(paths[0])).int()).abs().max())
    torch.cuda.synchronize()
    start = time.perf_counter()
    for index in range(0, len(data), batch):
        decode_jpeg(data[index:index + batch], device="cuda")
    torch.cuda.synchronize()
    return len(paths) / (time.perf_counter() - start), difference


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        if args.folder is not None:
            paths = sorted(args.folder.glob("*.jpg"))
            if not paths:
                print(f"error: no .jpg files in {args.folder}", file=sys.stderr)
                return 2
        else:
            paths = write_frames(Path(folder), args.frames, args.height, args.width)
        height, width = read_image(paths[0]).shape[:2]
        decoder = "jpeg4py (libjpeg-turbo)" if turbojpeg_available() else "OpenCV"
        print(f"{len(paths)} JPEG frames of {width}x{height}")
        for processes in args.processes:
            print(f"  cpu {decoder} x {processes} processes: {cpu_rate(paths, processes):.1f} frames/s")
        if torch.cuda.is_available():
            rate, difference = cuda_rate(paths, args.cuda_batch)
            print(f"  cuda decode_jpeg batch {args.cuda_batch} ({torch.cuda.get_device_name(0)}): {rate:.1f} "
                  f"frames/s, max pixel difference to the CPU decode {difference:.0f}")
        else:
            print("  cuda decode_jpeg: not measured (no CUDA device)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
