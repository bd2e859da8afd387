"""Run a learner's notebook in a sandbox and call its functions from the grader.

The sandbox is bubblewrap (Debian's `bwrap`): a private mount namespace with only the
Python installation, the course's helper package and a small in-memory scratch folder
(no solutions, no hidden tests, no gradebook, no other learner's work), no network, its
own PID namespace, an unprivileged user id, and limits on memory, CPU time, processes
and file size. The learner's code runs there in `autograder/worker.py`; the grader
talks to it through a pipe that carries only plain data (`autograder/protocol.py`).

Python's start-up and the chapters' imports (NumPy, IPython, Matplotlib, ...) are paid
once per grading process: a zygote (`autograder/zygote.py`) runs in such a sandbox with
those modules loaded, and each notebook is forked from it into fresh process, mount,
network and IPC namespaces, its own scratch folder, user id and limits, with no
capabilities. One zygote serves every chapter: it holds all the chapter folders the
grader may show (`SandboxSpec.zygote_chapters`) out of sight, and each notebook's
/opt/chapters shows only its own chapter's earlier chapters, with the rest hidden. If the
zygote cannot be used, the worker is started on its own in a sandbox as before.
A chapter that imports TensorFlow gets a zygote of its own with TensorFlow loaded too
(its address space would otherwise count against every other chapter's memory limit);
with the sandbox's one-thread settings the import starts no thread, and a zygote with
more than one thread refuses to fork.

`LearnerProcess.call()` makes a learner function look local to the trusted test code:
arguments go in as copies, results come back as fresh plain values, arrays the learner
changed in place are copied back, warnings are re-raised here, and a trusted callable
passed as an argument is answered here when the learner's code calls it.
"""

from __future__ import annotations

import builtins
import json
import os
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder import confine, protocol
from dlbook.devices import TENSORFLOW_QUIET

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORKER_FILES = ("worker.py", "protocol.py", "zygote.py")
# Large libraries preloaded only in a zygote of their own, for the chapters that import
# them: what they map at import would count against every notebook's memory limit.
SEPARATE_ZYGOTE = ("tensorflow", "keras", "tf_keras", "torch", "jax")
MAX_ZYGOTES = 2  # per grading process (one per set of chapter folders in use)
CHAPTERS = Path("/opt/chapters")  # a notebook's earlier chapters (DLBOOK_CHAPTERS_DIR)
CHAPTER_STASH = Path("/opt/all-chapters")  # a zygote's chapters, hidden from notebooks
ZYGOTE_CAPABILITIES = ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_KILL")
# Each notebook a zygote starts gets a fresh, empty tmpfs on these folders. Whatever the
# sandbox binds below them (a checkout or virtual environment under /tmp) is bound a
# second time under STASH, and bound back into place after the fresh mount.
FRESH_PER_NOTEBOOK = (Path("/tmp"), Path("/scratch"))
STASH = Path("/opt/host")
SAFE_EXCEPTIONS = {name: getattr(builtins, name) for name in (
    "ValueError", "TypeError", "IndexError", "KeyError", "ZeroDivisionError", "AssertionError",
    "NotImplementedError", "AttributeError", "NameError", "RuntimeError", "ArithmeticError",
    "FloatingPointError", "OverflowError", "LookupError", "RecursionError", "MemoryError",
    "TimeoutError")}  # StopIteration is left out: it would silently end a test's loop
SAFE_WARNINGS = {name: getattr(builtins, name) for name in (
    "RuntimeWarning", "UserWarning", "DeprecationWarning", "FutureWarning")}


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or does not work on this machine."""


class LearnerCrash(RuntimeError):
    """The learner's process died, broke the protocol, or ran out of time."""


