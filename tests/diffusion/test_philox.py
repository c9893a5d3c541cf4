"""The portable Philox noise: Random123's known answers, the documented lane layout, independence of
batching, and normal statistics."""

import numpy as np
import pytest

from posynda.diffusion.philox import philox4x32, philox_normal, window_noise

# Random123 kat_vectors, philox4x32_10: (counter, key) -> output
KNOWN_ANSWERS = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF, 0xFFFFFFFF), (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    (
        (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
        (0xA4093822, 0x299F31D0),
        (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1),
    ),
]


@pytest.mark.parametrize("counter, key, expected", KNOWN_ANSWERS)
def test_philox4x32_10_known_answers(counter, key, expected):
    out = philox4x32(np.array([counter], np.uint32), key)
    assert tuple(int(v) for v in out[0]) == expected


def test_normals_follow_the_documented_box_muller_lanes():
    seed, sequence, window = (7 << 32) | 3, 2, 5
    counter = np.array([[1, 0, window, sequence]], np.uint32)  # block 1 = normals 4..7
    x = philox4x32(counter, (3, 7))[0].astype(np.float64)
    u = (x + 0.5) / 2.0**32
    r01, r23 = np.sqrt(-2 * np.log(u[0])), np.sqrt(-2 * np.log(u[2]))
    expected = [r01 * np.cos(2 * np.pi * u[1]), r01 * np.sin(2 * np.pi * u[1])]
    expected += [r23 * np.cos(2 * np.pi * u[3]), r23 * np.sin(2 * np.pi * u[3])]
    assert np.array_equal(philox_normal(seed, sequence, window, 8)[4:], np.float32(expected))


def test_window_noise_depends_on_the_window_not_the_batch():
    alone = window_noise(0, [(1, 4)], 2, 3, 9, 17)
    batch = window_noise(0, [(0, 0), (1, 4), (1, 5)], 2, 3, 9, 17)
    assert batch.shape == (3, 3, 3, 9, 17, 3)
    assert np.array_equal(batch[:, 1], alone[:, 0])
    assert not np.array_equal(batch[:, 1], batch[:, 2]) and not np.array_equal(
        window_noise(1, [(1, 4)], 2, 3, 9, 17), alone
    )


def test_normals_are_standard():
    x = philox_normal(123, 0, 0, 400_000)
    assert abs(x.mean()) < 0.01 and abs(x.std() - 1) < 0.01 and abs((x**3).mean()) < 0.02
    assert x.dtype == np.float32 and np.isfinite(x).all()


@pytest.mark.parametrize("seed, sequence, window", [(-1, 0, 0), (2**64, 0, 0), (0, -1, 0), (0, 0, 2**32)])
def test_out_of_range_streams_are_refused(seed, sequence, window):
    with pytest.raises(ValueError):
        philox_normal(seed, sequence, window, 4)
