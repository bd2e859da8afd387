"""Runs one learner's notebook inside the sandbox and answers calls to its functions.

Started by `autograder.sandbox` as `python worker.py` with the protocol pipe on
stdin/stdout. It receives the notebook's cells, runs them in order (an error in a cell
does not stop the rest, as in Jupyter), then serves requests to call the learner's
functions with plain values, until its input closes.

It sees only what the sandbox lets it see, and nothing it sends back is trusted
beyond being plain data (see `protocol`). This file imports only the standard library,
NumPy and IPython, and never the grader; a call may name a check from the course's own
`dlbook` package (e.g. `dlbook.tf_checks:gradients`), which is then imported here and
run with the learner's function as its first argument.
"""

from __future__ import annotations

import importlib
import io
import os
import signal
import sys
import types
import warnings

import numpy as np
import protocol

# Taken before any learner code runs, which may replace the module's attributes.
CATCH_WARNINGS, SIMPLEFILTER, ERRSTATE = warnings.catch_warnings, warnings.simplefilter, np.errstate


def _plain(value, depth: int = 0):
    """Tensors (TensorFlow, Keras) as NumPy arrays, inside lists, tuples and dicts too."""
    if depth > 8:
        return value
    module = type(value).__module__ or ""
    if module.startswith(("tensorflow", "keras", "tf_keras")) and hasattr(value, "numpy"):
        return np.asarray(value.numpy())
    if type(value) in (list, tuple):
        return type(value)(_plain(item, depth + 1) for item in value)
    if type(value) is dict:
        return {key: _plain(item, depth + 1) for key, item in value.items()}
    return value


def _course_check(path: str):
    """The function behind a `dlbook` check named "dlbook.module:function"."""
    module_name, _, name = str(path).partition(":")
    if not module_name.startswith("dlbook.") or not name.isidentifier():
        raise NameError(f"{path!r} is not a check of the course")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        raise NameError(f"{path!r} is not a check of the course") from None
    check = getattr(getattr(module, name, None), "check", None)
    if not callable(check):
        raise NameError(f"{path!r} is not a check of the course")
    return check


class TimeLimit(Exception):
    """Raised inside learner code that runs past its time limit."""


def _alarm(signum, frame):
    raise TimeLimit("took longer than the time limit")


def _limited(seconds: float):
    """Arm a timer that interrupts learner code after `seconds` (0 disarms it)."""
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.0))


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
        self.call_seconds = 60.0

    def run_cells(self, cells: list[str], seconds: float) -> list[str]:
        """Run each cell (at most `seconds` each, like a notebook's per-cell timeout);
        return one status per cell ('ok' or the error's name)."""
        os.environ.setdefault("MPLBACKEND", "Agg")
        from IPython.core.interactiveshell import InteractiveShell

        self.shell = InteractiveShell.instance()
        statuses = []
        for index, source in enumerate(cells):
            protocol.send(self.replies, {"progress": index})
            try:
                _limited(seconds)
                result = self.shell.run_cell(source, store_history=False, silent=True)
                error = result.error_in_exec or result.error_before_exec
            except TimeLimit as timeout:  # raised between IPython's own handlers
                error = timeout
            finally:
                _limited(0)
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
        # Each call starts from NumPy's default error handling and sees every warning,
        # whatever state earlier cells left behind.
        with CATCH_WARNINGS(record=True) as caught, ERRSTATE(
                over="warn", divide="warn", invalid="warn", under="ignore"):
            SIMPLEFILTER("always")
            try:
                if not callable(function):
                    raise NameError(f"name {header['call']!r} is not defined")
                _limited(self.call_seconds)
                if "helper" in header:  # a course check, given the learner's function
                    args = [function, *args]
                    function = _course_check(header["helper"])
                value = _plain(function(*args, **kwargs))
                if isinstance(value, types.GeneratorType):
                    reply["iterator"] = True
                    value = list(value)
                _limited(0)
                reply["value"] = protocol.encode_value(value, out)
            except TimeLimit:
                reply = {"error": {"type": "TimeoutError", "message":
                                   f"{header['call']} took longer than {self.call_seconds:g} s"}}
            except BaseException as error:  # noqa: BLE001 - everything is the learner's
                reply = {"error": {"type": type(error).__name__, "message": str(error)[:2000]}}
            finally:
                _limited(0)
        reply["warnings"] = [{"category": warning.category.__name__,
                              "message": str(warning.message)[:500]} for warning in caught[:20]]
        reply["arrays"] = protocol.encode_value(arrays, out)
        protocol.send(self.replies, reply, out)

    def serve(self) -> None:
        header, _ = protocol.receive(self.requests)
        self.call_seconds = float(header["call_seconds"])
        statuses = self.run_cells(header["cells"], self.call_seconds)
        protocol.send(self.replies, {"ready": statuses})
        while True:
            try:
                header, buffers = protocol.receive(self.requests)
            except EOFError:
                return
            self.call(header, buffers)


if __name__ == "__main__":
    Session(*_silence_output()).serve()
