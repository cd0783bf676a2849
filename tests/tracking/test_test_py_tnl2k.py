"""tracking/test.py and analysis_results.py on a tiny synthetic TNL2K test set with a damaged PNG frame."""
from pathlib import Path

import numpy as np

from lib.utils.settings import Settings, save_settings
from lib.utils.synthetic import write_tnl2k
from tracking import analysis_results
from tracking.test import main


def test_tnl2k_runs_reports_a_damaged_frame_in_one_line_and_scores(tmp_path, synthetic_videos, tiny_checkpoint,
                                                                   capsys):
    names = write_tnl2k(tmp_path / "TNL2K", synthetic_videos)
    # Cut a frame short as the download's test_015_Sord_video_Q01_done/imgs/00000492.png is.
    damaged = tmp_path / "TNL2K" / names[1] / "imgs" / "00000003.png"
    damaged.write_bytes(damaged.read_bytes()[:60])
    settings = tmp_path / "settings.yaml"
    save_settings(Settings(tnl2k_dir=str(tmp_path / "TNL2K"), results_dir=str(tmp_path / "results"),
                           result_plots_dir=str(tmp_path / "plots")), settings)
    args = ["aiatrack", "tiny", "--dataset", "tnl2k", "--settings", str(settings), "--checkpoint",
            str(tiny_checkpoint), "--no-progress", "--torch-threads", "1"]

    assert main(args) == 1
    captured = capsys.readouterr()
    reported = [line for line in (captured.out + captured.err).splitlines() if str(damaged) in line]
    assert len(reported) == 1 and names[1] in reported[0]
    folder = tmp_path / "results" / "aiatrack" / "tiny"
    assert not (folder / f"{names[1]}.txt").exists()
    rows = np.loadtxt(folder / f"{names[0]}.txt", delimiter=",", ndmin=2)
    assert rows.shape == (len(synthetic_videos[0]), 4)
    np.testing.assert_array_equal(rows[0], synthetic_videos[0].boxes_xywh[0])

    code = analysis_results.main(["--settings", str(settings), "--dataset", "tnl2k", "--protocol", "lasot-toolkit",
                                  "--tracker", "aiatrack", "--param", "tiny", "--skip-missing", "--per-sequence",
                                  "--plot-dir", str(tmp_path / "p"), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0 and "Dataset: tnl2k, 1 sequences evaluated" in out and names[0] in out
    assert sorted(p.name for p in Path(tmp_path / "p").iterdir()) == [
        "tnl2k_lasot-toolkit_norm_precision.png", "tnl2k_lasot-toolkit_precision.png", "tnl2k_lasot-toolkit_success.png"]
