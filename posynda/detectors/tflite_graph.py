"""TFLite flatbuffers as ONNX graphs: the converter that lets ONNX Runtime (in Python and in libposynda) run the
BlazePose models that ship inside the mediapipe wheel.

It reads a ``.tflite`` file with the ``tflite`` package (the generated flatbuffer schema) and writes an ONNX
graph with the same arithmetic: float16 weights (``DEQUANTIZE``) and sparse weights (``DENSIFY``, CSR on the
last axis) are expanded to float32 constants once; activations run in NCHW inside the graph (one transpose
after the NHWC input, one before each output that is not 4-D NCHW's business); ``SAME`` padding becomes the
explicit pads TFLite computes (extra row/column at the end). Only the operators of the bundled BlazePose
models are supported -- any other raises :class:`UnsupportedGraph` naming it -- and only the outputs asked for
are kept (the landmark model's segmentation and heatmap heads cost half its time and are dropped).

Checked against the TFLite interpreter on random inputs (``tests/detectors/test_tflite_graph.py``): largest
difference 4e-3 px on landmarks of a 256-px crop, 4e-4 on the detector's box regressors.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from posynda.errors import InputError

OPSET = 17
# TFLite tensor type -> numpy dtype (the ones these models use)
_DTYPES = {0: np.float32, 1: np.float16, 2: np.int32, 3: np.uint8, 4: np.int64, 9: np.int8}
_ACTIVATIONS = {0: None, 1: "Relu", 3: "Relu6"}  # fused activation function codes
_SAME = 0  # tflite Padding.SAME


class UnsupportedGraph(InputError):
    """The TFLite file uses an operator, activation or sparsity layout this converter does not cover."""


def _options(op, cls):
    table = op.BuiltinOptions()
    options = cls()
    options.Init(table.Bytes, table.Pos)
    return options


def densify(shape: Sequence[int], values: np.ndarray, segments: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """A dense ``shape`` array from TFLite's sparse layout with every axis dense but the last, which is CSR:
    row ``r`` (of the flattened leading axes) holds ``values[segments[r]:segments[r + 1]]`` at the columns
    ``indices[segments[r]:segments[r + 1]]``."""
    rows = int(np.prod(shape[:-1]))
    if (segments.shape != (rows + 1,) or indices.shape != values.shape or segments[0] != 0
            or segments[-1] != len(values) or (np.diff(segments) < 0).any()):  # fmt: skip
        raise UnsupportedGraph(f"sparse tensor of shape {list(shape)}: segments and indices do not fit")
    if len(indices) and (indices.min() < 0 or indices.max() >= shape[-1]):
        raise UnsupportedGraph(f"sparse tensor of shape {list(shape)}: a column index is out of range")
    dense = np.zeros((rows, shape[-1]), values.dtype)
    dense[np.repeat(np.arange(rows), np.diff(segments)), indices] = values
    return dense.reshape(shape)


class _Reader:
    """The tensors, constants and operators of subgraph 0 of a TFLite model."""

    def __init__(self, data: bytes, source: str):
        import tflite  # noqa: PLC0415 -- the video stack's flatbuffer schema, only when converting

        self.tflite = tflite
        self.model = tflite.Model.GetRootAsModel(data, 0)
        if self.model.SubgraphsLength() != 1:
            raise UnsupportedGraph(f"{source}: {self.model.SubgraphsLength()} subgraphs (one is supported)")
        self.graph = self.model.Subgraphs(0)
        self.source = source
        names = tflite.BuiltinOperator.__dict__.items()
        self.op_names = {code: name for name, code in names if not name.startswith("_")}

    def shape(self, i: int) -> list[int]:
        return [int(s) for s in self.graph.Tensors(i).ShapeAsNumpy()]

    def constant(self, i: int) -> np.ndarray | None:
        tensor = self.graph.Tensors(i)
        buffer = self.model.Buffers(tensor.Buffer())
        if buffer is None or buffer.DataLength() == 0:
            return None
        if tensor.Type() not in _DTYPES:
            raise UnsupportedGraph(f"{self.source}: tensor {tensor.Name()!r} of TFLite type {tensor.Type()}")
        values = np.frombuffer(buffer.DataAsNumpy().tobytes(), _DTYPES[tensor.Type()])
        sparsity = tensor.Sparsity()
        if sparsity is None:
            return values.reshape(self.shape(i))
        return self._dense(tensor, sparsity, values)

    def _dense(self, tensor, sparsity, values: np.ndarray) -> np.ndarray:
        shape = self.shape_of(tensor)
        dims = [sparsity.DimMetadata(d) for d in range(sparsity.DimMetadataLength())]
        order = list(sparsity.TraversalOrderAsNumpy())
        if order != list(range(len(shape))) or sparsity.BlockMapLength() or len(dims) != len(shape):
            raise UnsupportedGraph(f"{self.source}: block-sparse or reordered tensor {tensor.Name()!r}")
        if any(d.Format() != 0 for d in dims[:-1]) or dims[-1].Format() != 1:
            raise UnsupportedGraph(f"{self.source}: sparse tensor {tensor.Name()!r} is not CSR on its last axis")
        last = dims[-1]
        vectors = {1: self.tflite.Int32Vector, 2: self.tflite.Uint16Vector, 3: self.tflite.Uint8Vector}

        def array(kind: int, table) -> np.ndarray:
            if kind not in vectors:
                raise UnsupportedGraph(f"{self.source}: sparse index type {kind} of {tensor.Name()!r}")
            vector = vectors[kind]()
            vector.Init(table.Bytes, table.Pos)
            return vector.ValuesAsNumpy().astype(np.int64)

        segments = array(last.ArraySegmentsType(), last.ArraySegments())
        indices = array(last.ArrayIndicesType(), last.ArrayIndices())
        return densify(shape, values, segments, indices)

    @staticmethod
    def shape_of(tensor) -> list[int]:
        return [int(s) for s in tensor.ShapeAsNumpy()]

    def operators(self):
        """``(kind, op, inputs, outputs)`` per operator, in execution order."""
        for k in range(self.graph.OperatorsLength()):
            op = self.graph.Operators(k)
            code = self.model.OperatorCodes(op.OpcodeIndex())
            number = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
            kind = self.op_names.get(number, str(number))
            yield kind, op, [int(x) for x in op.InputsAsNumpy()], [int(x) for x in op.OutputsAsNumpy()]


def _same_pads(size: Sequence[int], kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int],
               out: Sequence[int]) -> list[int]:  # fmt: skip
    """ONNX ``pads`` [top, left, bottom, right] of TFLite's SAME padding (the odd pixel at the end)."""
    before, after = [], []
    for n, k, s, d, o in zip(size, kernel, stride, dilation, out):
        total = max((o - 1) * s + (k - 1) * d + 1 - n, 0)
        before.append(total // 2)
        after.append(total - total // 2)
    return before + after


class _Builder:
    """The ONNX graph under construction: nodes, float32 initialisers, which tensors are NCHW."""

    def __init__(self, reader: _Reader):
        from onnx import helper, numpy_helper  # noqa: PLC0415 -- the export stack, only when converting

        self.helper, self.numpy_helper = helper, numpy_helper
        self.reader = reader
        self.nodes: list = []
        self.initialisers: list = []
        self.constants: dict[int, np.ndarray] = {}
        self.nchw: set[int] = set()
        self.nhwc_views: dict[int, str] = {}

    @staticmethod
    def name(i: int) -> str:
        return f"t{i}"

    def node(self, op_type: str, inputs: list[str], outputs: list[str], **attributes) -> None:
        self.nodes.append(self.helper.make_node(op_type, inputs, outputs, **attributes))

    def const(self, value: np.ndarray, name: str) -> str:
        self.initialisers.append(self.numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def nhwc(self, i: int) -> str:
        """Tensor ``i`` in TFLite's own layout (a transpose back for an NCHW activation, made once)."""
        if i not in self.nchw:
            return self.name(i)
        if i not in self.nhwc_views:
            self.nhwc_views[i] = f"{self.name(i)}_nhwc"
            self.node("Transpose", [self.name(i)], [self.nhwc_views[i]], perm=[0, 2, 3, 1])
        return self.nhwc_views[i]

    def activated(self, out: int, code: int, what: str) -> tuple[str, callable]:
        """The name the operator writes and a function that appends its fused activation."""
        if code not in _ACTIVATIONS:
            raise UnsupportedGraph(f"{self.reader.source}: fused activation {code} of {what}")
        kind = _ACTIVATIONS[code]
        if kind is None:
            return self.name(out), lambda: None
        raw = f"{self.name(out)}_raw"
        if kind == "Relu":
            return raw, lambda: self.node("Relu", [raw], [self.name(out)])
        low, high = self.const(np.float32(0), f"{raw}_lo"), self.const(np.float32(6), f"{raw}_hi")
        return raw, lambda: self.node("Clip", [raw, low, high], [self.name(out)])


def _convolution(b: _Builder, kind: str, op, ins: list[int], out: int, k: int) -> None:
    t = b.reader.tflite
    weights = b.constants[ins[1]].astype(np.float32)
    if kind == "CONV_2D":
        options = _options(op, t.Conv2DOptions)
        kernel, group = weights.transpose(0, 3, 1, 2), 1  # [O, H, W, I] -> [O, I, H, W]
    else:
        options = _options(op, t.DepthwiseConv2DOptions)
        kernel, group = weights.transpose(3, 0, 1, 2), b.reader.shape(ins[0])[3]  # [1, H, W, C*M] -> [C*M, 1, H, W]
    stride = [options.StrideH(), options.StrideW()]
    dilation = [options.DilationHFactor(), options.DilationWFactor()]
    size = list(kernel.shape[2:])
    pads = [0, 0, 0, 0]
    if options.Padding() == _SAME:
        pads = _same_pads(b.reader.shape(ins[0])[1:3], size, stride, dilation, b.reader.shape(out)[1:3])
    written, activate = b.activated(out, options.FusedActivationFunction(), kind)
    inputs = [b.name(ins[0]), b.const(kernel, f"w{k}")]
    if len(ins) > 2 and ins[2] >= 0:
        inputs.append(b.const(b.constants[ins[2]].astype(np.float32), f"b{k}"))
    b.node("Conv", inputs, [written], strides=stride, dilations=dilation, pads=pads, group=group, kernel_shape=size)
    activate()
    b.nchw.add(out)


def _operator(b: _Builder, kind: str, op, ins: list[int], outs: list[int], k: int) -> None:
    """Append the ONNX nodes of one TFLite operator."""
    t, out = b.reader.tflite, outs[0]
    if kind in ("DEQUANTIZE", "DENSIFY"):  # constants, expanded once
        if ins[0] not in b.constants:
            raise UnsupportedGraph(f"{b.reader.source}: {kind} of a computed tensor")
        b.constants[out] = b.constants[ins[0]].astype(np.float32)
    elif kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        _convolution(b, kind, op, ins, out, k)
    elif kind == "ADD":
        options = _options(op, t.AddOptions)
        written, activate = b.activated(out, options.FusedActivationFunction(), kind)
        if any(i not in b.nchw and i not in b.constants for i in ins):
            raise UnsupportedGraph(f"{b.reader.source}: ADD of a tensor outside the NCHW body")
        names = [b.name(i) if i in b.nchw else b.const(b.constants[i].astype(np.float32), f"c{k}_{j}")
                 for j, i in enumerate(ins)]  # fmt: skip
        b.node("Add", names, [written])
        activate()
        b.nchw.add(out)
    elif kind == "PAD":
        paddings = b.constants[ins[1]].astype(np.int64)[[0, 3, 1, 2]]  # NHWC rows -> NCHW
        pads = b.const(np.concatenate([paddings[:, 0], paddings[:, 1]]), f"p{k}")
        b.node("Pad", [b.name(ins[0]), pads], [b.name(out)])
        b.nchw.add(out)
    elif kind == "MAX_POOL_2D":
        options = _options(op, t.Pool2DOptions)
        size, stride = [options.FilterHeight(), options.FilterWidth()], [options.StrideH(), options.StrideW()]
        pads = [0, 0, 0, 0]
        if options.Padding() == _SAME:
            pads = _same_pads(b.reader.shape(ins[0])[1:3], size, stride, [1, 1], b.reader.shape(out)[1:3])
        written, activate = b.activated(out, options.FusedActivationFunction(), kind)
        b.node("MaxPool", [b.name(ins[0])], [written], kernel_shape=size, strides=stride, pads=pads)
        activate()
        b.nchw.add(out)
    elif kind == "DEPTH_TO_SPACE":  # TFLite's NHWC order is ONNX's DCR mode in NCHW
        block = _options(op, t.DepthToSpaceOptions).BlockSize()
        b.node("DepthToSpace", [b.name(ins[0])], [b.name(out)], blocksize=block, mode="DCR")
        b.nchw.add(out)
    elif kind == "RESIZE_BILINEAR":
        options = _options(op, t.ResizeBilinearOptions)
        n, _h, _w, c = b.reader.shape(ins[0])
        height, width = (int(v) for v in b.constants[ins[1]])
        mode = "asymmetric"
        if options.AlignCorners() or options.HalfPixelCenters():
            mode = "align_corners" if options.AlignCorners() else "half_pixel"
        sizes = b.const(np.array([n, c, height, width], np.int64), f"sz{k}")
        b.node("Resize", [b.name(ins[0]), "", "", sizes], [b.name(out)], mode="linear",
               coordinate_transformation_mode=mode)  # fmt: skip
        b.nchw.add(out)
    elif kind == "RESHAPE":
        shape = b.const(np.array(b.reader.shape(out), np.int64), f"s{k}")
        b.node("Reshape", [b.nhwc(ins[0]), shape], [b.name(out)])
    elif kind == "CONCATENATION":
        options = _options(op, t.ConcatenationOptions)
        written, activate = b.activated(out, options.FusedActivationFunction(), kind)
        b.node("Concat", [b.nhwc(i) for i in ins], [written], axis=options.Axis())
        activate()
    elif kind == "LOGISTIC":
        b.node("Sigmoid", [b.name(ins[0])], [b.name(out)])
        if ins[0] in b.nchw:
            b.nchw.add(out)
    else:
        raise UnsupportedGraph(f"{b.reader.source}: TFLite operator {kind} is not supported")


def tflite_to_onnx(path: str | Path, outputs: Sequence[str] | None = None, input_name: str = "input"):
    """The ONNX ``ModelProto`` of the TFLite model at ``path`` (float32 in and out, NHWC input named
    ``input_name``, outputs named as in the TFLite file), keeping only ``outputs`` (all when None).

    Raises:
        UnsupportedGraph: an operator, activation or tensor layout the converter does not cover.
    """
    from onnx import TensorProto, checker, utils  # noqa: PLC0415 -- the export stack, only when converting

    path = Path(path)
    reader = _Reader(path.read_bytes(), str(path))
    b = _Builder(reader)
    g = reader.graph
    for i in range(g.TensorsLength()):
        value = reader.constant(i)
        if value is not None:
            b.constants[i] = value
    if g.InputsLength() != 1:
        raise UnsupportedGraph(f"{path}: {g.InputsLength()} inputs (one image input is supported)")
    image = g.Inputs(0)
    b.node("Transpose", [input_name], [b.name(image)], perm=[0, 3, 1, 2])
    b.nchw.add(image)
    for k, (kind, op, ins, outs) in enumerate(reader.operators()):
        _operator(b, kind, op, ins, outs, k)
    names = {g.Tensors(g.Outputs(j)).Name().decode(): g.Outputs(j) for j in range(g.OutputsLength())}
    wanted = list(names) if outputs is None else list(outputs)
    missing = [n for n in wanted if n not in names]
    if missing:
        raise UnsupportedGraph(f"{path}: no output(s) {missing}; it has {list(names)}")
    values = []
    for name in wanted:
        b.node("Identity", [b.nhwc(names[name])], [name])
        values.append(b.helper.make_tensor_value_info(name, TensorProto.FLOAT, reader.shape(names[name])))
    graph = b.helper.make_graph(
        b.nodes, path.stem, [b.helper.make_tensor_value_info(input_name, TensorProto.FLOAT, reader.shape(image))],
        values, b.initialisers,
    )  # fmt: skip
    model = b.helper.make_model(graph, opset_imports=[b.helper.make_opsetid("", OPSET)], producer_name="posynda")
    model.ir_version = 8
    model = utils.Extractor(model).extract_model([input_name], wanted)  # drop what the outputs do not need
    checker.check_model(model)
    return model
