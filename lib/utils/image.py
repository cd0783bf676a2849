"""Image decoding: RGB uint8 (H, W, 3) arrays from files or encoded bytes.

JPEG data is decoded with jpeg4py (libjpeg-turbo through cffi) when the system library
``libturbojpeg`` loads, and with OpenCV otherwise; both give the same pixels. Other formats (PNG, ...)
always go through OpenCV. EXIF orientation is ignored by both paths, so the pixels match the stored
annotation coordinates exactly.
"""
from __future__ import annotations

import functools
import os

import cv2
import numpy as np

_JPEG_MAGIC = b"\xff\xd8"


class ImageDecodeError(ValueError):
    """An image file or buffer exists but cannot be decoded."""


@functools.lru_cache(maxsize=1)
def turbojpeg_available() -> bool:
    """True when jpeg4py can load ``libturbojpeg`` (checked once per process)."""
    try:
        import jpeg4py._cffi

        jpeg4py._cffi.initialize()
        return True
    except Exception:  # ImportError, or OSError from dlopen when the shared library is absent
        return False


def _decode_jpeg4py(data: np.ndarray) -> np.ndarray:
    import jpeg4py

    jpeg = jpeg4py.JPEG(data)
    try:
        return jpeg.decode()
    except Exception:
        # jpeg4py would put the failed decompressor back into its shared cache, and libturbojpeg
        # handles are unusable after a header error (later decodes return empty images or crash)
        if jpeg.decompressor is not None:
            jpeg.decompressor.release()
            jpeg.decompressor = None
        raise


def _decode_opencv(data: np.ndarray) -> np.ndarray | None:
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    if bgr is None:
        return None
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def decode_image(data: bytes | bytearray | memoryview | np.ndarray, name: str,
                 use_turbojpeg: bool | None = None) -> np.ndarray:
    """Decode an encoded image held in memory to RGB uint8 (H, W, 3).

    ``name`` identifies the data in error messages (a file path or an lmdb key). ``use_turbojpeg``
    forces (True) or forbids (False) jpeg4py for JPEG data; by default it is used when available.
    Raises ``ImageDecodeError`` naming ``name`` when the data is not a decodable image.
    """
    buffer = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, np.ndarray) else data.reshape(-1)
    if buffer.size == 0:
        raise ImageDecodeError(f"cannot decode image {name}: the file is empty")
    if use_turbojpeg is None:
        use_turbojpeg = turbojpeg_available()
    is_jpeg = buffer[:2].tobytes() == _JPEG_MAGIC
    if use_turbojpeg and is_jpeg:
        try:
            return _decode_jpeg4py(buffer)
        except Exception as exc:  # jpeg4py raises JPEGRuntimeError for corrupt or truncated data
            raise ImageDecodeError(f"cannot decode image {name}: {exc}") from None
    rgb = _decode_opencv(buffer)
    if rgb is None:
        kind = "corrupt JPEG data" if is_jpeg else "not a readable image format"
        raise ImageDecodeError(f"cannot decode image {name}: {kind}")
    return rgb


def read_image(path: str | os.PathLike, use_turbojpeg: bool | None = None) -> np.ndarray:
    """Read an image file as RGB uint8 (H, W, 3).

    Raises ``FileNotFoundError`` naming the path when it does not exist and ``ImageDecodeError``
    naming it when the file cannot be decoded.
    """
    path = os.fspath(path)
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except FileNotFoundError:
        raise FileNotFoundError(f"image not found: {path}") from None
    except IsADirectoryError:
        raise FileNotFoundError(f"image path is a directory, not a file: {path}") from None
    return decode_image(data, path, use_turbojpeg=use_turbojpeg)
