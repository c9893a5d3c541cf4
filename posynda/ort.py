"""ONNX Runtime sessions tuned for this machine, for every ``.onnx`` posynda runs (the lifter's graphs in
:mod:`posynda.runtime`, and every other ONNX model posynda runs).

``onnxruntime`` is imported inside :func:`ort_session` (an optional stack: extras ``[export]`` / ``[video]``).
"""

from __future__ import annotations

from posynda.extras import require
from posynda.threads import chosen_threads


def ort_session(model: bytes | str, threads: int | None = None, providers=("CPUExecutionProvider",)):
    """An ONNX Runtime session: ``threads`` intra-op threads (default: posynda's,
    :func:`posynda.threads.chosen_threads`), one inter-op thread, ORT_ENABLE_ALL, warnings only."""
    require("onnxruntime", purpose="an .onnx model")
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads or chosen_threads()
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(model, options, providers=list(providers))
