"""dlbook.data: the offline MNIST sample, and the checksum-verified full download."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
from functools import partial

import numpy as np
import pytest

from dlbook import data


def test_offline_mnist_has_a_fixed_stratified_split():
    train, test = data.load_mnist()
    assert train.X.shape == (4000, 784) and test.X.shape == (1000, 784)
    assert train.X.dtype == np.float32 and train.y.dtype == np.int64
    assert 0.0 <= train.X.min() and train.X.max() == 1.0
    assert np.bincount(train.y).tolist() == [400] * 10
    assert np.bincount(test.y).tolist() == [100] * 10
    again_train, again_test = data.load_mnist()
    np.testing.assert_array_equal(train.X, again_train.X)
    np.testing.assert_array_equal(test.y, again_test.y)


def test_train_and_test_digits_do_not_overlap():
    train, test = data.load_mnist(normalize=False)
    assert train.X.dtype == np.uint8
    train_rows = {row.tobytes() for row in train.X}
    assert not any(row.tobytes() in train_rows for row in test.X)


def test_labels_match_the_images():
    """A mean '1' has far less ink than a mean '0': catches a label/pixel mix-up."""
    train, _ = data.load_mnist()
    ink = [train.X[train.y == digit].mean() for digit in range(10)]
    assert np.argmin(ink) == 1


def fake_mnist_npz(n_train=6, n_test=4) -> bytes:
    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    np.savez(buffer,
             x_train=rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
             y_train=rng.integers(0, 10, n_train, dtype=np.uint8),
             x_test=rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
             y_test=rng.integers(0, 10, n_test, dtype=np.uint8))
    return buffer.getvalue()


@pytest.fixture
def file_server(tmp_path):
    """A local HTTP server over a folder the test fills; never the internet."""
    served = tmp_path / "served"
    served.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.RequestHandlerClass.log_message = lambda *args: None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_full_mnist_downloads_once_and_verifies(file_server, tmp_path):
    served, base = file_server
    payload = fake_mnist_npz()
    (served / "mnist.npz").write_bytes(payload)
    digest = hashlib.sha256(payload).hexdigest()
    cache = tmp_path / "cache"

    train, test = data.load_full_mnist(cache, url=f"{base}/mnist.npz", sha256=digest)
    assert train.X.shape == (6, 784) and test.X.shape == (4, 784)
    assert train.X.dtype == np.float32 and train.y.dtype == np.int64
    assert (cache / "mnist.npz").read_bytes() == payload

    (served / "mnist.npz").unlink()  # a second call must not need the server
    again, _ = data.load_full_mnist(cache, url=f"{base}/mnist.npz", sha256=digest)
    np.testing.assert_array_equal(again.X, train.X)


def test_a_corrupted_download_is_rejected_and_not_kept(file_server, tmp_path):
    served, base = file_server
    (served / "mnist.npz").write_bytes(b"not the real file")
    cache = tmp_path / "cache"
    with pytest.raises(data.ChecksumError, match="expected"):
        data.load_full_mnist(cache, url=f"{base}/mnist.npz", sha256="0" * 64)
    assert list(cache.iterdir()) == [], "no partial or corrupt file may be left behind"


def test_a_tampered_cached_file_is_downloaded_again(file_server, tmp_path):
    served, base = file_server
    payload = fake_mnist_npz()
    (served / "mnist.npz").write_bytes(payload)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "mnist.npz").write_bytes(b"tampered")
    digest = hashlib.sha256(payload).hexdigest()
    data.load_full_mnist(cache, url=f"{base}/mnist.npz", sha256=digest)
    assert (cache / "mnist.npz").read_bytes() == payload


def test_the_real_checksum_is_pinned():
    assert data.FULL_MNIST_SHA256 == (
        "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1")
    assert data.FULL_MNIST_URL.startswith("https://")
