"""ONNX Runtime sessions: posynda's thread count unless given, one inter-op thread, full graph optimisation."""

import numpy as np
import pytest

from posynda.ort import ort_session

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")


def _add_one() -> bytes:
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
    one = helper.make_tensor("one", TensorProto.FLOAT, [1], [1.0])
    graph = helper.make_graph([helper.make_node("Add", ["x", "one"], ["y"])], "add", [x], [y], [one])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model.SerializeToString()


@pytest.mark.parametrize("threads, expected", [(1, 1), (2, 2)])
def test_a_session_runs_with_the_threads_asked_for(threads, expected):
    session = ort_session(_add_one(), threads=threads)
    options = session.get_session_options()
    assert options.intra_op_num_threads == expected and options.inter_op_num_threads == 1
    (y,) = session.run(None, {"x": np.array([1.0, 2.0], np.float32)})
    np.testing.assert_array_equal(y, [2.0, 3.0])


def test_the_default_is_posyndas_thread_choice(monkeypatch):
    monkeypatch.setattr("posynda.ort.chosen_threads", lambda: 1)
    assert ort_session(_add_one()).get_session_options().intra_op_num_threads == 1


def test_idle_threads_spin_unless_asked_not_to():
    key = "session.intra_op.allow_spinning"
    with pytest.raises(RuntimeError, match="does not have configuration"):  # unset: ORT's default, spinning
        ort_session(_add_one(), threads=2).get_session_options().get_session_config_entry(key)
    assert ort_session(_add_one(), threads=2, spin=False).get_session_options().get_session_config_entry(key) == "0"
