"""The TFLite -> ONNX converter's pieces that need no model file: sparse (densified) weights and TFLite's SAME
padding; the converted BlazePose models themselves are checked against MediaPipe in test_people.py."""

import numpy as np
import pytest

from posynda.detectors.tflite_graph import UnsupportedGraph, _same_pads, densify


def test_densify_places_csr_rows():
    values = np.array([1.0, 2.0, 3.0], np.float32)
    dense = densify((2, 2, 3), values, np.array([0, 1, 1, 2, 3]), np.array([2, 0, 1]))
    expected = np.zeros((4, 3), np.float32)
    expected[0, 2], expected[2, 0], expected[3, 1] = 1, 2, 3
    np.testing.assert_array_equal(dense, expected.reshape(2, 2, 3))


@pytest.mark.parametrize(
    "segments, indices, message",
    [
        (np.array([0, 1, 3]), np.array([0, 1, 2]), "segments and indices do not fit"),
        (np.array([0, 1, 1, 2, 3]), np.array([0, 1, 3]), "column index is out of range"),
        (np.array([0, 2, 1, 2, 3]), np.array([0, 1, 2]), "segments and indices do not fit"),
    ],
    ids=["rows", "column", "decreasing"],
)
def test_a_sparse_tensor_that_does_not_fit_is_refused(segments, indices, message):
    with pytest.raises(UnsupportedGraph, match=message):
        densify((2, 2, 3), np.ones(3, np.float32), segments, indices)


@pytest.mark.parametrize(
    "size, kernel, stride, out, pads",
    [((224, 224), (3, 3), (2, 2), (112, 112), [0, 0, 1, 1]), ((7, 7), (5, 5), (1, 1), (7, 7), [2, 2, 2, 2]),
     ((8, 8), (1, 1), (1, 1), (8, 8), [0, 0, 0, 0])],
)  # fmt: skip
def test_same_padding_puts_the_odd_pixel_at_the_end(size, kernel, stride, out, pads):
    assert _same_pads(size, kernel, stride, (1, 1), out) == pads
