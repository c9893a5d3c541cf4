"""Camera geometry: normalisation, projection, undistortion and the root-translation solve."""

import numpy as np
import pytest
import torch

from posynda import camera

STUDIO = np.array([1145.0, 1143.8, 512.5, 515.4, -0.207, 0.247, -0.003, -0.0009, -0.0012])
PINHOLE_WILD = np.array([1500.2, 1500.2, 1017.4, 1043.0, 0, 0, 0, 0, 0])


def random_pose(rng, n, scale_mm=350.0):
    rel = rng.normal(size=(n, 17, 3)) * scale_mm
    rel[:, 0] = 0.0
    return rel


@pytest.mark.parametrize("intrinsics", [STUDIO, PINHOLE_WILD], ids=["distorted", "pinhole"])
def test_canonical_screen_is_the_point_in_focal_units(intrinsics):
    uv = np.random.default_rng(0).uniform(0, 2000, size=(50, 17, 2))
    canon = camera.canonical_screen(uv, intrinsics)
    np.testing.assert_allclose(canon, camera.CANONICAL_FOCAL * (uv - intrinsics[2:4]) / intrinsics[0:2], atol=1e-12)
    per_frame = camera.canonical_screen(uv, np.broadcast_to(intrinsics, (50, 9)))  # one camera per frame
    np.testing.assert_allclose(per_frame, canon, atol=1e-12)


@pytest.mark.parametrize("intrinsics", [STUDIO, PINHOLE_WILD], ids=["distorted", "pinhole"])
def test_canonical_intrinsics_project_to_canonical_screen(intrinsics):
    rng = np.random.default_rng(1)
    points = random_pose(rng, 20) + np.array([100.0, -50.0, 4500.0])
    direct = camera.canonical_screen(camera.project(points, intrinsics), intrinsics)
    via = camera.project(points, camera.canonical_intrinsics(intrinsics))
    np.testing.assert_allclose(via, direct, atol=1e-9)


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920), (1000, 1000)], ids=["landscape", "portrait", "square"])
def test_canonical_screen_ignores_image_size_and_orientation(size):
    """The same rays seen through a landscape, a portrait and a square frame of one lens give one input."""
    points = random_pose(np.random.default_rng(4), 6) + np.array([300.0, 200.0, 5000.0])
    f = 1500.0
    frame = np.array([f, f, size[0] / 2, size[1] / 2, 0, 0, 0, 0, 0])
    reference = np.array([f, f, 960.0, 540.0, 0, 0, 0, 0, 0])
    np.testing.assert_allclose(
        camera.canonical_screen(camera.project(points, frame), frame),
        camera.canonical_screen(camera.project(points, reference), reference),
        atol=1e-9,
    )


def test_projection_matches_pinhole_without_distortion_and_undistort_inverts():
    rng = np.random.default_rng(2)
    points = random_pose(rng, 10) + np.array([0.0, 0.0, 5000.0])
    pinhole = PINHOLE_WILD[:2] * points[..., :2] / points[..., 2:3] + PINHOLE_WILD[2:4]
    np.testing.assert_allclose(camera.project(points, PINHOLE_WILD), pinhole)
    uv = camera.project(points, STUDIO)
    ideal = camera.undistort_image_plane(uv, STUDIO)
    np.testing.assert_allclose(ideal, points[..., :2] / points[..., 2:3], atol=1e-7)


def test_project_accepts_torch_and_broadcasts_per_frame_intrinsics():
    points = torch.randn(4, 17, 3) * 0.3 + torch.tensor([0.0, 0.0, 5.0])
    intrinsics = torch.from_numpy(np.stack([STUDIO, PINHOLE_WILD, STUDIO, PINHOLE_WILD])).float()
    uv = camera.project(points, intrinsics)
    assert isinstance(uv, torch.Tensor) and uv.shape == (4, 17, 2)
    np.testing.assert_allclose(uv[1].numpy(), camera.project(points[1].double().numpy(), PINHOLE_WILD), rtol=1e-5)


