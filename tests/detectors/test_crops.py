"""Crops of rotated regions: the region BlazePose aligns to two points, crop <-> image maps, the letterbox,
and the bilinear sampler (exact on the pixel grid, zero outside the image)."""

import math

import numpy as np
import pytest

from posynda.detectors.crops import (
    Region,
    aligned_region,
    crop_transform,
    letterbox_transform,
    normalise_angle,
    to_image,
    warp,
)


@pytest.mark.parametrize(
    "end, rotation",
    [((0, -10), 0.0), ((10, 0), math.pi / 2), ((0, 10), -math.pi), ((-10, 0), -math.pi / 2)],
    ids=["up", "right", "down", "left"],
)
def test_the_region_turns_so_that_start_to_end_points_up(end, rotation):
    region = aligned_region(np.array([50.0, 60.0]), np.array([50.0, 60.0]) + end)
    assert region.centre == (50.0, 60.0) and region.size == pytest.approx(2 * 10 * 1.25)
    assert region.rotation == pytest.approx(rotation)
    top = to_image(np.array([128.0, 0.0]), crop_transform(region, 256))  # the crop's top centre
    np.testing.assert_allclose(top, np.array([50.0, 60.0]) + np.array(end) * 1.25, atol=1e-9)


def test_normalise_angle():
    assert normalise_angle(3 * math.pi) == pytest.approx(-math.pi)
    assert normalise_angle(-math.pi / 4) == pytest.approx(-math.pi / 4)


def test_the_crop_maps_its_corners_onto_the_rotated_square():
    region = Region((100.0, 80.0), 40.0, math.pi / 2)
    corners = to_image(np.array([[0.0, 0.0], [256.0, 0.0], [256.0, 256.0]]), crop_transform(region, 256))
    np.testing.assert_allclose(corners, [[120.0, 60.0], [120.0, 100.0], [80.0, 100.0]], atol=1e-9)


def test_the_letterbox_scales_to_fit_and_centres():
    t = letterbox_transform(1080, 1920, 224)  # portrait: bars left and right
    np.testing.assert_allclose(to_image(np.array([[0.0, 0.0], [224.0, 224.0]]), t), [[-420, 0], [1500, 1920]])


def test_warp_samples_bilinearly_and_is_zero_outside():
    image = np.arange(4 * 5 * 1, dtype=np.float32).reshape(4, 5, 1)
    identity = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    np.testing.assert_array_equal(warp(image, identity, 5, 4), image)
    half = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.0]])
    np.testing.assert_allclose(warp(image, half, 4, 4)[..., 0], image[:, :4, 0] + 0.5)
    outside = np.array([[1.0, 0.0, 100.0], [0.0, 1.0, 0.0]])
    assert not warp(image, outside, 3, 3).any()


def _bilinear(image, x, y):
    """One bilinear sample, zero outside: the definition the fast warp must meet."""
    x0, y0 = int(np.floor(x)), int(np.floor(y))
    total = np.zeros(image.shape[2])
    for yy, wy in ((y0, 1 - (y - y0)), (y0 + 1, y - y0)):
        for xx, wx in ((x0, 1 - (x - x0)), (x0 + 1, x - x0)):
            if 0 <= yy < image.shape[0] and 0 <= xx < image.shape[1]:
                total += wx * wy * image[yy, xx]
    return total


@pytest.mark.parametrize("seed", range(6))
def test_warp_meets_the_bilinear_definition_inside_across_and_beyond_the_edges(seed):
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (20, 30, 3)).astype(np.uint8)
    region = Region(tuple(rng.uniform(-10, 40, 2)), float(rng.uniform(4, 40)), float(rng.uniform(-3, 3)))
    transform = crop_transform(region, 8)
    got = warp(image, transform, 8, 8)
    for v in range(8):
        for u in range(8):
            x, y = transform @ np.array([u, v, 1.0])
            np.testing.assert_allclose(got[v, u], _bilinear(image, x, y), atol=1e-3)
