"""GOT-10k training set, whole (``GOT10K_train``) or the VOT-safe subset (``GOT10K_vot_train``).

Layout (relative to the GOT-10k root): ``train/list.txt`` (one folder name per line),
``train/<seq>/%08d.jpg`` (1-based), ``groundtruth.txt`` (``x,y,w,h``), ``absence.label`` (1 = absent)
and ``cover.label`` (0..8) with one value per frame. A split file of ``lib/lists`` holds 0-based
indices into the lines of the real ``train/list.txt``, in the order the sequences are used.
``valid = w > 0 & h > 0``; ``visible = valid & absence == 0 & cover > 0``.
"""
from __future__ import annotations

from typing import Sequence

from lib.lists import read_packaged_list
from lib.train.dataset.parsing import AnnotationError, parse_boxes, parse_integers
from lib.train.dataset.sequences import AnnotatedSequences
from lib.train.dataset.storage import FileSource, IncompleteDatasetError

SPLIT_FILES = {"train_full": "got10k_train_full_split.txt", "vot_train": "got10k_vot_train_split.txt"}
LIST_FILE = "train/list.txt"


def split_indices(split: str) -> list[int]:
    """The 0-based ``train/list.txt`` indices of a packaged split (``train_full`` or ``vot_train``)."""
    if split not in SPLIT_FILES:
        raise ValueError(f"unknown GOT-10k split {split!r}; known: {sorted(SPLIT_FILES)} or 'all'")
    return [int(v) for v in read_packaged_list(SPLIT_FILES[split])]


class Got10k(AnnotatedSequences):
    """GOT-10k training sequences read from ``source`` (a raw GOT-10k root or its lmdb copy)."""

    missing_frames_hint = "Each train/<seq> folder of GOT-10k must hold the frames 00000001.jpg ..."

    def __init__(self, source: FileSource, split: str = "train_full", name: str = "GOT10K_train",
                 indices: Sequence[int] | None = None) -> None:
        """``split``: ``train_full``, ``vot_train`` or ``all`` (every line of list.txt, in order);
        ``indices`` replaces the split's packaged index list when given."""
        if not source.exists(LIST_FILE):
            raise IncompleteDatasetError(
                f"{name}: {source.location(LIST_FILE)} not found; got10k_dir must be the GOT-10k root "
                "holding train/ (with train/list.txt), val/ and test/")
        listed = [line.strip() for line in source.read_text(LIST_FILE).splitlines() if line.strip()]
        if indices is None:
            indices = list(range(len(listed))) if split == "all" else split_indices(split)
        beyond = [i for i in indices if not 0 <= i < len(listed)]
        if beyond:
            raise IncompleteDatasetError(
                f"{name}: split {split!r} uses indices up to {max(indices)} but {source.location(LIST_FILE)} "
                f"lists only {len(listed)} sequences ({len(beyond)} indices out of range): "
                "the GOT-10k train set is incomplete")
        self.split = split
        self._folders = [f"train/{listed[i]}" for i in indices]
        missing = [f for f in self._folders if not source.exists(f"{f}/groundtruth.txt")]
        if missing:
            raise IncompleteDatasetError(
                f"{name}: {len(missing)} of {len(indices)} sequences have no groundtruth.txt "
                f"(first: {source.location(missing[0] + '/groundtruth.txt')})")
        boxes, present, files = [], [], [LIST_FILE]
        for folder in self._folders:
            gt_file, absence_file, cover_file = (f"{folder}/groundtruth.txt", f"{folder}/absence.label",
                                                 f"{folder}/cover.label")
            gt = parse_boxes(source.read_text(gt_file), source.location(gt_file))
            absence = parse_integers(source.read_text(absence_file), source.location(absence_file))
            cover = parse_integers(source.read_text(cover_file), source.location(cover_file))
            for label, label_file in ((absence, absence_file), (cover, cover_file)):
                if len(label) != len(gt):
                    raise AnnotationError(f"{source.location(label_file)}: {len(label)} labels but "
                                          f"{len(gt)} boxes in {source.location(gt_file)}")
            boxes.append(gt)
            present.append((absence == 0) & (cover > 0))
            files += [gt_file, absence_file, cover_file]
        super().__init__(name, source, [listed[i] for i in indices], boxes, present, files)

    def frame_file(self, seq_id: int, frame_id: int) -> str:
        return f"{self._folders[seq_id]}/{frame_id + 1:08d}.jpg"
