"""Helpers for building tiny benchmark datasets in their real on-disk layouts."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable

import cv2
import numpy as np
import pytest

from lib.utils.settings import Settings


@pytest.fixture(scope="session")
def write_frames(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path, Iterable[str]], None]:
    """``write_frames(folder, names)`` puts a tiny JPEG under each file name in ``folder``.

    The files are hard links to one image written with ``cv2.imwrite`` (thousands of frames stay cheap).
    """
    sample = tmp_path_factory.mktemp("frame") / "sample.jpg"
    cv2.imwrite(str(sample), np.full((6, 8, 3), 127, dtype=np.uint8))

    def write(folder: Path, names: Iterable[str]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            os.link(sample, folder / name)

    return write


@pytest.fixture
def settings_for() -> Callable[..., Settings]:
    """``settings_for(otb_dir=path, ...)``: settings holding only the given roots."""
    return lambda **roots: Settings(**{name: str(path) for name, path in roots.items()})
