"""VOT accuracy, robustness and EAO, as vot-toolkit 0.7.x defines them, from trajectories on disk.

Supervised (reset-based) experiments (``vot/analysis/supervised.py``):

* **A**: per run, the mean overlap over frames that are not code 0/2 and not within ``burnin`` (10)
  frames from an initialisation (the initialisation frame included); per sequence the mean over its
  runs; dataset A = mean over sequences weighted by sequence length.
* **Failures**: code-2 frames, averaged over runs. The toolkit's **R** is the length-weighted mean of
  the sequences' failure counts; **R100** (the SiamRPN++/SiamAttn papers' form) = all failures / all
  frames x 100; the AR-plot robustness is ``exp(-30 * R / mean sequence length)``.
* **EAO**: every run is cut into segments from an initialisation to the next failure (failed) or to
  the end (not failed). The curve at length j >= 1 averages over segments the mean overlap of frames
  1..j (a failed segment padded with zeros, a successful one only while j < its length); EAO = mean of
  the curve over the stack interval [low, high].

Multistart (anchor-based) experiments (``vot/analysis/multistart.py``): a run fails where the overlap is
``<= 0.1`` on ``grace`` (10) consecutive frames with non-empty ground truth; its useful length ends
where that streak starts. **A** = overlap summed over the useful parts / their length (dataset: weighted
by useful length); **R** = useful length / run length (dataset: weighted by sequence length); **EAO**:
per sequence, the curve at j = 1..high-1 averages over runs the mean overlap of frames 1..j while j is
within the run, and for failed runs (zeros from the failure on) their summed overlap / (j - 1) beyond
it; sequences are combined weighted by the number of runs contributing at j; EAO = mean over [low, high].

Overlaps are computed inside the image (``vot_overlap.region_overlap``).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from lib.test.analysis.vot_overlap import is_empty_groundtruth, region_overlap
from lib.test.evaluation.sequence import Sequence
from lib.test.evaluation.vot import Region, SpecialRegion
from lib.test.evaluation.vot_results import (FAILURE, INITIALIZATION, UNKNOWN, multistart_name, read_trajectory,
                                             toolkit_region, trajectory_exists)
from lib.test.evaluation.vot_runner import anchor_runs
from lib.utils.image import read_image


@dataclass(frozen=True)
class VotStack:
    """An experiment's protocol and EAO interval: ``supervised`` or ``multistart``, curve entries low..high."""

    name: str
    protocol: str
    low: int
    high: int
    burnin: int = 10
    sensitivity: float = 30.0  # supervised AR plot
    threshold: float = 0.1  # multistart failure overlap
    grace: int = 10  # multistart failure streak


STACKS: dict[str, VotStack] = {
    "vot2015": VotStack("vot2015", "supervised", 108, 371),
    "vot2016": VotStack("vot2016", "supervised", 108, 371),
    "vot2017": VotStack("vot2017", "supervised", 100, 356),
    "vot2018": VotStack("vot2018", "supervised", 100, 356),
    "vot2019": VotStack("vot2019", "supervised", 46, 291),
    "vot2020": VotStack("vot2020", "multistart", 115, 755),
    "vot2021": VotStack("vot2021", "multistart", 115, 755),
    "vot2022": VotStack("vot2022", "multistart", 115, 755),
    # the toolkit's names of the VOT2022 short-term stacks; baseline and realtime are scored alike
    "vot2022/shortterm": VotStack("vot2022/shortterm", "multistart", 115, 755),
    "vot2022/shorttermbox": VotStack("vot2022/shorttermbox", "multistart", 115, 755),
}


def load_stack(name_or_path: str, experiment: str = "baseline") -> VotStack:
    """A stack by name (``STACKS``) or from a toolkit stack YAML (its ``experiment`` and EAO score analysis)."""
    if name_or_path in STACKS:
        return STACKS[name_or_path]
    path = Path(name_or_path)
    if not path.is_file():
        raise ValueError(f"unknown stack {name_or_path!r}: neither one of {', '.join(STACKS)} nor a YAML file")
    spec = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("experiments", {}).get(experiment)
    if not spec or spec.get("type") not in ("supervised", "multistart"):
        raise ValueError(f"{path}: needs a supervised or multistart experiment {experiment!r}")
    scores = [a for a in spec.get("analyses", []) if str(a.get("type", "")).endswith("_eao_score")]
    if not scores or "low" not in scores[0] or "high" not in scores[0]:
        raise ValueError(f"{path}: experiment {experiment!r} has no *_eao_score analysis with low and high")
    return VotStack(f"{path.stem}/{experiment}", spec["type"], int(scores[0]["low"]), int(scores[0]["high"]))


@dataclass
class VotEvaluation:
    """Scores of one result folder: dataset scores, per-sequence scores, the EAO curve, notes."""

    label: str
    stack: VotStack
    scores: dict[str, float]
    per_sequence: dict[str, dict[str, float]]
    eao_curve: np.ndarray
    notes: list[str] = field(default_factory=list)


