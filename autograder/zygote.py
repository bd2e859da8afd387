"""A pre-started interpreter that each sandboxed notebook starts from (a fork server).

Started by `autograder.sandbox` inside the same bubblewrap sandbox as a notebook's
worker (the same read-only mounts, no network), as root inside it with only the
capabilities it needs to make namespaces and drop privileges (CAP_SYS_ADMIN,
CAP_SETUID, CAP_SETGID, CAP_KILL). It imports Python's start-up and the libraries the
chapter uses once (NumPy, IPython, Matplotlib, ...), then, for each notebook the grader
asks for, forks:

    zygote --fork--> holder: unshare(PID, mount, network, IPC, UTS namespaces)
      --fork--> init (pid 1 of the new PID namespace): joins the notebook's memory
                and pids cgroups (descriptors sent with the request, see
                `autograder.confine`); fresh /scratch, /tmp (tmpfs) and /proc
        --fork--> notebook: new session; limits (memory, processes, CPU time, file
                  size, no core); all groups dropped, the notebook's user id, no
                  capabilities, no_new_privs, the seccomp filter; then
                  `worker.Session` on its pipes.

So each notebook still has a process namespace, scratch folder, network and IPC of its
own, an unprivileged user id and its limits; killing its namespace's init kills
everything it started. The zygote never runs learner code, and the
notebook holds no descriptor of the zygote's.

Requests come on descriptor 0, a Unix socket from the grader: one JSON object each,
with the notebook's two pipe ends attached (SCM_RIGHTS) to "start"; each answered with
one JSON line. This file imports only the standard library until it preloads.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import resource
import signal
import socket
import sys
import time

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS, PR_SET_PDEATHSIG = 38, 1
LIBC = ctypes.CDLL(None, use_errno=True)
# [stash, target] pairs from the sandbox: binds under /tmp or /scratch (autograder.sandbox).
REBIND = json.loads(os.environ.pop("DLBOOK_REBIND", "[]"))
# Where the sandbox bound every chapter folder this zygote may show (out of sight), and
# where each notebook sees the chapters its request names (autograder.sandbox).
CHAPTER_STASH = os.environ.pop("DLBOOK_CHAPTER_STASH", "")
CHAPTERS = "/opt/chapters"
# The notebook's seccomp filter (`autograder.confine`), struct sock_filter[] in hex.
SECCOMP = bytes.fromhex(os.environ.pop("DLBOOK_SECCOMP", ""))
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _install_seccomp(program: bytes) -> None:
    """Confine this process and all it starts to `program` (needs no_new_privs)."""
    code = ctypes.create_string_buffer(program, len(program))
    prog = _SockFprog(len(program) // 8, ctypes.cast(code, ctypes.c_void_p))
    _check(LIBC.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0),
           "seccomp")


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _rebind(stash: str, target: str) -> None:
    """Bind `stash` (a read-only bind of a folder or file the fresh /tmp or /scratch
    hid: a checkout or virtual environment kept there) back at `target`, read-only."""
    if os.path.isdir(stash):
        os.makedirs(target, mode=0o755, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o444))
    _mount(stash, target, None, MS_BIND | MS_REC, None)
    _mount("none", target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, None)


def _mount(source: str, target: str, kind: str | None, flags: int, data: str | None) -> None:
    _check(LIBC.mount(source.encode(), target.encode(), kind.encode() if kind else None,
                      ctypes.c_ulong(flags), data.encode() if data else None), f"mount {target}")


def _show_chapters(names: list) -> None:
    """A fresh /opt/chapters showing only the chapters `names`, each a read-only bind of
    its folder in the stash; then the stash hidden under an empty read-only tmpfs, so
    that the notebook sees no other chapter's files."""
    _mount("tmpfs", CHAPTERS, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755")
    for name in names:
        source = os.path.join(CHAPTER_STASH, str(name))
        if not isinstance(name, str) or "/" in name or name in ("", ".", "..") or not (
                os.path.isdir(source)):
            raise ValueError(f"no chapter {name!r} to show")
        target = os.path.join(CHAPTERS, name)
        os.mkdir(target, 0o755)
        _mount(source, target, None, MS_BIND | MS_REC, None)
        _mount("none", target, None,
               MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, None)
    _mount("tmpfs", CHAPTER_STASH, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
           "size=4k,mode=0555")


def _init(request: dict, requests_fd: int, replies_fd: int, mounted_fd: int) -> None:
    """Pid 1 of the notebook's PID namespace: fresh mounts (then one byte on `mounted_fd`,
    so that a failure here is the grader's, never the learner's), then start the
    notebook and wait for it (reaping orphans); exit with its status (128 + signal if one
    ended it). When this process ends, the kernel kills everything left in the
    namespace."""
    limits = request["limits"]
    for fd in request.get("cgroup_fds", ()):  # join the notebook's cgroups ("0": this one)
        os.write(fd, b"0")
        os.close(fd)
    _mount("none", "/", None, MS_REC | MS_PRIVATE, None)
    _mount("tmpfs", "/scratch", "tmpfs", MS_NOSUID | MS_NODEV,
           f"size={int(limits['scratch_bytes'])},mode=0777")
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
           f"size={int(limits['scratch_bytes'])},mode=1777")
    for stash, target in REBIND:
        _rebind(stash, target)
    if CHAPTER_STASH:
        _show_chapters(request.get("chapters", []))
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
    os.write(mounted_fd, b"1")
    os.close(mounted_fd)
    pid = os.fork()
    if pid == 0:
        try:
            _notebook(request, requests_fd, replies_fd)
        finally:
            os._exit(126)
    os.close(requests_fd)
    os.close(replies_fd)
    while True:
        try:
            child, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(126)
        if child == pid:
            os._exit(128 + os.WTERMSIG(status) if os.WIFSIGNALED(status)
                     else os.WEXITSTATUS(status))