@dataclass
class Limits:
    """Resource limits for one learner's process."""

    budget_s: float = 120.0  # wall clock for the whole notebook and all its tests
    call_s: float = 60.0  # wall clock for one call of a learner function
    memory_bytes: int = 3 * 2**30
    processes: int = 64
    file_bytes: int = 64 * 2**20
    scratch_bytes: int = 64 * 2**20
    open_files: int = 1024  # also bounds the kernel memory held by sockets and pipes

    @classmethod
    def from_settings(cls, settings: dict) -> Limits:
        """Limits from a chapter's `metadata.dlbook.grading` (keys `budget_s`, `call_s`,
        `memory_gib`); what it leaves out keeps the default.

        Raises:
            ValueError: an unknown key or a value that is not a positive number.
        """
        names = {"budget_s": "budget_s", "call_s": "call_s", "memory_gib": "memory_bytes"}
        values = {}
        for key, value in settings.items():
            if key not in names:
                raise ValueError(f"unknown grading setting {key!r}; known: {sorted(names)}")
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"grading setting {key} must be a positive number, got {value!r}")
            values[names[key]] = int(value * 2**30) if key == "memory_gib" else float(value)
        return cls(**values)


@dataclass
class SandboxSpec:
    """What the sandbox shows the learner's code and how it is confined."""

    uid: int = 60000
    chapters: dict[str, Path] = field(default_factory=dict)  # name -> reference folder
    isolate: bool = True
    limits: Limits = field(default_factory=Limits)
    preload: tuple[str, ...] = ()  # modules a zygote imports once for all notebooks
    fork_server: bool = True  # start sandboxed notebooks from a zygote (autograder.zygote)
    # The chapter folders a zygote started for this spec holds (out of sight), so that
    # notebooks of other chapters can start from it too; each sees only `chapters`.
    # Default: `chapters`.
    zygote_chapters: dict[str, Path] = field(default_factory=dict)

    def held_chapters(self) -> dict[str, Path]:
        """The chapter folders its zygote holds: `zygote_chapters` when they include
        `chapters` (the same folders), else `chapters`."""
        held = self.zygote_chapters
        if held and all(held.get(name) == path for name, path in self.chapters.items()):
            return dict(held)
        return dict(self.chapters)


IMPORTED = re.compile(r"^(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))")


def preload_modules(setup: str) -> tuple[str, ...]:
    """The modules a chapter's import lines name."""
    found = []
    for line in setup.splitlines():
        match = IMPORTED.match(line.strip())
        name = match and (match.group(1) or match.group(2))
        if name and name not in found:
            found.append(name)
    return tuple(found)


def separate_modules(preload: tuple[str, ...]) -> tuple[str, ...]:
    """Those of `preload` that only a zygote of their own loads (SEPARATE_ZYGOTE)."""
    return tuple(sorted({name for name in preload
                         if name.split(".")[0] in SEPARATE_ZYGOTE}))


