"""tracking/test.py and analysis_results.py --protocol avist on a tiny synthetic AVisT set."""
import numpy as np

from lib.utils.settings import Settings, save_settings
from lib.utils.synthetic import write_avist
from tracking import analysis_results
from tracking.test import main


def test_avist_runs_and_scores_and_a_short_flag_file_is_one_line(tmp_path, synthetic_videos, tiny_checkpoint,
                                                                  capsys):
    root = tmp_path / "AVisT"
    names = write_avist(root, synthetic_videos)
    settings = tmp_path / "settings.yaml"
    save_settings(Settings(avist_dir=str(root), results_dir=str(tmp_path / "results"),
                           result_plots_dir=str(tmp_path / "plots")), settings)
    args = ["aiatrack", "tiny", "--dataset", "avist", "--settings", str(settings), "--checkpoint",
            str(tiny_checkpoint), "--no-progress", "--torch-threads", "1"]

    flags = root / "out_of_view" / f"{names[1]}_out_of_view.txt"
    good_flags = flags.read_text()
    flags.write_text("0,0\n")
    assert main(args) == 2
    captured = capsys.readouterr()
    reported = [line for line in (captured.out + captured.err).splitlines() if str(flags) in line]
    assert len(reported) == 1 and "Traceback" not in captured.err

    flags.write_text(good_flags)
    assert main(args) == 0
    capsys.readouterr()
    folder = tmp_path / "results" / "aiatrack" / "tiny"
    for name, video in zip(names, synthetic_videos):
        rows = np.loadtxt(folder / f"{name}.txt", delimiter=",", ndmin=2)
        assert rows.shape == (len(video), 4)
        np.testing.assert_array_equal(rows[0], video.boxes_xywh[0])

    code = analysis_results.main(["--settings", str(settings), "--dataset", "avist", "--protocol", "avist",
                                  "--tracker", "aiatrack", "--param", "tiny", "--no-plots", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0 and "Dataset: avist, 2 sequences evaluated" in out and "OP75" in out
