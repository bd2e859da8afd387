"""Runs one learner's notebook inside the sandbox and answers calls to its functions.

Started by `autograder.sandbox` as `python worker.py` with the protocol pipe on
stdin/stdout. It receives the notebook's cells, runs them in order (an error in a cell
does not stop the rest, as in Jupyter), then serves requests to call the learner's
functions with plain values, until its input closes.

It sees only what the sandbox lets it see, and nothing it sends back is trusted
beyond being plain data (see `protocol`). This file imports only the standard library,
NumPy and IPython, and never the grader.
"""

from __future__ import annotations

import io
import os
import sys
import types
import warnings

import protocol


def _silence_output() -> tuple[io.BufferedReader, io.BufferedWriter]:
    """Keep the protocol on private descriptors; send all other output to /dev/null."""
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    sys.stdin = open(os.devnull)
    sys.stdout = sys.stderr = open(os.devnull, "w")
    return requests, replies


class Session:
    """The learner's namespace and the request loop."""

    def __init__(self, requests: io.BufferedReader, replies: io.BufferedWriter) -> None:
        self.requests, self.replies = requests, replies
        self.shell = None

    def run_cells(self, cells: list[str]) -> list[str]:
        """Run each cell; return one status per cell ('ok' or the error's name)."""
        os.environ.setdefault("MPLBACKEND", "Agg")
        from IPython.core.interactiveshell import InteractiveShell

        self.shell = InteractiveShell.instance()
        statuses = []
        for index, source in enumerate(cells):
            protocol.send(self.replies, {"progress": index})
            result = self.shell.run_cell(source, store_history=False, silent=True)
            error = result.error_in_exec or result.error_before_exec
            statuses.append("ok" if error is None else type(error).__name__)
        return statuses

    def _callback(self, ident: int, synced: list):
        """A stand-in for a trusted callable: each call is answered by the grader."""

        def call(*args, **kwargs):
            buffers: list[bytes] = []
            header = {"callback": ident,
                      "args": protocol.encode_value(list(args), buffers),
                      "kwargs": protocol.encode_value(kwargs, buffers),
                      "sync": protocol.encode_value(synced, buffers)}
            protocol.send(self.replies, header, buffers)
            reply, reply_buffers = protocol.receive(self.requests)
            if "error" in reply:
                raise RuntimeError(reply["error"])
            return protocol.decode_value(reply["value"], reply_buffers)

        return call

    def _bind(self, value, synced: list):
        if isinstance(value, protocol.Callback):
            return self._callback(value.ident, synced)
        if type(value) in (list, tuple):
            return type(value)(self._bind(item, synced) for item in value)
        if type(value) is dict:
            return {key: self._bind(item, synced) for key, item in value.items()}
        return value

    def call(self, header: dict, buffers: list[bytes]) -> None:
        args = protocol.decode_value(header["args"], buffers)
        kwargs = protocol.decode_value(header["kwargs"], buffers)
        arrays = [arg for arg in args if type(arg).__name__ in ("ndarray", "Generator")]
        args = self._bind(args, arrays)
        kwargs = self._bind(kwargs, arrays)
        function = self.shell.user_ns.get(header["call"]) if self.shell else None
        reply: dict = {}
        out: list[bytes] = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                if not callable(function):
                    raise NameError(f"name {header['call']!r} is not defined")
                value = function(*args, **kwargs)
                if isinstance(value, types.GeneratorType):
                    reply["iterator"] = True
                    value = list(value)
                reply["value"] = protocol.encode_value(value, out)
            except BaseException as error:  # noqa: BLE001 - everything is the learner's
                reply = {"error": {"type": type(error).__name__, "message": str(error)[:2000]}}
        reply["warnings"] = [{"category": warning.category.__name__,
                              "message": str(warning.message)[:500]} for warning in caught[:20]]
        reply["arrays"] = protocol.encode_value(arrays, out)
        protocol.send(self.replies, reply, out)

    def serve(self) -> None:
        header, _ = protocol.receive(self.requests)
        statuses = self.run_cells(header["cells"])
        protocol.send(self.replies, {"ready": statuses})
        while True:
            try:
                header, buffers = protocol.receive(self.requests)
            except EOFError:
                return
            self.call(header, buffers)


if __name__ == "__main__":
    Session(*_silence_output()).serve()
