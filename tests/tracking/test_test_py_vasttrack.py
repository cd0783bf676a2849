"""tracking/test.py and analysis_results.py on a tiny synthetic VastTrack test set."""
import numpy as np

from lib.utils.settings import Settings, save_settings
from lib.utils.synthetic import write_vasttrack
from tracking import analysis_results
from tracking.test import main


def test_vasttrack_runs_and_scores_and_a_missing_language_file_is_one_line(tmp_path, synthetic_videos,
                                                                            tiny_checkpoint, capsys):
    root = tmp_path / "VastTrack"
    names = write_vasttrack(root, synthetic_videos)
    settings = tmp_path / "settings.yaml"
    save_settings(Settings(vasttrack_dir=str(root), results_dir=str(tmp_path / "results"),
                           result_plots_dir=str(tmp_path / "plots")), settings)
    args = ["aiatrack", "tiny", "--dataset", "vasttrack", "--settings", str(settings), "--checkpoint",
            str(tiny_checkpoint), "--no-progress", "--torch-threads", "1"]

    language = next(root.glob(f"*/{names[1]}/nlp.txt"))
    language.unlink()
    assert main(args) == 2
    captured = capsys.readouterr()
    reported = [line for line in (captured.out + captured.err).splitlines() if str(language) in line]
    assert len(reported) == 1 and "Traceback" not in captured.err
    assert not (tmp_path / "results" / "aiatrack" / "tiny").exists()

    language.write_text("a checkered target\n")
    assert main(args) == 0
    capsys.readouterr()
    folder = tmp_path / "results" / "aiatrack" / "tiny"
    for name, video in zip(names, synthetic_videos):
        rows = np.loadtxt(folder / f"{name}.txt", delimiter=",", ndmin=2)
        assert rows.shape == (len(video), 4)
        np.testing.assert_array_equal(rows[0], video.boxes_xywh[0])

    code = analysis_results.main(["--settings", str(settings), "--dataset", "vasttrack", "--protocol",
                                  "lasot-toolkit", "--tracker", "aiatrack", "--param", "tiny", "--per-sequence",
                                  "--no-plots", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0 and "Dataset: vasttrack, 2 sequences evaluated" in out and all(name in out for name in names)