def bwrap_available() -> str | None:
    """Why sandboxing cannot be used here, or None if it can."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
    if os.geteuid() != 0:
        return "the sandbox drops to an unprivileged user id, which needs root"
    probe = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--unshare-pid", "--unshare-net",
                            "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"bwrap does not work here: {probe.stderr.strip()}"
    return None


def _python_roots() -> list[Path]:
    """Folders the learner's Python needs: the interpreter's prefix and the venv."""
    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
    return sorted(roots)


def _bind_with_parents(argv: list[str], source: Path, target: Path, made: set[Path]) -> None:
    for parent in reversed(target.parents):
        if parent != Path("/") and parent not in made:
            argv += ["--perms", "0755", "--dir", str(parent)]
            made.add(parent)
    argv += ["--ro-bind", str(source), str(target)]


def _stash_hidden_binds(argv: list[str], made: set[Path]) -> list[list[str]]:
    """Bind again, under STASH, each read-only bind that a notebook's fresh /tmp or
    /scratch would hide; return the [stash, target] pairs the zygote binds back."""
    binds = [(Path(argv[i + 1]), Path(argv[i + 2])) for i, word in enumerate(argv)
             if word == "--ro-bind"]
    pairs = []
    for source, target in binds:
        if any(target.is_relative_to(folder) for folder in FRESH_PER_NOTEBOOK):
            stash = STASH / str(len(pairs))
            _bind_with_parents(argv, source, stash, made)
            pairs.append([str(stash), str(target)])
    return pairs


def seccomp_program() -> bytes | None:
    """The seccomp filter of every notebook here (`autograder.confine`): memfd_create and
    System V shared memory are refused too where no memory cgroup counts them."""
    return confine.seccomp_program(refuse_uncounted=confine.memory_mechanism() == "none")


def command(spec: SandboxSpec, zygote: bool = False,
            seccomp_fd: int | None = None) -> list[str]:
    """The command line that starts a worker under `spec` (or, with `zygote`, the
    zygote that notebooks under `spec` are forked from: see `autograder.zygote`), with
    the seccomp filter read from `seccomp_fd` (not for the zygote: it installs it in
    each notebook it starts)."""
    limits = spec.limits
    env = {"MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1", "HOME": "/scratch",
           "PYTHONHASHSEED": "0", **TENSORFLOW_QUIET,
           # TensorFlow: one thread each (grading runs learners in parallel instead).
           "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"}
    if not spec.isolate:
        chapters_dir = next(iter(spec.chapters.values())).parent if spec.chapters else ""
        return ["env", *(f"{key}={value}" for key, value in env.items()),
                f"DLBOOK_CHAPTERS_DIR={chapters_dir}", sys.executable, "-s",
                str(HERE / "worker.py")]
    argv = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--clearenv"]
    for name in ("usr", "bin", "lib", "lib64", "sbin"):
        path = Path("/") / name
        if path.exists():
            argv += ["--ro-bind", str(path), str(path)] if not path.is_symlink() else [
                "--symlink", os.readlink(path), str(path)]
    for name in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "nsswitch.conf", "localtime",
                 "passwd", "group"):
        path = Path("/etc") / name
        if path.exists():
            argv += ["--ro-bind", str(path), str(path)]
    argv += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
             "--size", str(limits.scratch_bytes), "--perms", "0777", "--tmpfs", "/scratch"]
    made: set[Path] = {Path("/tmp"), Path("/scratch")}
    for root in _python_roots():
        _bind_with_parents(argv, root, root, made)
    _bind_with_parents(argv, ROOT / "dlbook", ROOT / "dlbook", made)
    for name in WORKER_FILES:
        _bind_with_parents(argv, HERE / name, Path("/opt/grader") / name, made)
    if zygote:  # every chapter out of sight; each notebook's init shows its own
        for chapter, folder in spec.held_chapters().items():
            _bind_with_parents(argv, folder, CHAPTER_STASH / chapter, made)
        argv += ["--dir", str(CHAPTERS), "--dir", str(CHAPTER_STASH),
                 "--setenv", "DLBOOK_CHAPTER_STASH", str(CHAPTER_STASH)]
    else:
        for chapter, folder in spec.chapters.items():
            _bind_with_parents(argv, folder, CHAPTERS / chapter, made)
    for key, value in {**env, "DLBOOK_CHAPTERS_DIR": str(CHAPTERS)}.items():
        argv += ["--setenv", key, value]
    if zygote:
        argv += ["--setenv", "DLBOOK_PRELOAD", json.dumps(list(spec.preload))]
        argv += ["--setenv", "DLBOOK_REBIND", json.dumps(_stash_hidden_binds(argv, made))]
        argv += ["--setenv", "DLBOOK_SECCOMP", (seccomp_program() or b"").hex()]
        for capability in ZYGOTE_CAPABILITIES:
            argv += ["--cap-add", capability]
        return [*argv, "--chdir", "/scratch", "--", sys.executable, "-s",
                "/opt/grader/zygote.py"]
    if seccomp_fd is not None:
        argv += ["--seccomp", str(seccomp_fd)]
    argv += ["--chdir", "/scratch", "--",
             "setpriv", f"--reuid={spec.uid}", f"--regid={spec.uid}", "--clear-groups",
             "prlimit", f"--as={limits.memory_bytes}", f"--nproc={limits.processes}",
             f"--fsize={limits.file_bytes}", f"--cpu={int(limits.budget_s) + 5}",
             f"--nofile={limits.open_files}",
             "--core=0", "--",
             sys.executable, "-s", "/opt/grader/worker.py"]
    return argv


class LearnerProcess:
    """A running sandboxed worker holding one learner's notebook."""

    def __init__(self, spec: SandboxSpec, cells: list[str], deadline: float) -> None:
        self.spec, self.deadline = spec, deadline
        self.progress = -1
        self.cgroup = _cgroup_for(spec)
        try:
            self.process = _spawn(spec, self.cgroup)
        except BaseException:
            if self.cgroup is not None:
                self.cgroup.remove()
            raise
        self._callbacks: dict[int, object] = {}
        try:
            protocol.send(self.process.stdin, {"cells": cells,
                                               "call_seconds": spec.limits.call_s})
            while True:
                header, _ = self._receive(self.deadline)
                if "progress" in header:
                    self.progress = int(header["progress"])
                    continue
                self.cell_statuses = [str(status) for status in header["ready"]]
                break
        except (LearnerCrash, BrokenPipeError, KeyError, TypeError) as error:
            self.stop()
            where = f" while running cell {self.progress + 1}" if self.progress >= 0 else ""
            raise LearnerCrash(f"{self._death_reason(error)}{where}") from None

    def _death_reason(self, error: BaseException) -> str:
        if isinstance(error, LearnerCrash):
            return str(error)
        return "the notebook's process stopped unexpectedly"

    def _receive(self, deadline: float) -> tuple[dict, list[bytes]]:
        try:
            return protocol.receive(_DeadlineReader(self.process.stdout.fileno(), deadline))
        except TimeoutError:
            self.stop()
            raise LearnerCrash("ran out of time") from None
        except EOFError:
            code = self.process.wait()
            reason = self._memory_reason() or _exit_reason(code)
            self._release_cgroup()
            raise LearnerCrash(reason) from None
        except protocol.ProtocolError as error:
            self.stop()
            raise LearnerCrash(f"sent something the grader cannot accept ({error})") from None

    def _memory_reason(self) -> str | None:
        """Why the notebook died, if the kernel killed it at its memory cgroup's limit."""
        if self.cgroup is not None and self.cgroup.oom_kills():
            return self.cgroup.limit_reason()
        return None

    def _release_cgroup(self) -> None:
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None

    def alive(self) -> bool:
        return self.process.poll() is None

    def _register(self, value):
        if callable(value) and not isinstance(value, (np.ndarray, type)):
            ident = len(self._callbacks)
            self._callbacks[ident] = value
            return protocol.Callback(ident)
        if type(value) in (list, tuple):
            return type(value)(self._register(item) for item in value)
        if type(value) is dict:
            return {key: self._register(item) for key, item in value.items()}
        return value

    def call(self, name: str, args: tuple, kwargs: dict, helper: str | None = None):
        """Call the learner's function `name` in the sandbox; see the module docstring.

        With `helper` ("dlbook.module:function"), call that course function instead,
        inside the sandbox, with the learner's `name` as its first argument (see
        `dlbook.tf_checks`).
        """
        if not self.alive():
            raise LearnerCrash("the notebook's process is no longer running")
        self._callbacks = {}
        buffers: list[bytes] = []
        header = {"call": name, **({"helper": helper} if helper else {}),
                  "args": protocol.encode_value(list(self._register(args)), buffers),
                  "kwargs": protocol.encode_value(self._register(kwargs), buffers)}
        originals = [arg for arg in args if type(arg) in (np.ndarray, np.random.Generator)]
        protocol.send(self.process.stdin, header, buffers)
        # The worker interrupts a slow call itself; this is for code that cannot be.
        deadline = min(self.deadline, time.monotonic() + self.spec.limits.call_s + 2)
        while True:
            reply, reply_buffers = self._receive(deadline)
            if "callback" in reply:
                self._answer_callback(reply, reply_buffers, originals)
                continue
            break
        _copy_back(originals, protocol.decode_value(reply.get("arrays", {"list": []}),
                                                    reply_buffers))
        for warning in reply.get("warnings", []):
            category = SAFE_WARNINGS.get(str(warning.get("category")), UserWarning)
            warnings.warn(str(warning.get("message")), category, stacklevel=3)
        if "error" in reply:
            error = reply["error"]
            kind = SAFE_EXCEPTIONS.get(str(error.get("type")), RuntimeError)
            message = str(error.get("message", ""))
            if error.get("type") == "ProtocolError":
                kind = TypeError
                message = f"{name} gave a result the grader cannot read: {message}"
            raise kind(message)
        value = protocol.decode_value(reply["value"], reply_buffers)
        return iter(value) if reply.get("iterator") else value

    def _answer_callback(self, reply: dict, buffers: list[bytes], originals: list) -> None:
        _copy_back(originals, protocol.decode_value(reply.get("sync", {"list": []}), buffers))
        function = self._callbacks.get(int(reply["callback"]))
        out: list[bytes] = []
        try:
            args = protocol.decode_value(reply["args"], buffers)
            kwargs = protocol.decode_value(reply["kwargs"], buffers)
            answer = {"value": protocol.encode_value(function(*args, **kwargs), out)}
        except Exception as error:  # the trusted callable's own error, reported back
            out = []
            answer = {"error": f"{type(error).__name__}: {error}"}
        protocol.send(self.process.stdin, answer, out)

    def stop(self) -> None:
        if isinstance(self.process, ZygoteChild):
            self.process.kill()
        elif self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()
        self._release_cgroup()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass


