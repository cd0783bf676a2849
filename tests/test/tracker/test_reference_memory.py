import pytest

from lib.test.tracker.aiatrack.reference_memory import ReferenceMemory, select_reference_indices


@pytest.mark.parametrize("cache_len, expected", [
    (1, [0, 0, 0, 0, 0]),
    (2, [0, 0, 0, 0, 1]),
    (3, [0, 0, 1, 1, 2]),
    (5, [0, 1, 2, 3, 4]),
    (6, [0, 1, 2, 3, 5]),
    (7, [0, 1, 3, 4, 6]),
])
def test_selection_rule_worked_examples_with_four_short_term_references(cache_len, expected):
    # Hand-computed floor((cache_len - 1) * (p + 1) / 4) for p = 0..3 (reference README, Q31).
    assert select_reference_indices(cache_len, 4) == expected


def test_selection_always_ends_with_newest_entry():
    for cache_len in range(1, 60):
        for num_short in range(1, 8):
            indices = select_reference_indices(cache_len, num_short)
            assert indices[0] == 0 and indices[-1] == cache_len - 1 and len(indices) == num_short + 1
            assert indices == sorted(indices)


def test_full_cache_evicts_oldest_short_term_entry_and_keeps_initial():
    memory = ReferenceMemory("initial", capacity=5, num_short=4)
    for frame in (1, 2, 3, 4, 5, 11):
        memory.add(f"frame{frame}", frame)
    # Capacity 5: adding frames 5 and 11 evicted frames 1 and 2; entry 0 stays.
    assert memory.frame_indices() == [0, 3, 4, 5, 11]
    assert memory.long_term() == ["initial"]
    assert memory.short_term() == ["frame3", "frame4", "frame5", "frame11"]


def test_initial_reference_fills_every_slot_before_the_first_update():
    memory = ReferenceMemory("initial", capacity=100, num_short=3)
    assert memory.short_term() == ["initial"] * 3
    memory.add("frame1", 1)
    assert memory.selected_indices() == [0, 0, 0, 1]


def test_capacity_below_two_is_rejected():
    memory = ReferenceMemory("initial", capacity=1, num_short=3)
    with pytest.raises(ValueError, match="at least 2"):
        memory.add("frame1", 1)