@pytest.mark.parametrize("intrinsics", [STUDIO, PINHOLE_WILD], ids=["distorted", "pinhole"])
@pytest.mark.parametrize("translation", [(0.0, 0.0, 4000.0), (-800.0, 300.0, 6500.0), (500.0, 350.0, 3000.0)])
def test_root_solve_recovers_translation_below_1mm(intrinsics, translation):
    rng = np.random.default_rng(3)
    rel = random_pose(rng, 8, scale_mm=250.0)
    t = np.array(translation)
    uv = camera.project(rel + t, intrinsics)
    assert ((uv > 0) & (uv < 2 * intrinsics[2:4])).all()  # the body is in view
    solved = camera.solve_root_translation(rel, uv, intrinsics)
    assert np.abs(solved - t).max() < 1.0


@pytest.mark.parametrize("masked", [1, 4, 8])
def test_root_solve_with_masked_joints_stays_finite_and_close(masked):
    rng = np.random.default_rng(4)
    rel = random_pose(rng, 16)
    t = np.array([200.0, -100.0, 5000.0])
    uv = camera.project(rel + t, PINHOLE_WILD)
    uv += rng.normal(size=uv.shape) * 2.0  # 2 px detector noise
    weights = np.ones((16, 17))
    for n in range(16):
        drop = rng.choice(17, size=masked, replace=False)
        uv[n, drop[: masked // 2]] = np.nan  # half missing as NaN,
        weights[n, drop[masked // 2 :]] = 0.0  # half as zero confidence
    solved = camera.solve_root_translation(rel, uv, PINHOLE_WILD, weights)
    assert np.isfinite(solved).all()
    assert np.abs(solved - t).max() < 60.0  # depth from 2 px noise on a ~1.5 m body at 5 m


def test_root_solve_fully_masked_is_finite():
    rel = random_pose(np.random.default_rng(5), 2)
    uv = np.full((2, 17, 2), np.nan)
    assert np.isfinite(camera.solve_root_translation(rel, uv, STUDIO)).all()


@pytest.mark.parametrize(
    "call, needle",
    [
        (lambda: camera.project(np.zeros((3, 17, 2)), STUDIO), r"points must be \[..., J, 3\], got shape \[3, 17, 2\]"),
        (lambda: camera.project(np.ones((3, 17, 3)), np.ones(8)), r"intrinsics must be \[..., 9\]"),
        (lambda: camera.canonical_screen(np.zeros((5, 3)), STUDIO), r"uv must be \[..., 2\]"),
        (lambda: camera.canonical_screen(np.zeros((5, 2)), np.ones(4)), r"intrinsics must be \[..., 9\]"),
        (lambda: camera.canonical_intrinsics(np.ones(4)), r"intrinsics must be \[..., 9\]"),
        (lambda: camera.undistort_image_plane(np.zeros(2), STUDIO), r"uv must be \[..., J, 2\]"),
        (
            lambda: camera.solve_root_translation(np.zeros((2, 17, 3)), np.zeros((2, 16, 2)), STUDIO),
            "joint counts differ",
        ),
        (
            lambda: camera.solve_root_translation(np.zeros((2, 17, 3)), np.zeros((2, 17, 2)), STUDIO, np.ones((2, 15))),
            "joint counts differ",
        ),
    ],
    ids=[
        "points",
        "intrinsics",
        "uv",
        "canonical-intrinsics",
        "canonical-intrinsics-alone",
        "undistort",
        "solve-2d",
        "solve-weights",
    ],  # fmt: skip
)
def test_shapes_are_checked_at_the_door(call, needle):
    with pytest.raises(ValueError, match=needle):
        call()


@pytest.mark.parametrize("intrinsics", [STUDIO, PINHOLE_WILD], ids=["distorted", "pinhole"])
def test_snap_to_rays_reprojects_exactly_and_keeps_an_exact_pose(intrinsics):
    rng = np.random.default_rng(7)
    truth = random_pose(rng, 6, scale_mm=250.0)
    uv = camera.project(truth + np.array([150.0, -80.0, 4500.0]), intrinsics)
    np.testing.assert_allclose(camera.snap_to_rays(truth, uv, intrinsics), truth, atol=1e-3)  # mm: nothing to fix
    wrong = truth + rng.normal(size=truth.shape) * 40.0
    wrong[:, 0] = 0.0
    snapped = camera.snap_to_rays(wrong, uv, intrinsics)
    placed = snapped + camera.solve_root_translation(snapped, uv, intrinsics)[:, None]
    np.testing.assert_allclose(camera.project(placed, intrinsics), uv, atol=1e-3)  # px: on the rays
    assert np.abs(snapped - truth).mean() < np.abs(wrong - truth).mean()  # x and y now come from the 2D
    np.testing.assert_array_equal(snapped[:, 0], 0.0)


def test_snap_to_rays_leaves_joints_without_2d_where_the_root_solve_put_them():
    rng = np.random.default_rng(8)
    pose = random_pose(rng, 2, scale_mm=250.0)
    uv = camera.project(pose + np.array([0.0, 0.0, 4000.0]), PINHOLE_WILD)
    uv[:, 5] = np.nan
    snapped = camera.snap_to_rays(pose, uv, PINHOLE_WILD)
    assert np.isfinite(snapped).all()
    np.testing.assert_allclose(snapped[:, 5], pose[:, 5], atol=1e-3)  # mm (the ridge of the solve)


@pytest.mark.parametrize(
    "a, b",
    [
        ((0, 0, 1), (0, 0, 1)),
        ((0, 1, 0), (0, -1, 0)),
        ((0, 0, -1), (0, 0, 1)),
        ((1, 2, 3), (0, -1, 0)),
        ((0.2, -0.9, 0.1), (0, 0, 1)),
    ],  # fmt: skip
    ids=["same", "opposite-y", "opposite-z", "any", "near-opposite"],
)
def test_rotation_between_two_directions_is_a_rotation_taking_one_to_the_other(a, b):
    r = camera.rotation_between(a, b)
    unit_a, unit_b = np.asarray(a, float) / np.linalg.norm(a), np.asarray(b, float) / np.linalg.norm(b)
    np.testing.assert_allclose(r @ unit_a, unit_b, atol=1e-12)
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(r) == pytest.approx(1.0)


def test_opposite_directions_turn_half_about_the_least_aligned_axis():
    np.testing.assert_array_equal(camera.rotation_between((0, 1, 0), (0, -1, 0)), np.diag([1.0, -1.0, -1.0]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_undistortion_stops_at_its_fixed_point_with_the_numbers_of_all_twenty_steps(dtype):
    """A step that changes no bit ends the iteration on the CPU (a live frame's keypoints stop after a few): the
    result is that of the 20 steps, bit for bit."""
    uv = (np.random.default_rng(0).random((300, 17, 2)) * 1500).astype(dtype)
    intrinsics = np.array([1000.0, 1000.0, 960.0, 540.0, -0.3, 0.1, 0.01, 0.001, -0.002], dtype)
    k = torch.from_numpy(intrinsics)
    f, c, radial_k, p = k[:2], k[2:4], k[4:7], k[7:]
    distorted = (torch.from_numpy(uv) - c) / f
    xy = distorted
    for _ in range(20):  # the iteration as written, every step
        r2 = (xy * xy).sum(dim=-1, keepdim=True)
        radial = 1.0 + radial_k[0:1] * r2 + radial_k[1:2] * r2**2 + radial_k[2:3] * r2**3
        xy = (distorted - p * r2) / (radial + (p * xy).sum(dim=-1, keepdim=True))
    np.testing.assert_array_equal(camera.undistort_image_plane(uv, intrinsics), xy.numpy())
