"""lib/utils/cli.py: no abbreviated options, one-line errors, --setting, the thread policy."""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from lib.utils.cli import (BAD_INPUT, add_settings_options, add_torch_threads_option, apply_torch_threads,
                           entry_parser, settings_from_args, torch_threads)


def _settings_parser() -> argparse.ArgumentParser:
    parser = entry_parser("test")
    add_settings_options(parser)
    parser.add_argument("--results-dir", default=None)
    return parser


def test_prefixes_of_options_are_refused_in_one_line(capsys):
    with pytest.raises(SystemExit) as info:
        _settings_parser().parse_args(["--sett", "x.yaml"])
    assert info.value.code == BAD_INPUT
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unrecognized arguments: --sett" in err


def test_setting_overrides_the_file_and_script_flags_override_both(tmp_path, monkeypatch):
    monkeypatch.delenv("AIATRACK_RESULTS_DIR", raising=False)
    monkeypatch.delenv("AIATRACK_GOT10K_DIR", raising=False)
    file = tmp_path / "settings.yaml"
    file.write_text("got10k_dir: /from/file\nresults_dir: /file/results\nlasot_dir: /file/lasot\n")
    args = _settings_parser().parse_args(["--settings", str(file), "--setting", "got10k_dir=/flag/got10k",
                                          "--setting", "results_dir=/flag/results", "--results-dir", "/own/flag"])
    settings = settings_from_args(args, results_dir=args.results_dir)
    assert (settings.got10k_dir, settings.results_dir, settings.lasot_dir) == ("/flag/got10k", "/own/flag",
                                                                               "/file/lasot")


@pytest.mark.parametrize("item, message", [("nonsense=/x", "unknown setting 'nonsense'"),
                                           ("got10k_dir", "expected NAME=PATH"),
                                           ("got10k_dir=", "expected NAME=PATH")])
def test_bad_setting_is_one_line(item, message, capsys):
    with pytest.raises(SystemExit) as info:
        _settings_parser().parse_args(["--setting", item])
    assert info.value.code == BAD_INPUT
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


@pytest.mark.parametrize("flag, env, expected", [(None, None, 1), (None, "3", 3), (None, "junk", 1), (2, "3", 2)])
def test_thread_policy(flag, env, expected, monkeypatch):
    if env is None:
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("OMP_NUM_THREADS", env)
    assert torch_threads(flag) == expected
    try:
        assert apply_torch_threads(flag) == expected and torch.get_num_threads() == expected
    finally:
        torch.set_num_threads(1)


def test_torch_threads_must_be_positive(capsys):
    parser = entry_parser("test")
    add_torch_threads_option(parser)
    assert parser.parse_args([]).torch_threads is None
    with pytest.raises(SystemExit):
        parser.parse_args(["--torch-threads", "0"])
    assert "must be >= 1" in capsys.readouterr().err


def test_device_choices_depend_on_whether_auto_is_offered(capsys):
    from lib.utils.cli import add_device_option

    plain, with_auto = entry_parser(None), entry_parser(None)
    add_device_option(plain)
    add_device_option(with_auto, auto=True)
    assert plain.parse_args(["--device", "cpu"]).device == "cpu"
    assert with_auto.parse_args([]).device == "auto"
    with pytest.raises(SystemExit) as info:
        plain.parse_args(["--device", "auto"])       # auto is train.py's alone: torch has no device 'auto'
    assert info.value.code == BAD_INPUT and "invalid choice: 'auto'" in capsys.readouterr().err


def test_entry_point_warnings_are_one_line_without_source():
    script = ("import warnings; from lib.utils.cli import entry_parser; entry_parser('demo'); "
              "warnings.warn('runs with RANDOMLY INITIALISED weights', UserWarning)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.stderr == "warning: runs with RANDOMLY INITIALISED weights\n"


def test_unknown_option_is_named_before_a_missing_required_argument(capsys):
    parser = entry_parser("test")
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--offset", type=float, default=0.0)
    with pytest.raises(SystemExit) as stop:
        parser.parse_args(["--datset", "lasot"])
    assert stop.value.code == BAD_INPUT
    assert "unrecognized arguments: --datset" in capsys.readouterr().err
    # negative numbers, '--opt=value' and anything after '--' are not options
    assert parser.parse_args(["--dataset=lasot", "--offset", "-2.5"]).offset == -2.5
