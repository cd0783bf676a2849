"""Training logs: a plain-text log file, TensorBoard scalars and console output (main process only)."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

from torch.utils.tensorboard import SummaryWriter

LOGGER_NAME = "aiatrack.train"


def setup_text_log(log_file: Path | None, is_main: bool) -> logging.Logger:
    """The training logger: INFO to stderr and ``log_file`` on the main process, warnings elsewhere.

    DEBUG records (e.g. the traceback behind a one-line error) go to ``log_file`` only.
    """
    logger = logging.getLogger(LOGGER_NAME)
    logger.handlers.clear()
    logger.propagate = False
    logger.setLevel(logging.DEBUG if is_main else logging.WARNING)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S")
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.INFO)
    handlers: list[logging.Handler] = [console]
    if is_main and log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(formatter)
        logger.addHandler(handler)
    return logger


class ScalarWriter:
    """TensorBoard scalars under ``<tag group>/<name>``; a no-op on processes other than the main one."""

    def __init__(self, directory: Path | None) -> None:
        self._writer = SummaryWriter(str(directory)) if directory is not None else None

    def write(self, group: str, values: dict[str, float], step: int) -> None:
        """Add each value as scalar ``group/name`` at ``step``."""
        if self._writer is None:
            return
        for name, value in values.items():
            self._writer.add_scalar(f"{group}/{name}", value, step)

    def close(self) -> None:
        """Flush and close the event file."""
        if self._writer is not None:
            self._writer.close()