def _notebook(request: dict, requests_fd: int, replies_fd: int) -> None:
    """The notebook's process: confine it for good, then serve the grader."""
    limits = request["limits"]
    uid = int(request["uid"])
    os.setsid()
    os.dup2(requests_fd, 0)
    os.dup2(replies_fd, 1)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    os.closerange(3, 65536)
    for kind, value in ((resource.RLIMIT_AS, limits["memory_bytes"]),
                        (resource.RLIMIT_NPROC, limits["processes"]),
                        (resource.RLIMIT_FSIZE, limits["file_bytes"]),
                        (resource.RLIMIT_CPU, limits["cpu_s"]),
                        (resource.RLIMIT_NOFILE, limits.get("open_files", 1024)),
                        (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(kind, (int(value), int(value)))
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # from uid 0 to another: every capability is dropped
    _check(LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    if set(os.getresuid()) != {uid} or set(os.getresgid()) != {uid} or os.getgroups():
        os._exit(125)
    with open("/proc/self/status") as status:
        if any(line.startswith(("CapEff:", "CapPrm:", "CapAmb:")) and int(line.split()[1], 16)
               for line in status):
            os._exit(125)
    os.chdir("/scratch")
    os.environ["HOME"] = "/scratch"
    if SECCOMP:
        _install_seccomp(SECCOMP)
    import worker  # noqa: PLC0415 - preloaded in the zygote; runs the learner's cells

    worker.Session(*worker._silence_output()).serve()
    os._exit(0)


def _holder(request: dict, requests_fd: int, replies_fd: int, report_fd: int) -> None:
    """Between the zygote and the notebook: make the namespaces, report the pid of
    their init once it has made the notebook's mounts (nothing if it could not: the
    zygote then answers with an error, and the grader starts the notebook another way),
    and exit with its status."""
    try:
        _check(LIBC.unshare(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC
                            | CLONE_NEWUTS), "unshare")
        mounted_read, mounted_write = os.pipe()
        pid = os.fork()
    except BaseException:  # noqa: BLE001 - anything here means no notebook
        os._exit(126)
    if pid == 0:
        os.close(report_fd)
        os.close(mounted_read)
        try:
            _init(request, requests_fd, replies_fd, mounted_write)
        except BaseException:  # noqa: BLE001
            os._exit(126)
    for fd in (requests_fd, replies_fd, mounted_write, *request.get("cgroup_fds", ())):
        os.close(fd)
    mounted = os.read(mounted_read, 1)  # b"" if init ended before its mounts were made
    os.close(mounted_read)
    if mounted:
        os.write(report_fd, f"{pid}\n".encode())
    os.close(report_fd)
    _, status = os.waitpid(pid, 0)
    os._exit(128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status))


class Zygote:
    def __init__(self, control: socket.socket) -> None:
        self.control = control
        self.children: dict[int, tuple[int, int]] = {}  # id -> (holder pid, init pid)
        self.status: dict[int, int] = {}

    def start(self, request: dict, fds: list[int]) -> dict:
        requests_fd, replies_fd, *request["cgroup_fds"] = fds
        threads = len(os.listdir("/proc/self/task"))
        if threads != 1:  # a fork copies only this one: the others' locks stay held
            for fd in fds:
                os.close(fd)
            return {"error": f"the zygote runs {threads} threads and cannot fork safely"}
        report_read, report_write = os.pipe()
        holder = os.fork()
        if holder == 0:
            try:
                self.control.close()
                os.close(report_read)
                _holder(request, requests_fd, replies_fd, report_write)
            finally:
                os._exit(126)
        for fd in (report_write, requests_fd, replies_fd, *request["cgroup_fds"]):
            os.close(fd)
        with os.fdopen(report_read) as report:
            line = report.readline().strip()
        if not line:
            _, status = os.waitpid(holder, 0)
            return {"error": f"the notebook's process could not start ({status})"}
        self.children[request["id"]] = (holder, int(line))
        return {"started": request["id"]}

    def _reap(self, ident: int, block_s: float) -> int | None:
        if ident in self.status:
            return self.status[ident]
        holder, _ = self.children[ident]
        deadline = time.monotonic() + block_s
        while True:
            pid, status = os.waitpid(holder, os.WNOHANG)
            if pid:
                self.status[ident] = os.waitstatus_to_exitcode(status)
                del self.children[ident]
                return self.status[ident]
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.01)

    def kill(self, ident: int) -> int | None:
        if ident in self.children:
            _, init = self.children[ident]
            try:
                os.kill(init, signal.SIGKILL)  # its namespace's init: everything in it goes
            except ProcessLookupError:
                pass
            return self._reap(ident, 10.0)
        return self.status.get(ident)

    def handle(self, request: dict, fds: list[int]) -> dict:
        op, ident = request.get("op"), request.get("id")
        if op == "start":
            return self.start(request, fds)
        if op == "preload":  # a chapter's imports, named by the grader
            _preload(request.get("modules", []))
            return {"preloaded": True}
        if ident not in self.children and ident not in self.status:
            return {"error": "unknown notebook"}
        if op == "poll":
            return {"status": self._reap(ident, 0.0)}
        if op == "wait":  # the pipe closed: the notebook is ending (else it is killed)
            status = self._reap(ident, 2.0)
            return {"status": status if status is not None else self.kill(ident)}
        if op == "kill":
            return {"status": self.kill(ident)}
        if op == "forget":
            self.kill(ident)
            self.status.pop(ident, None)
            return {}
        return {"error": f"unknown request {op!r}"}

    def serve(self) -> None:
        while True:
            message, fds, _, _ = socket.recv_fds(self.control, 1 << 16, 4)
            if not message:
                return
            try:
                reply = self.handle(json.loads(message), fds)
            except Exception as error:  # noqa: BLE001 - reported to the grader
                reply = {"error": f"{type(error).__name__}: {error}"}
            self.control.sendall(json.dumps(reply).encode() + b"\n")


def _preload(modules: list) -> None:
    for name in modules:
        try:
            importlib.import_module(str(name))
        except Exception:  # noqa: BLE001 - the notebook will import (and fail) itself
            pass


def main() -> None:
    control = socket.socket(fileno=os.dup(0))
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    sys.stdout = sys.stderr = open(os.devnull, "w")
    preload = json.loads(os.environ.pop("DLBOOK_PRELOAD", "[]"))
    _preload(["numpy", "IPython.core.interactiveshell", "worker", *preload])
    control.sendall(b'{"ready": true}\n')
    Zygote(control).serve()


if __name__ == "__main__":
    main()