class ZygoteError(RuntimeError):
    """The zygote could not start a notebook (the grader then starts one directly)."""


class Zygote:
    """A running `autograder.zygote` in a sandbox made for `spec` (see that module)."""

    def __init__(self, spec: SandboxSpec) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.process = subprocess.Popen(
                command(spec, zygote=True), stdin=theirs, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True)
        finally:
            theirs.close()
        self.socket = ours
        self.socket.settimeout(120)  # imports on a busy machine
        self.replies = ours.makefile("rb")
        self.next_id = 0
        # Shared by the threads of a grading process (a Dask worker with several): one
        # request and its reply at a time; `users` counts the notebooks it has running
        # or is starting, and a zygote in use is never closed to make room for another.
        self.lock = threading.RLock()
        self.users = 0
        self.preloaded = set(spec.preload)
        if not self._reply().get("ready"):
            self.close()
            raise ZygoteError("the zygote did not start")
        self.socket.settimeout(30)

    def preload(self, modules: tuple[str, ...]) -> None:
        """Have the zygote import `modules` (a chapter's trusted imports) if it has not
        yet, before it starts that chapter's notebooks."""
        with self.lock:
            missing = [name for name in modules if name not in self.preloaded]
            if missing:
                self.socket.settimeout(120)  # imports on a busy machine
                try:
                    self.request({"op": "preload", "modules": missing})
                finally:
                    self.socket.settimeout(30)
                self.preloaded.update(missing)

    def _reply(self) -> dict:
        try:
            line = self.replies.readline()
        except OSError as error:
            raise ZygoteError(f"the zygote did not answer: {error}") from None
        if not line:
            raise ZygoteError("the zygote stopped")
        return json.loads(line)

    def request(self, message: dict, fds: tuple[int, ...] = ()) -> dict:
        with self.lock:
            try:
                socket.send_fds(self.socket, [json.dumps(message).encode()], list(fds))
            except OSError as error:
                raise ZygoteError(f"the zygote cannot be reached: {error}") from None
            reply = self._reply()
        if "error" in reply:
            raise ZygoteError(reply["error"])
        return reply

    def alive(self) -> bool:
        return self.process.poll() is None

    def spawn(self, spec: SandboxSpec,
              cgroup: confine.NotebookCgroup | None = None) -> ZygoteChild:
        """A new notebook process: fresh namespaces, `spec`'s user id and limits, in
        `cgroup` (its init joins it through the cgroup.procs descriptors sent along)."""
        limits = spec.limits
        joins = [os.open(path, os.O_WRONLY | os.O_CLOEXEC) for path in
                 (cgroup.procs if cgroup is not None else [])]
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        self.next_id += 1
        try:
            self.request({"op": "start", "id": self.next_id, "uid": spec.uid,
                          "chapters": sorted(spec.chapters),
                          "limits": {"memory_bytes": limits.memory_bytes,
                                     "processes": limits.processes,
                                     "file_bytes": limits.file_bytes,
                                     "cpu_s": int(limits.budget_s) + 5,
                                     "open_files": limits.open_files,
                                     "scratch_bytes": limits.scratch_bytes}},
                         (request_read, reply_write, *joins))
        except ZygoteError:
            for fd in (request_write, reply_read):
                os.close(fd)
            raise
        finally:
            for fd in (request_read, reply_write, *joins):
                os.close(fd)
        return ZygoteChild(self, self.next_id, os.fdopen(request_write, "wb", buffering=0),
                           os.fdopen(reply_read, "rb", buffering=0))

    def close(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        self.replies.close()
        self.socket.close()


class ZygoteChild:
    """A notebook process forked by a zygote, with the part of `subprocess.Popen`'s
    interface that `LearnerProcess` uses."""

    def __init__(self, zygote: Zygote, ident: int, stdin, stdout) -> None:
        self.zygote, self.ident = zygote, ident
        self.stdin, self.stdout = stdin, stdout
        self.returncode: int | None = None

    def _status(self, op: str) -> int | None:
        if self.returncode is None:
            try:
                status = self.zygote.request({"op": op, "id": self.ident}).get("status")
            except ZygoteError:
                status = 137  # the zygote (and so the notebook) is gone
            if status is not None:
                self.returncode = int(status)
                _release(self.zygote)
                try:
                    self.zygote.request({"op": "forget", "id": self.ident})
                except ZygoteError:
                    pass
        return self.returncode

    def poll(self) -> int | None:
        return self._status("poll")

    def wait(self) -> int:
        return self._status("wait")

    def kill(self) -> None:
        self._status("kill")


_zygotes: dict[tuple, Zygote] = {}
_zygotes_lock = threading.Lock()


def _zygote_for(spec: SandboxSpec, use: bool = False) -> Zygote:
    """This process's zygote for `spec`'s sandbox, started if need be (with `use`, counted
    as in use until `_release`). Threads share it: its key has no user id, since each
    notebook gets its user id in the request that starts it. To stay within MAX_ZYGOTES
    only zygotes with no notebook running are closed, oldest first; never one in use
    (which would kill its notebooks).

    Raises:
        ZygoteError, OSError: it could not be started.
    """
    key = _zygote_key(spec)
    with _zygotes_lock:
        zygote = _zygotes.get(key)
        if zygote is None or not zygote.alive():
            if zygote is not None:
                _zygotes.pop(key).close()
            idle = [other for other, started in _zygotes.items() if not started.users]
            for other in idle[:max(0, len(_zygotes) + 1 - MAX_ZYGOTES)]:
                _zygotes.pop(other).close()
            zygote = _zygotes[key] = Zygote(spec)
        if use:
            zygote.users += 1
    return zygote


def _release(zygote: Zygote) -> None:
    with _zygotes_lock:
        zygote.users = max(0, zygote.users - 1)


def _zygote_key(spec: SandboxSpec) -> tuple:
    return (tuple(sorted((name, str(path)) for name, path in spec.held_chapters().items())),
            separate_modules(spec.preload))


def warm_up(spec: SandboxSpec) -> None:
    """Start the zygote for `spec` now, so that its start-up is not counted in the time
    budget of the notebook that comes first (nothing happens if it cannot start)."""
    if spec.isolate and spec.fork_server:
        try:
            _zygote_for(spec).preload(spec.preload)
        except (ZygoteError, OSError, ValueError):
            pass


def _cgroup_for(spec: SandboxSpec) -> confine.NotebookCgroup | None:
    """A memory (and process) cgroup for a sandboxed notebook, where cgroups can be made
    here (else None: see `confine.cgroup_parents` and `seccomp_program`)."""
    if not spec.isolate or confine.memory_mechanism() == "none":
        return None
    global _cgroups_made
    with _cgroup_lock:
        _cgroups_made += 1
        name = f"{spec.uid}-{os.getpid()}-{_cgroups_made}"
    return confine.NotebookCgroup(name, spec.limits.memory_bytes, spec.limits.processes)


_cgroup_lock = threading.Lock()
_cgroups_made = 0


def _spawn(spec: SandboxSpec, cgroup: confine.NotebookCgroup | None = None):
    """Start a worker for `spec` in `cgroup`: forked from this process's zygote for the
    same sandbox when it can be (see `autograder.zygote`), else as a new sandboxed
    process."""
    if spec.isolate and spec.fork_server:
        key = _zygote_key(spec)
        try:
            zygote = _zygote_for(spec, use=True)
        except (ZygoteError, OSError, ValueError):
            zygote = None
        try:
            if zygote is not None:
                with zygote.lock:  # its next notebook id and that notebook's start
                    zygote.preload(spec.preload)
                    return zygote.spawn(spec, cgroup)
        except (ZygoteError, OSError, ValueError):
            _release(zygote)
        with _zygotes_lock:
            stale = _zygotes.get(key)
            if stale is not None and stale.users == 0:
                _zygotes.pop(key)
            else:
                stale = None
        if stale is not None:
            stale.close()
    if not spec.isolate:
        # Unbuffered, so that select() on the pipe sees every byte not yet read.
        return subprocess.Popen(command(spec), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, start_new_session=True, bufsize=0)
    program = seccomp_program()
    seccomp_read = None
    if program:
        seccomp_read, seccomp_write = os.pipe()  # the filter is far smaller than a pipe
        os.write(seccomp_write, program)
        os.close(seccomp_write)
    argv = command(spec, seccomp_fd=seccomp_read)
    if cgroup is not None:  # join the cgroups first: bwrap and all it starts are in them
        joins = "; ".join(f"echo 0 > {shlex.quote(path)} || exit 125" for path in cgroup.procs)
        argv = ["/bin/sh", "-c", f'{joins}; exec "$@"', "sh", *argv]
    try:
        return subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, start_new_session=True, bufsize=0,
                                pass_fds=() if seccomp_read is None else (seccomp_read,))
    finally:
        if seccomp_read is not None:
            os.close(seccomp_read)


