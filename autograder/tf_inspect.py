"""The grader's side of chapter 8's graph checks: read a traced graph, and run it here.

The checks in `dlbook.tf_checks` run next to the learner's TensorFlow code (in the
sandbox, when grading) and some of them send back the graph they traced, serialized as a
uint8 array: plain data. This module reads such a graph in the trusted process: which
custom-gradient blocks it holds and what they join, whether it uses a built-in loss or
updates variables, and what it computes when run here, on inputs chosen here, if it is
made of plain tensor arithmetic only. A graph forged in the sandbox therefore still has
to compute the right values.

Nothing here decides by an operation's *name*, which the code under test chooses; whether
a gradient was left to TensorFlow's automatic differentiation is decided where the code
runs, by `dlbook.tf_checks.refusing_autodiff`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MAX_GRAPH_BYTES = 32 * 2**20
MAX_GRAPH_NODES = 5_000
MAX_TENSOR_ELEMENTS = 2**20
BUILTIN_LOSSES = frozenset({"SparseSoftmaxCrossEntropyWithLogits",
                            "SoftmaxCrossEntropyWithLogits", "LogSoftmax"})
UPDATES = frozenset({"AssignSubVariableOp", "AssignVariableOp", "AssignAddVariableOp",
                     "ResourceApplyGradientDescent"})
# Operations a graph may contain for the trusted process to run it: pure tensor
# arithmetic, no files, no Python, no control flow, no variables.
RUNNABLE = frozenset({
    "Placeholder", "Const", "Identity", "IdentityN", "NoOp", "StopGradient", "PreventGradient",
    "MatMul", "BatchMatMulV2", "BatchMatMulV3", "Einsum", "Transpose", "BiasAdd", "BiasAddGrad",
    "Add", "AddV2", "AddN", "Sub", "Mul", "RealDiv", "Div", "DivNoNan", "FloorDiv", "FloorMod",
    "Neg", "Abs", "Sign", "Square", "Sqrt", "Rsqrt", "Reciprocal", "Exp", "Log", "Log1p",
    "Maximum", "Minimum", "Max", "Min", "Sum", "Mean", "Prod", "Cast", "Shape", "Size", "Rank",
    "Reshape", "ExpandDims", "Squeeze", "StridedSlice", "Slice", "Pack", "Unpack", "ConcatV2",
    "GatherV2", "GatherNd", "OneHot", "Range", "Fill", "ZerosLike", "OnesLike", "Tile",
    "BroadcastTo", "BroadcastGradientArgs", "UnsortedSegmentSum", "Softmax", "LogSoftmax",
    "SparseSoftmaxCrossEntropyWithLogits", "SoftmaxCrossEntropyWithLogits", "Relu",
    "ReluGrad", "Sigmoid", "SigmoidGrad", "Tanh", "TanhGrad", "Greater", "GreaterEqual",
    "Less", "LessEqual", "Equal", "NotEqual", "LogicalAnd", "LogicalOr", "LogicalNot",
    "Select", "SelectV2", "IsFinite", "All", "Any"})


def _tf():
    import tensorflow as tf

    return tf


class GraphRejected(ValueError):
    """A graph that is too large, malformed, or holds operations that may not run here."""


class TracedGraph:
    """A graph sent back by `gradient_graph`, `layer_graph` or `training_report` (checks
    of `dlbook.tf_checks`), read in the trusted process: its operations, and (for graphs
    of plain tensor arithmetic) the values it computes from inputs chosen here.
    """

    def __init__(self, data: np.ndarray) -> None:
        tf = _tf()
        data = np.asarray(data)
        if data.dtype != np.uint8 or data.ndim != 1 or not 0 < data.size <= MAX_GRAPH_BYTES:
            raise GraphRejected("no graph, or not a serialized graph")
        try:
            self.graph_def = tf.compat.v1.GraphDef.FromString(data.tobytes())
        except Exception as error:  # noqa: BLE001 - any parse failure rejects the graph
            raise GraphRejected(f"not a graph: {type(error).__name__}") from None
        self.nodes = list(self.graph_def.node)
        for function in self.graph_def.library.function:
            self.nodes += list(function.node_def)
        if len(self.nodes) > MAX_GRAPH_NODES:
            raise GraphRejected(f"the graph has more than {MAX_GRAPH_NODES} operations")
        self._by_name = {node.name: node for node in self.graph_def.node}

    def ops(self, *types: str) -> list[str]:
        """Names of the nodes whose operation is one of `types`."""
        return [node.name for node in self.nodes if node.op in types]

    def custom_gradients(self) -> list[int]:
        """For each `tf.custom_gradient` in the graph, the number of tensors it joins
        (its outputs plus its inputs: 4 for dense(x, W, b), 3 for a loss(logits, labels))."""
        found = []
        for node in self.nodes:
            kind = node.attr["_gradient_op_type"].s.decode(errors="replace") \
                if "_gradient_op_type" in node.attr else ""
            if node.op == "IdentityN" and kind.startswith("CustomGradient-"):
                found.append(sum(1 for name in node.input if not name.startswith("^")))
        return found

    def builtin_losses(self) -> list[str]:
        """Operations of TensorFlow's built-in softmax losses (and log-softmax)."""
        return self.ops(*BUILTIN_LOSSES)

    def updates(self) -> list[str]:
        """Operations that write a variable (the SGD update)."""
        return self.ops(*UPDATES)

    def depends_on_custom_gradient(self, output: str) -> bool:
        """Whether the node `output` is computed from a `tf.custom_gradient` block."""
        pending, seen = [output], set()
        while pending:
            node = self._by_name.get(pending.pop().lstrip("^").split(":")[0])
            if node is None or node.name in seen:
                continue
            seen.add(node.name)
            if node.op == "IdentityN" and "_gradient_op_type" in node.attr:
                return True
            pending += list(node.input)
        return False

    def has(self, name: str) -> bool:
        return name in self._by_name

    def run(self, feeds: dict[str, np.ndarray], fetches: Sequence[str]) -> list[np.ndarray]:
        """Run the graph here: feed the placeholders named in `feeds`, return `fetches`.

        Only graphs of plain tensor arithmetic (the operations in RUNNABLE, no functions)
        whose every tensor has a known shape of at most MAX_TENSOR_ELEMENTS entries run.
        """
        tf = _tf()
        if self.graph_def.library.function:
            raise GraphRejected("the graph calls functions of its own (a nested tf.function?)")
        strange = sorted({node.op for node in self.nodes} - RUNNABLE)
        if strange:
            raise GraphRejected(f"the graph holds operations that are not run here: {strange}")
        graph = tf.Graph()
        with graph.as_default():
            try:
                tf.graph_util.import_graph_def(self.graph_def, name="")
            except Exception as error:  # noqa: BLE001 - a malformed graph is rejected
                raise GraphRejected(f"the graph cannot be loaded: {type(error).__name__}") \
                    from None
        for operation in graph.get_operations():
            for tensor in operation.outputs:
                shape = tensor.shape
                if not shape.is_fully_defined() or shape.num_elements() > MAX_TENSOR_ELEMENTS:
                    raise GraphRejected(f"{tensor.name} has the shape {shape}, which is not "
                                        "known in advance or is too large")
        for name in [*feeds, *fetches]:
            if name not in self._by_name:
                raise GraphRejected(f"the graph has no tensor {name!r}")
        for name in feeds:
            if self._by_name[name].op != "Placeholder":
                raise GraphRejected(f"{name!r} is not an input of the graph")
        with tf.compat.v1.Session(graph=graph) as session:
            values = session.run([f"{name}:0" for name in fetches],
                                 {f"{name}:0": np.asarray(value) for name, value in feeds.items()})
        return [np.array(value) for value in values]


def read_graph(report: dict) -> TracedGraph:
    """The graph in a report of `gradient_graph`, `layer_graph` or `training_report`."""
    if not isinstance(report, dict) or "graph" not in report:
        raise GraphRejected("the report holds no graph")
    return TracedGraph(report["graph"])