def _overlaps(trajectory: list[Region], truth: list[Region], size: tuple[int, int], where: str) -> np.ndarray:
    if len(trajectory) != len(truth):
        raise ValueError(f"{where}: {len(trajectory)} regions for {len(truth)} frames")
    return np.array([region_overlap(a, b, size) for a, b in zip(trajectory, truth)], dtype=np.float64)


def _codes(trajectory: list[Region]) -> np.ndarray:
    return np.array([r.code if isinstance(r, SpecialRegion) else -1 for r in trajectory])


def image_size(sequence: Sequence) -> tuple[int, int]:
    """(width, height) of the first frame, the raster bounds of every overlap."""
    height, width = read_image(sequence.frames[0]).shape[:2]
    return width, height


def _truth(sequence: Sequence) -> list[Region]:
    return [toolkit_region(r) for r in sequence.extra["regions"]]


def supervised_accuracy(overlaps: np.ndarray, codes: np.ndarray, burnin: int) -> float:
    """Mean overlap outside code-0/2 frames and the ``burnin`` frames from each initialisation (0 if none)."""
    keep = (codes != UNKNOWN) & (codes != FAILURE)
    for start in np.flatnonzero(codes == INITIALIZATION):
        keep[start:start + burnin] = False
    return float(overlaps[keep].mean()) if keep.any() else 0.0


def supervised_segments(overlaps: np.ndarray, codes: np.ndarray) -> list[tuple[np.ndarray, bool]]:
    """(overlaps, succeeded) per segment: initialisation .. next failure (failed) or .. end (succeeded)."""
    fails, inits = np.flatnonzero(codes == FAILURE), np.flatnonzero(codes == INITIALIZATION)
    if len(fails) == 0:
        return [(overlaps, True)]
    segments = [(overlaps[inits[i]:fails[i]], False) for i in range(len(fails))]
    if len(inits) > len(fails):
        segments.append((overlaps[inits[-1]:], True))
    return segments


def supervised_eao_curve(segments: list[tuple[np.ndarray, bool]]) -> np.ndarray:
    """The supervised EAO curve (one entry per length 0 .. longest segment - 1)."""
    length = max(len(o) for o, _ in segments)
    total, weight = np.zeros(length), np.zeros(length)
    for overlaps, succeeded in segments:
        padded = np.zeros(length)
        padded[:len(overlaps)] = overlaps
        means = padded.copy()
        means[1:] = np.cumsum(padded[1:]) / np.arange(1, length)
        valid = np.arange(length) < len(overlaps) if succeeded else np.ones(length, dtype=bool)
        total += means * valid
        weight += valid
    return total / weight


def _repetitions(root: Path, sequence: str) -> list[str]:
    pattern = re.compile(rf"^{re.escape(sequence)}_(\d{{3}})\.(txt|bin)$")
    folder = root / sequence
    names = sorted({m.group(0)[:-4] for m in (pattern.match(p.name) for p in folder.glob("*")) if m}) \
        if folder.is_dir() else []
    if not names:
        raise FileNotFoundError(f"{folder}: no supervised trajectory <seq>_001.txt (or .bin)")
    return names


def evaluate_supervised(sequences: list[Sequence], root: str | Path, stack: VotStack,
                        label: str = "") -> VotEvaluation:
    """Supervised A, failures, R forms and EAO of the trajectories under ``root/<seq>/`` (all repetitions)."""
    root = Path(root)
    per_sequence, segments = {}, []
    for sequence in sequences:
        truth, size = _truth(sequence), image_size(sequence)
        accuracies, failures = [], []
        for name in _repetitions(root, sequence.name):
            trajectory = read_trajectory(root, sequence.name, name)
            overlaps = _overlaps(trajectory, truth, size, str(root / sequence.name / name))
            codes = _codes(trajectory)
            accuracies.append(supervised_accuracy(overlaps, codes, stack.burnin))
            failures.append(int(np.count_nonzero(codes == FAILURE)))
            segments.extend(supervised_segments(overlaps, codes))
        per_sequence[sequence.name] = {"A": float(np.mean(accuracies)), "failures": float(np.mean(failures)),
                                       "frames": float(len(sequence)), "runs": float(len(accuracies))}
    lengths = np.array([s["frames"] for s in per_sequence.values()])
    acc = np.array([s["A"] for s in per_sequence.values()])
    fails = np.array([s["failures"] for s in per_sequence.values()])
    robustness = float((fails * lengths).sum() / lengths.sum())
    curve = supervised_eao_curve(segments)
    scores = {"A": float((acc * lengths).sum() / lengths.sum()), "R": robustness,
              "failures": float(fails.sum()), "R100": float(fails.sum() / lengths.sum() * 100),
              "AR_robustness": math.exp(-stack.sensitivity * robustness / lengths.mean()),
              "EAO": _eao(curve, stack)}
    notes = _eao_notes(curve, stack)
    return VotEvaluation(label or root.name, stack, scores, per_sequence, curve, notes)


