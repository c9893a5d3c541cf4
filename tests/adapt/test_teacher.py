"""The teacher: pseudo-labels are per-joint picks among its hypotheses (the EMA teacher: tests/training/test_ema.py)."""

import torch

from posynda import camera
from posynda.adapt.teacher import pseudo_labels
from posynda.diffusion import DDIMScheduler, draw_noise, sample_poses
from tests.helpers.clips import make_clips
from tests.helpers.models import micro_checkpoint


def test_pseudo_labels_pick_among_the_hypotheses_per_joint():
    model = micro_checkpoint().model
    clips = make_clips((9,))
    kp_px = torch.from_numpy(clips.keypoints_2d)[None]
    kp = camera.canonical_screen(kp_px, torch.from_numpy(clips.camera[:1]))
    intr = torch.from_numpy(clips.camera[:1])
    labels = pseudo_labels(
        model, DDIMScheduler(), kp, kp_px, intr, torch.ones(1, 9, 17), 3, 1, "joint", torch.Generator().manual_seed(0)
    )
    hyps = sample_poses(
        model, kp, DDIMScheduler(), 3, 1, False, draw_noise(1, 3, 9, 17, 1, torch.Generator().manual_seed(0))
    )
    match = (hyps[0] == labels[0][None]).all(-1)  # [H, T, J]
    assert match.any(0).all()  # every joint of every frame comes from one of the hypotheses


def test_snapped_pseudo_labels_are_the_selection_moved_onto_the_rays():
    model = micro_checkpoint().model
    clips = make_clips((9,))
    kp_px = torch.from_numpy(clips.keypoints_2d)[None].double()
    kp = camera.canonical_screen(kp_px, torch.from_numpy(clips.camera[:1]).double()).float()
    intr = torch.from_numpy(clips.camera[:1]).double()
    weights = torch.ones(1, 9, 17)

    def labels(snap):
        generator = torch.Generator().manual_seed(0)
        return pseudo_labels(model, DDIMScheduler(), kp, kp_px, intr, weights, 3, 1, "joint", generator, snap=snap)

    plain, snapped = labels(False), labels(True)
    expected = camera.snap_to_rays(plain[0], kp_px[0], intr.expand(9, 9), weights[0])
    torch.testing.assert_close(snapped[0], expected.to(snapped.dtype))
    assert not torch.allclose(snapped, plain)
