"""ONNX Runtime sessions tuned for this machine, for every ``.onnx`` posynda runs (the lifter's graphs in
:mod:`posynda.runtime`, and every other ONNX model posynda runs).

``onnxruntime`` is imported inside :func:`ort_session` (an optional stack: extras ``[export]`` / ``[video]``).
"""

from __future__ import annotations

from posynda.extras import require
from posynda.threads import chosen_threads


def ort_session(model: bytes | str, threads: int | None = None, providers=("CPUExecutionProvider",),
                spin: bool = True):  # fmt: skip
    """An ONNX Runtime session: ``threads`` intra-op threads (default: posynda's,
    :func:`posynda.threads.chosen_threads`), one inter-op thread, ORT_ENABLE_ALL, warnings only. ``spin=False``:
    idle intra-op threads sleep instead of spinning (``session.intra_op.allow_spinning = 0``): for many short
    runs per frame on a machine other work may load (the video detector: 1080p, one person, 36.9 -> 45.0
    frames/s idle and 17.9 -> 30.1 with one busy process beside it, bench/results/cpu-2core/live.md)."""
    require("onnxruntime", purpose="an .onnx model")
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads or chosen_threads()
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    if not spin:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(model, options, providers=list(providers))