def _eao(curve: np.ndarray, stack: VotStack) -> float:
    part = curve[stack.low:stack.high + 1]
    return float(part.mean()) if len(part) else float("nan")


def _eao_notes(curve: np.ndarray, stack: VotStack) -> list[str]:
    if len(curve) <= stack.low:
        return [f"EAO undefined: the curve has {len(curve)} entries, the interval starts at {stack.low}"]
    if len(curve) <= stack.high:
        return [f"EAO averages entries {stack.low}..{len(curve) - 1} only (curve shorter than {stack.high + 1})"]
    return []


def multistart_run(overlaps: np.ndarray, empty_truth: np.ndarray, threshold: float, grace: int) -> int:
    """Useful length of a run: where ``grace`` consecutive non-empty-truth frames at overlap <= threshold start."""
    streak = 0
    for index, (overlap, empty) in enumerate(zip(overlaps, empty_truth)):
        if overlap <= threshold and not empty:
            streak += 1
            if streak == grace:
                return index + 1 - grace
        else:
            streak = 0
    return len(overlaps)


def multistart_eao_partial(runs: list[tuple[np.ndarray, bool]], high: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-sequence EAO curve (``high`` entries; entry 0 unused) and the number of runs behind each entry."""
    phi, active = np.zeros(high), np.zeros(high)
    j = np.arange(high)
    for overlaps, succeeded in runs:
        sums = np.concatenate([[0.0], np.cumsum(overlaps[1:])])  # sums[k] = overlaps 1..k
        inside = (j >= 1) & (j < len(overlaps))
        phi[inside] += sums[j[inside]] / j[inside]
        active += inside
        if not succeeded:
            beyond = (j >= len(overlaps)) & (j >= 1)
            phi[beyond] += sums[-1] / (j[beyond] - 1)
            active += beyond
    return np.divide(phi, active, out=np.zeros(high), where=active > 0), active


def evaluate_multistart(sequences: list[Sequence], root: str | Path, stack: VotStack,
                        label: str = "") -> VotEvaluation:
    """Multistart A, R and EAO of the anchor runs under ``root/<seq>/<seq>_<anchor:08d>.txt``."""
    root = Path(root)
    per_sequence = {}
    eao_sum, eao_weight = np.zeros(stack.high), np.zeros(stack.high)
    for sequence in sequences:
        truth, size = _truth(sequence), image_size(sequence)
        useful_total, overlap_total, length_total, runs = 0, 0.0, 0, []
        for anchor, backward in anchor_runs(sequence):
            name = multistart_name(sequence.name, anchor)
            if not trajectory_exists(root, sequence.name, name):
                raise FileNotFoundError(f"{root / sequence.name / name}.txt: multistart trajectory not found")
            order = list(range(anchor, -1, -1)) if backward else list(range(anchor, len(sequence)))
            run_truth = [truth[i] for i in order]
            overlaps = _overlaps(read_trajectory(root, sequence.name, name), run_truth, size,
                                 str(root / sequence.name / name))
            useful = multistart_run(overlaps, np.array([is_empty_groundtruth(r) for r in run_truth]),
                                    stack.threshold, stack.grace)
            useful_total += useful
            overlap_total += float(overlaps[:useful].sum())
            length_total += len(overlaps)
            zeroed = overlaps.copy()
            zeroed[useful:] = 0.0
            runs.append((zeroed, useful == len(overlaps)))
        phi, active = multistart_eao_partial(runs, stack.high)
        eao_sum += phi * active
        eao_weight += active
        per_sequence[sequence.name] = {"A": overlap_total / useful_total if useful_total else 0.0,
                                       "R": useful_total / length_total, "useful_frames": float(useful_total),
                                       "frames": float(len(sequence)), "runs": float(len(runs))}
    useful = np.array([s["useful_frames"] for s in per_sequence.values()])
    lengths = np.array([s["frames"] for s in per_sequence.values()])
    acc = np.array([s["A"] for s in per_sequence.values()])
    rob = np.array([s["R"] for s in per_sequence.values()])
    curve = np.divide(eao_sum, eao_weight, out=np.zeros(stack.high), where=eao_weight > 0)
    scores = {"A": float((acc * useful).sum() / useful.sum()) if useful.sum() else 0.0,
              "R": float((rob * lengths).sum() / lengths.sum()), "EAO": _eao(curve, stack)}
    longest = int(max(s["frames"] for s in per_sequence.values()))
    notes = [f"sequences of at most {longest} frames: beyond that only failed runs shape the EAO interval "
             f"{stack.low}..{stack.high}"] if longest <= stack.high else []
    return VotEvaluation(label or root.name, stack, scores, per_sequence, curve, notes)


def evaluate(sequences: list[Sequence], root: str | Path, stack: VotStack, label: str = "") -> VotEvaluation:
    """Dispatch on the stack's protocol."""
    if stack.protocol == "supervised":
        return evaluate_supervised(sequences, root, stack, label)
    return evaluate_multistart(sequences, root, stack, label)