class _DeadlineReader:
    """Reads a pipe, raising TimeoutError if the bytes do not come by `deadline`."""

    def __init__(self, fd: int, deadline: float) -> None:
        self.fd, self.deadline = fd, deadline

    def read(self, size: int) -> bytes:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0 or not select.select([self.fd], [], [], remaining)[0]:
            raise TimeoutError
        return os.read(self.fd, min(size, 1 << 20))


def _copy_back(originals: list, changed: list) -> None:
    if type(changed) is not list or len(changed) != len(originals):
        return
    for original, new in zip(originals, changed, strict=True):
        if type(original) is np.random.Generator and type(new) is np.random.Generator:
            if type(original.bit_generator) is type(new.bit_generator):
                original.bit_generator.state = new.bit_generator.state
        elif (type(original) is np.ndarray and type(new) is np.ndarray
              and new.shape == original.shape and original.flags.writeable):
            np.copyto(original, new, casting="unsafe")


def _exit_reason(code: int) -> str:
    if code < 0 or code > 128:  # killed by a signal (bwrap reports 128 + its number)
        number = -code if code < 0 else code - 128
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        meaning = {"SIGSEGV": "a crash (segmentation fault)", "SIGKILL": "it was killed",
                   "SIGXCPU": "its CPU time ran out", "SIGXFSZ": "it wrote too large a file",
                   "SIGABRT": "it aborted"}.get(name, name)
        return f"the notebook's process stopped: {meaning}"
    return f"the notebook's process exited (exit status {code}; os._exit or sys.exit?)"
