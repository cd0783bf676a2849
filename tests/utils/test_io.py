import os
import stat

import pytest

from lib.utils.io import atomic_torch_save, atomic_write_text


def test_atomic_write_replaces_and_uses_umask_permissions(tmp_path):
    target = tmp_path / "sub" / "result.txt"
    atomic_write_text(target, "first")
    atomic_write_text(target, "second")
    assert target.read_text() == "second"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert [p.name for p in target.parent.iterdir()] == ["result.txt"]


def test_failed_write_leaves_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "ckpt.pth"
    atomic_torch_save({"a": 1}, target)

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("cannot pickle")

    with pytest.raises(RuntimeError):
        atomic_torch_save({"a": Unpicklable()}, target)
    import torch

    assert torch.load(target, weights_only=True) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pth"]


def _run_with_file_size_limit(code: str, limit: int):
    """Run ``code`` in a fresh interpreter whose writes beyond ``limit`` bytes fail (EFBIG), like a full disk."""
    import resource
    import signal
    import subprocess
    import sys

    from tests.conftest import REPO_ROOT

    def limit_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, preexec_fn=limit_size,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONDONTWRITEBYTECODE": "1"},
                          timeout=120)


def test_checkpoint_on_a_full_disk_names_the_file(tmp_path):
    # torch.save straight into the file fails inside its zip writer without a file name; here the
    # error is a WriteError (an OSError) naming the checkpoint, and nothing is left behind.
    target = tmp_path / "AIATRACK_ep0001.pth.tar"
    code = ("import torch\nfrom lib.utils.io import atomic_torch_save, WriteError\n"
            f"try:\n    atomic_torch_save({{'net': torch.zeros(100000)}}, {str(target)!r})\n"
            "except WriteError as e:\n    print(e)\n")
    result = _run_with_file_size_limit(code, 100_000)
    assert result.stdout == f"cannot write {target}: File too large\n", result.stderr
    assert list(tmp_path.iterdir()) == []


def test_file_pair_is_written_completely_or_not_at_all(tmp_path):
    from lib.utils.io import WriteError, atomic_write_texts

    first, second = tmp_path / "a_time.txt", tmp_path / "a.txt"
    atomic_write_texts({first: "1\n", second: "2\n"})
    assert first.read_text() == "1\n" and second.read_text() == "2\n"
    first.unlink(), second.unlink()
    (tmp_path / "blocked").mkdir()  # the second file cannot be renamed over a non-empty folder
    (tmp_path / "blocked" / "x").write_text("")
    with pytest.raises(WriteError, match=f"cannot write {tmp_path / 'blocked'}"):
        atomic_write_texts({first: "1\n", tmp_path / "blocked": "2\n"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocked"]
