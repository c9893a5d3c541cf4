"""Source pretraining: learning happens, checkpoints are atomic, resume is exact."""

import dataclasses
import json

import numpy as np
import pytest
import torch

import posynda.pretrain as pretraining
from posynda.checkpoint import load_checkpoint
from posynda.data import save_clips
from posynda.errors import InputError, RunInterrupted
from posynda.models import PRESETS
from posynda.pretrain import RECIPES, TrainRecipe, learning_rate, pretrain, pretrain_file, source_sampler, step_batch
from posynda.skeleton import H36M_PARENTS, flip_left_right
from tests.helpers.clips import make_clips
from tests.helpers.interrupts import ctrl_c_on_call
from tests.helpers.models import MICRO

RECIPE = TrainRecipe(batch_size=8, lr=3e-3, warmup_steps=0, log_every=1, checkpoint_every=2)


def test_loss_decreases_and_run_directory_is_complete(tmp_path):
    clips = make_clips((60, 60))
    pretrain(clips, MICRO, 60, tmp_path, recipe=RECIPE, progress=False)
    lines = [json.loads(x) for x in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [x["step"] for x in lines] == list(range(1, 61))
    first, last = np.mean([x["loss_mm"] for x in lines[:5]]), np.mean([x["loss_mm"] for x in lines[-5:]])
    assert last < 0.7 * first
    ckpt = load_checkpoint(tmp_path / "model.safetensors")
    assert ckpt.provenance["steps"] == 60 and ckpt.config == MICRO
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.jsonl", "model.safetensors", "train_state.pt"]


@pytest.mark.slow
def test_interrupted_and_resumed_run_equals_uninterrupted_run(tmp_path):
    clips = make_clips((50, 30))
    straight = pretrain(clips, MICRO, 8, tmp_path / "a", recipe=RECIPE, progress=False, seed=3)
    pretrain(clips, MICRO, 8, tmp_path / "b", recipe=RECIPE, progress=False, seed=3, stop_after=5)  # "killed" at 5
    assert json.loads((tmp_path / "b/metrics.jsonl").read_text().splitlines()[-1])["step"] == 4  # last checkpoint
    resumed = pretrain(clips, MICRO, 8, tmp_path / "b", recipe=RECIPE, progress=False, seed=3, resume=True)
    a, b = load_checkpoint(straight).model.state_dict(), load_checkpoint(resumed).model.state_dict()
    for name in a:
        torch.testing.assert_close(a[name], b[name], rtol=0, atol=0, msg=name)
    assert metrics_without_time(tmp_path / "a") == metrics_without_time(tmp_path / "b")


def metrics_without_time(run) -> list[dict]:
    lines = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    return [{k: v for k, v in line.items() if k != "seconds"} for line in lines]


def test_validation_scores_form_the_training_curve_and_leave_training_unchanged(tmp_path):
    clips, val = make_clips((50, 30)), make_clips((20,), seed=9)
    plain = pretrain(clips, MICRO, 6, tmp_path / "a", recipe=RECIPE, progress=False, seed=2)
    curve = pretrain(
        clips, MICRO, 6, tmp_path / "b", recipe=RECIPE, progress=False, seed=2, eval_clips=val, eval_every=4
    )
    lines = [json.loads(x) for x in (tmp_path / "b/metrics.jsonl").read_text().splitlines()]
    scored = [x for x in lines if "val_mpjpe" in x]
    assert [x["step"] for x in scored] == [4, 6]  # every eval_every steps and the last
    assert all(x["val_mpjpe"] > 0 and 0 < x["val_p_mpjpe"] <= x["val_mpjpe"] * 1.5 for x in scored)
    a, b = load_checkpoint(plain).model.state_dict(), load_checkpoint(curve).model.state_dict()
    for name in a:  # scoring draws from its own generator and leaves the model in training mode
        torch.testing.assert_close(a[name], b[name], rtol=0, atol=0, msg=name)
    with pytest.raises(InputError, match="validation needs ground truth"):
        pretrain(clips, MICRO, 2, tmp_path / "c", recipe=RECIPE, progress=False, eval_clips=val.without_3d())


def test_ctrl_c_stops_after_the_step_with_its_checkpoint_and_the_run_resumes_exactly(tmp_path):
    clips = make_clips((50, 30))
    recipe = dataclasses.replace(RECIPE, checkpoint_every=100)  # no periodic checkpoint before the stop
    straight = pretrain(clips, MICRO, 8, tmp_path / "a", recipe=recipe, progress=False, seed=3)
    with pytest.MonkeyPatch.context() as pressing, pytest.raises(RunInterrupted, match=r"at step 3 of 8; .*--resume"):
        pressing.setattr(pretraining, "step_batch", ctrl_c_on_call(pretraining.step_batch, 3))
        pretrain(clips, MICRO, 8, tmp_path / "b", recipe=recipe, progress=False, seed=3)
    assert torch.load(tmp_path / "b/train_state.pt", weights_only=True)["step"] == 3
    resumed = pretrain(clips, MICRO, 8, tmp_path / "b", recipe=recipe, progress=False, seed=3, resume=True)
    a, b = load_checkpoint(straight).model.state_dict(), load_checkpoint(resumed).model.state_dict()
    for name in a:
        torch.testing.assert_close(a[name], b[name], rtol=0, atol=0, msg=name)
    assert metrics_without_time(tmp_path / "a") == metrics_without_time(tmp_path / "b")


def test_refuses_to_overwrite_a_run_and_to_resume_another_architecture_or_recipe(tmp_path):
    clips = make_clips((30,))
    pretrain(clips, MICRO, 2, tmp_path, recipe=RECIPE, progress=False)
    with pytest.raises(InputError, match="already holds a training run"):
        pretrain(clips, MICRO, 2, tmp_path, recipe=RECIPE, progress=False)
    with pytest.raises(InputError, match="another architecture"):
        pretrain(clips, PRESETS["tiny"], 4, tmp_path, recipe=RECIPE, progress=False, resume=True)
    rough = dataclasses.replace(RECIPE, keypoint_noise=0.02)  # e.g. a preset's recipe changed since the run began
    with pytest.raises(InputError, match=r"trained with keypoint_noise 0.0 \(now 0.02\)"):
        pretrain(clips, MICRO, 4, tmp_path, recipe=rough, progress=False, resume=True)
    longer = dataclasses.replace(RECIPE, log_every=2, checkpoint_every=4)  # only how often it logs and saves
    pretrain(clips, MICRO, 4, tmp_path, recipe=longer, progress=False, resume=True)
    with pytest.raises(InputError, match="joints_3d"):
        pretrain(clips.without_3d(), MICRO, 2, tmp_path / "x", recipe=RECIPE, progress=False)


def test_learning_rate_schedule_warms_up_then_decays():
    recipe = TrainRecipe(lr=1.0, warmup_steps=10, final_lr_fraction=0.1)
    lrs = [learning_rate(recipe, s, 1000) for s in range(1000)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert lrs[-1] == pytest.approx(0.1, rel=0.01) and all(a >= b for a, b in zip(lrs[10:], lrs[11:]))


def test_batches_mirror_2d_and_3d_together():
    clips = make_clips((40,))
    never, always = TrainRecipe(batch_size=4, flip_prob=0.0), TrainRecipe(batch_size=4, flip_prob=1.0)
    sampler = source_sampler(clips, 9, never)
    assert len(sampler) == len(source_sampler(clips, 9, always)) == 12  # every 3 frames + one at the end
    plain, flipped = (step_batch(sampler, recipe, seed=1, step=0, timesteps=1000) for recipe in (never, always))
    torch.testing.assert_close(flipped.keypoints, flip_left_right(plain.keypoints))
    torch.testing.assert_close(flipped.target, flip_left_right(plain.target))
    assert (plain.target[..., 0, :] == 0).all()  # root-relative metres
    torch.testing.assert_close(flipped.noise, plain.noise) and torch.equal(flipped.t, plain.t)


def test_view_turns_turn_the_3d_about_the_root_and_project_the_2d_anew_and_change_nothing_else():
    clips = make_clips((40,))
    plain = TrainRecipe(batch_size=6, flip_prob=0.0, placement_prob=0.0)
    turned = dataclasses.replace(plain, view_prob=1.0, view_pitch_degrees=30.0, view_roll_degrees=25.0)
    sampler = source_sampler(clips, 9, plain)
    a, b = (step_batch(sampler, recipe, seed=3, step=2, timesteps=1000) for recipe in (plain, turned))
    assert torch.equal(a.noise, b.noise) and torch.equal(a.t, b.t)  # the view draws come after every other draw
    assert not torch.allclose(a.target, b.target) and not torch.allclose(a.keypoints, b.keypoints)
    parents = list(H36M_PARENTS[1:])
    a_bones = torch.linalg.norm(a.target[..., 1:, :] - a.target[..., parents, :], dim=-1)
    b_bones = torch.linalg.norm(b.target[..., 1:, :] - b.target[..., parents, :], dim=-1)
    torch.testing.assert_close(b_bones, a_bones)  # a turn: the bones keep their lengths
    assert (b.target[..., 0, :] == 0).all()
    assert TrainRecipe().view_prob == 0.0  # off unless a recipe turns it on: the cpu one does (docs/realvideo.md)
    assert (RECIPES["cpu"].view_prob, RECIPES["cpu"].view_pitch_degrees, RECIPES["cpu"].view_roll_degrees) == (
        0.5,
        20,
        5,
    )


def test_keypoint_noise_changes_the_2d_only_and_is_the_cpu_recipes():
    clips = make_clips((40,))
    plain = TrainRecipe(batch_size=6, flip_prob=0.5, placement_prob=0.5)
    rough = dataclasses.replace(plain, keypoint_noise=0.03)
    sampler = source_sampler(clips, 9, plain)
    a, b = (step_batch(sampler, recipe, seed=3, step=2, timesteps=1000) for recipe in (plain, rough))
    for name in ("target", "noise", "t"):  # the error draws come after every other draw
        assert torch.equal(getattr(a, name), getattr(b, name))
    assert not torch.allclose(a.keypoints, b.keypoints)
    assert TrainRecipe().keypoint_noise == 0.0 and RECIPES["cpu"].keypoint_noise == 0.02  # docs/realvideo.md


@pytest.mark.parametrize(
    "recipe",
    [RECIPE, dataclasses.replace(RECIPE, keypoint_noise=0.02, view_prob=0.5)],
    ids=["default", "view-turns-and-keypoint-noise"],
)
def test_every_draw_of_a_step_comes_from_the_seed_and_step_and_slices_of_the_global_batch_compose_it(recipe):
    sampler = source_sampler(make_clips((40, 30)), 9, recipe)
    whole = step_batch(sampler, recipe, seed=5, step=7, timesteps=1000)
    halves = [step_batch(sampler, recipe, seed=5, step=7, timesteps=1000, part=p) for p in (slice(0, 4), slice(4, 8))]
    for name in ("keypoints", "target", "noise", "t"):
        torch.testing.assert_close(torch.cat([getattr(h, name) for h in halves]), getattr(whole, name), rtol=0, atol=0)
    again, other = (step_batch(sampler, recipe, seed=5, step=s, timesteps=1000) for s in (7, 8))
    assert torch.equal(again.noise, whole.noise) and not torch.equal(other.noise, whole.noise)
    assert whole.keypoints.shape == (8, 9, 17, 2) and whole.t.dtype == torch.int64 and whole.t.max() < 1000


def test_bf16_autocast_trains_on_the_cpu_and_fp16_needs_cuda(tmp_path):
    clips = make_clips((50, 30))
    pretrain(clips, MICRO, 4, tmp_path / "bf16", recipe=RECIPE, progress=False, precision="bf16")
    lines = [json.loads(x) for x in (tmp_path / "bf16/metrics.jsonl").read_text().splitlines()]
    assert all(np.isfinite(x["loss_mm"]) and x["world_size"] == 1 for x in lines)
    provenance = load_checkpoint(tmp_path / "bf16/model.safetensors").provenance
    assert provenance["precision"] == "bf16" and provenance["device"] == "cpu" and provenance["world_size"] == 1
    with pytest.raises(InputError, match="^precision fp16 needs a CUDA device"):
        pretrain(clips, MICRO, 2, tmp_path / "fp16", recipe=RECIPE, progress=False, precision="fp16")
    assert not (tmp_path / "fp16").exists()


def test_pretrain_file_records_where_the_data_came_from(tmp_path):
    data = save_clips(tmp_path / "src.npz", make_clips((30,)))
    model = pretrain_file(data, "tiny", 2, tmp_path / "run", {"batch_size": 2}, progress=False)
    provenance = load_checkpoint(model).provenance
    assert provenance["preset"] == "tiny" and provenance["data"] == str(data) and provenance["steps"] == 2
    assert provenance["recipe"]["batch_size"] == 2 and len(provenance["data_sha256"]) == 64


@pytest.mark.slow
def test_compiled_and_eager_denoisers_train_to_the_same_loss(tmp_path):
    """torch.compile (inductor on the CPU) of the micro denoiser: the same losses as eager to float32 noise."""
    clips = make_clips((50, 30))
    for name, compiled in (("eager", False), ("compiled", True)):
        pretrain(clips, MICRO, 3, tmp_path / name, recipe=RECIPE, progress=False, compile=compiled)
    eager, compiled = (
        [json.loads(x)["loss_mm"] for x in (tmp_path / name / "metrics.jsonl").read_text().splitlines()]
        for name in ("eager", "compiled")
    )
    np.testing.assert_allclose(compiled, eager, rtol=1e-4)  # mm; kernels fuse and reorder float32 sums
    assert load_checkpoint(tmp_path / "compiled/model.safetensors").provenance["compile"] is True
