"""`posynda data synth|convert|info`: files written, summaries printed, bad input exits 2 with nothing written."""

import numpy as np
from click.testing import CliRunner

from posynda.cli import main
from posynda.data import load_clips
from tests.helpers.cli import run


def test_data_synth_convert_and_info(in_tmp):
    tmp_path = in_tmp
    result = run(["data", "synth", "--domain", "wild", "--split", "test", "--scale", "0.2", "--out", "w.npz"])
    assert result.exit_code == 0, result.output
    assert "sequences" in run(["data", "info", "w.npz"]).output
    j3d = np.random.default_rng(0).normal(size=(12, 17, 3)) * 300 + np.array([0, 0, 4000.0])
    kp = np.stack([1500 * j3d[..., 0] / j3d[..., 2] + 1017, 1500 * j3d[..., 1] / j3d[..., 2] + 1043], -1)
    np.savez(tmp_path / "data_test_3dhp.npz", data={"TS1": {"data_2d": kp, "data_3d": j3d, "valid": np.ones(12)}})
    result = run(["data", "convert", "--from", "3dhp", "--input", "data_test_3dhp.npz", "--out", "ts.npz"])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["data", "convert", "--from", "3dpw", "--input", "w.npz", "--out", "x.npz"])
    assert result.exit_code == 2 and "imgname" in result.output and not (tmp_path / "x.npz").exists()


def test_synth_and_convert_options_are_checked(in_tmp):
    result = CliRunner().invoke(
        main, ["data", "synth", "--domain", "wild", "--split", "test", "--scale", "0", "--out", "w.npz"]
    )
    assert result.exit_code == 2 and "--scale" in result.output and not (in_tmp / "w.npz").exists()
    args = ["data", "convert", "--from", "3dpw", "--input", "x.npz", "--intrinsics", "1,2,3", "--out", "o.npz"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "must be 4 numbers fx,fy,cx,cy" in result.output


def test_empty_subjects_convert_every_subject(in_tmp):
    positions = {s: {"Walking": np.random.default_rng(0).normal(size=(5, 32, 3))} for s in ("S9", "S11")}
    np.savez(in_tmp / "h.npz", positions_3d=positions)
    result = run(["data", "convert", "--from", "h36m", "--input", "h.npz", "--subjects", "", "--out", "o.npz"])
    assert result.exit_code == 0, result.output
    assert load_clips("o.npz").num_sequences == 8  # 2 subjects x 4 cameras


def test_info_reports_the_file(in_tmp):
    assert (
        run(["data", "synth", "--domain", "studio", "--split", "test", "--scale", "0.2", "--out", "s.npz"]).exit_code
        == 0
    )
    clips = load_clips("s.npz")
    lines = run(["data", "info", "s.npz"]).output.splitlines()
    assert lines[0] == "s.npz: valid posynda-clips-v1"
    assert f"sequences {clips.num_sequences}, frames {clips.num_frames}, 3D yes, missing keypoints 0.00 %" in lines[1]
    assert "image sizes 1000x1000; focal" in lines[2]
    assert np.isfinite(clips.joints_3d).all()


def test_render_writes_a_clip_file_from_bvh_takes(in_tmp):
    from tests.helpers.bvh import write_bvh

    takes = [write_bvh(in_tmp / f"t{i}.bvh", kind, frames=40, seed=i) for i, kind in enumerate(["bandai", "cmu"])]
    args = ["data", "render", "--bvh", str(takes[0]), "--bvh", str(takes[1]), "--rig", "studio", "--out", "r.npz"]
    result = run(args)
    assert result.exit_code == 0, result.output
    assert "8 sequences" in result.output and load_clips(in_tmp / "r.npz").has_3d


def test_render_takes_deepmimic_files_and_needs_some_motion(in_tmp):
    from posynda.data.motion_library import motion_files
    from tests.helpers.cli import error_lines

    jump = next(f for f in motion_files() if f.stem == "humanoid3d_jump")
    result = run(["data", "render", "--deepmimic", str(jump), "--out", "m.npz"])
    assert result.exit_code == 0, result.output
    assert "4 sequences" in result.output and "from 1 DeepMimic files" in result.output
    result = CliRunner().invoke(main, ["data", "render", "--out", "x.npz"])
    assert result.exit_code == 2 and "--bvh or --deepmimic" in result.output and len(error_lines(result)) == 1
    bad = in_tmp / "bad.txt"
    bad.write_text('{"Frames": [[0.1, 0]]}')
    result = CliRunner().invoke(main, ["data", "render", "--deepmimic", str(bad), "--out", "x.npz"])
    assert result.exit_code == 2 and "44 numbers" in result.output and not (in_tmp / "x.npz").exists()


def test_render_refusals_are_one_line_and_write_nothing(in_tmp):
    from tests.helpers.bvh import write_bvh
    from tests.helpers.cli import error_lines

    good = write_bvh(in_tmp / "good.bvh")
    odd = in_tmp / "odd.bvh"
    odd.write_text(good.read_text().replace("Hand_L", "Paw_L"))
    truncated = in_tmp / "cut.bvh"
    truncated.write_text(good.read_text()[:-200])
    zero = write_bvh(in_tmp / "zero.bvh", frame_time=0)
    for path, message in [(odd, "Paw_L"), (odd, "--mapping"), (truncated, "truncated"), (zero, "frame time is 0")]:
        result = CliRunner().invoke(main, ["data", "render", "--bvh", str(path), "--out", "x.npz"])
        assert result.exit_code == 2 and message in result.output
        assert len(error_lines(result)) == 1 and not (in_tmp / "x.npz").exists()
