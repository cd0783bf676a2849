"""The AiATrack reference memory: a bounded cache of encoded frames and the reference selection rule.

Entry 0 is the long-term reference (the initial frame) and is never evicted. Every accepted frame is
appended; when the cache is full the oldest short-term entry (index 1) is dropped first. The decoder
reads one long-term entry and ``num_short`` short-term entries spread evenly over the cache, the last
one always being the newest.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lib.models.aiatrack import ReferenceFrame


def select_reference_indices(cache_len: int, num_short: int) -> list[int]:
    """Cache indices read by the decoder: ``[0]`` then ``floor(last * (p + 1) / num_short)``, p < num_short.

    ``last = cache_len - 1``. Indices repeat while the cache is shorter than ``num_short + 1``; with only the
    initial entry every reference is entry 0.
    """
    if cache_len < 1 or num_short < 1:
        raise ValueError(f"need cache_len >= 1 and num_short >= 1, got {cache_len}, {num_short}")
    last = cache_len - 1
    return [0] + [last * (part + 1) // num_short for part in range(num_short)]


@dataclass
class MemoryEntry:
    """One cached reference and the index of the frame it was encoded from (0 = initial frame)."""

    frame_index: int
    reference: ReferenceFrame


class ReferenceMemory:
    """Cache of encoded reference frames with eviction and the official selection rule.

    ``capacity`` (cache size, >= 2) and ``num_short`` (short-term references per frame) may be changed
    between frames; the selection always follows the current cache content.
    """

    def __init__(self, initial: ReferenceFrame, capacity: int, num_short: int) -> None:
        self.capacity = capacity
        self.num_short = num_short
        self.entries: list[MemoryEntry] = [MemoryEntry(0, initial)]

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, reference: ReferenceFrame, frame_index: int) -> None:
        """Append a new reference, evicting the oldest short-term one when the cache is full."""
        if self.capacity < 2:
            raise ValueError(f"the reference cache needs room for at least 2 entries, capacity is {self.capacity}")
        while len(self.entries) >= self.capacity:
            self.entries.pop(1)
        self.entries.append(MemoryEntry(frame_index, reference))

    def selected_indices(self) -> list[int]:
        """Cache indices of the long-term reference followed by the short-term ones."""
        return select_reference_indices(len(self.entries), self.num_short)

    def long_term(self) -> list[ReferenceFrame]:
        """The long-term reference list (the initial frame)."""
        return [self.entries[0].reference]

    def short_term(self) -> list[ReferenceFrame]:
        """The short-term references the decoder reads for the next frame, oldest first."""
        return [self.entries[i].reference for i in self.selected_indices()[1:]]

    def frame_indices(self) -> list[int]:
        """Frame index of every cached entry, in cache order."""
        return [entry.frame_index for entry in self.entries]
