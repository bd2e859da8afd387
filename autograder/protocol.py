"""The wire format between the grader and the sandbox that runs a learner's code.

Only plain data crosses: None, bools, ints, floats, short strings, lists, tuples, dicts
with string keys, NumPy arrays, scalars and dtypes of numeric kinds, NumPy random generators
(as their state), and references to callbacks. Arrays travel as raw bytes plus dtype
and shape and are rebuilt as fresh arrays on the other side, so no object made by
learner code (with a forged `__eq__`, `__array__` or `__float__`) ever reaches the code
that judges it.

A message is a length-prefixed JSON header followed by the length-prefixed bytes of
each array it mentions. Decoding enforces size limits and rejects anything else.

This file is also run inside the sandbox, so it imports only the standard library and
NumPy.
"""

from __future__ import annotations

import json
import math
import struct
from typing import Any, BinaryIO

import numpy as np

MAX_HEADER_BYTES = 4 * 2**20
MAX_PAYLOAD_BYTES = 512 * 2**20
MAX_DEPTH = 8
MAX_ITEMS = 100_000
MAX_STRING = 10_000
NUMERIC_KINDS = set("biufc")
LENGTH = struct.Struct("!Q")
BIT_GENERATORS = {"PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937"}


class ProtocolError(Exception):
    """A message that is malformed, too large, or holds a value that may not cross."""


class Callback:
    """A trusted callable passed to learner code, known to the sandbox by its id."""

    def __init__(self, ident: int) -> None:
        self.ident = ident


def _encode(value: Any, buffers: list[bytes], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    kind = type(value)
    if value is None or kind is bool or kind is str and len(value) <= MAX_STRING:
        return value
    if kind is int:
        return {"int": str(value)}
    if kind is float:
        return {"float": repr(value)} if not math.isfinite(value) else value
    if kind is np.ndarray or isinstance(value, np.generic) and kind.__module__ == "numpy":
        array = np.asarray(value)
        if array.dtype.kind not in NUMERIC_KINDS:
            raise ProtocolError(f"arrays of dtype {array.dtype} cannot be returned")
        buffers.append(np.ascontiguousarray(array).tobytes())
        return {"array": len(buffers) - 1, "dtype": array.dtype.str, "shape": list(array.shape),
                "scalar": kind is not np.ndarray}
    if kind in (list, tuple):
        if len(value) > MAX_ITEMS:
            raise ProtocolError("too many items")
        return {kind.__name__: [_encode(item, buffers, depth + 1) for item in value]}
    if kind is dict:
        if len(value) > MAX_ITEMS or not all(type(key) is str for key in value):
            raise ProtocolError("dicts must have at most 100,000 string keys")
        return {"dict": {key: _encode(item, buffers, depth + 1) for key, item in value.items()}}
    if kind is Callback:
        return {"callback": value.ident}
    if kind is type and issubclass(value, np.generic) or kind.__name__.startswith("dtype["):
        dtype = np.dtype(value)
        if dtype.kind not in NUMERIC_KINDS:
            raise ProtocolError(f"dtype {dtype} cannot be passed")
        return {"dtype": dtype.str, "type": kind is type}
    if kind is np.random.Generator:  # travels as its state, so both sides stay in step
        bit_generator = value.bit_generator
        return {"generator": type(bit_generator).__name__,
                "state": _encode(bit_generator.state, buffers, depth + 1)}
    raise ProtocolError(f"a value of type {kind.__name__} cannot be returned")


def _decode(node: Any, buffers: list[bytes], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if node is None or type(node) in (bool, str, float):
        return node
    if type(node) is int:
        return node
    if type(node) is not dict or len(node) == 0:
        raise ProtocolError("malformed value")
    if "int" in node:
        return int(node["int"])
    if "float" in node:
        return float(node["float"])
    if "array" in node:
        dtype = np.dtype(node["dtype"])
        if dtype.kind not in NUMERIC_KINDS:
            raise ProtocolError("non-numeric array")
        shape = tuple(int(size) for size in node["shape"])
        data = buffers[int(node["array"])]
        if len(data) != dtype.itemsize * math.prod(shape):
            raise ProtocolError("array size does not match its shape")
        array = np.frombuffer(data, dtype=dtype).reshape(shape).copy()
        return array[()] if node.get("scalar") else array
    if "list" in node:
        return [_decode(item, buffers, depth + 1) for item in node["list"]]
    if "tuple" in node:
        return tuple(_decode(item, buffers, depth + 1) for item in node["tuple"])
    if "dict" in node:
        return {str(key): _decode(item, buffers, depth + 1) for key, item in node["dict"].items()}
    if "callback" in node:
        return Callback(int(node["callback"]))
    if "dtype" in node:
        dtype = np.dtype(node["dtype"])
        if dtype.kind not in NUMERIC_KINDS:
            raise ProtocolError("non-numeric dtype")
        return dtype.type if node.get("type") else dtype
    if "generator" in node:
        name = node["generator"]
        if name not in BIT_GENERATORS:
            raise ProtocolError("unknown random generator")
        bit_generator = getattr(np.random, name)()
        try:
            bit_generator.state = _decode(node["state"], buffers, depth + 1)
        except (TypeError, ValueError, KeyError) as error:
            raise ProtocolError(f"bad random generator state: {error}") from None
        return np.random.Generator(bit_generator)
    raise ProtocolError("unknown value")


def encode_value(value: Any, buffers: list[bytes]) -> Any:
    """The JSON-able form of `value`; array bytes are appended to `buffers`."""
    return _encode(value, buffers, 0)


def decode_value(node: Any, buffers: list[bytes]) -> Any:
    """Rebuild a value from its JSON-able form (fresh arrays, plain types only)."""
    return _decode(node, buffers, 0)


def send(stream: BinaryIO, header: dict, buffers: list[bytes] = ()) -> None:
    """Write one message: a JSON header and the array buffers it refers to."""
    text = json.dumps({**header, "buffers": len(buffers)}).encode()
    parts = [LENGTH.pack(len(text)), text]
    for buffer in buffers:
        parts += [LENGTH.pack(len(buffer)), buffer]
    stream.write(b"".join(parts))
    stream.flush()


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            raise EOFError("the other side closed the connection")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def receive(stream: BinaryIO) -> tuple[dict, list[bytes]]:
    """Read one message; raise ProtocolError if it breaks the limits."""
    (size,) = LENGTH.unpack(_read_exactly(stream, LENGTH.size))
    if size > MAX_HEADER_BYTES:
        raise ProtocolError("message header too large")
    try:
        header = json.loads(_read_exactly(stream, size))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProtocolError(f"malformed message: {error}") from None
    if type(header) is not dict:
        raise ProtocolError("malformed message")
    count = header.get("buffers", 0)
    if type(count) is not int or not 0 <= count <= MAX_ITEMS:
        raise ProtocolError("malformed message")
    buffers, total = [], 0
    for _ in range(count):
        (length,) = LENGTH.unpack(_read_exactly(stream, LENGTH.size))
        total += length
        if total > MAX_PAYLOAD_BYTES:
            raise ProtocolError("message too large")
        buffers.append(_read_exactly(stream, length))
    return header, buffers
