"""Probes for chapters 9 and 10 (convolutional and recurrent networks): see `autograder.probes`."""

from __future__ import annotations

import numpy as np

from autograder.diagnosis import Probes
from autograder.probes.common import rng as _rng

# ---- chapter 9 -------------------------------------------------------------------------

def _images(seed: int, shape, dtype=np.float64) -> np.ndarray:
    return _rng(seed).normal(size=shape).astype(dtype)


def _im2col(ref) -> list:
    X = _images(100, (2, 5, 4, 2))
    return [((X, 2, 3), {}), ((X, 3, 2), {"stride": 2}), ((X, 2, 2), {"padding": 1}),
            ((X.astype(np.float32), 3, 3), {"stride": 1, "padding": 1}),
            ((X[:1, :, :, :1], 5, 4), {}), ((X, 6, 2), {})]


def _conv2d_forward(ref) -> list:
    X = _images(101, (2, 5, 4, 2))
    K, b = _images(102, (3, 2, 2, 3)), _images(103, (3,))
    return [((X, K, b), {}), ((X, K, b), {"stride": 2}), ((X, K, b), {"padding": 1}),
            ((X.astype(np.float32), K.astype(np.float32), b.astype(np.float32)), {})]


def _conv2d_backward(ref) -> list:
    calls = []
    X = _images(104, (2, 5, 4, 2))
    K, b = _images(105, (3, 2, 2, 3)), _images(106, (3,))
    for seed, kwargs, dtype in ((107, {}, np.float64), (108, {"stride": 2}, np.float64),
                                (109, {"padding": 1}, np.float64), (110, {}, np.float32)):
        Y, cache = ref.conv2d_forward(X.astype(dtype), K.astype(dtype), b.astype(dtype),
                                      **kwargs)
        calls.append(((_images(seed, Y.shape, dtype), cache), {}))
    return calls


def _pooled(seed: int) -> np.ndarray:
    X = _images(seed, (2, 4, 6, 2))
    X[0, 0, 1, 0] = X[0, 1, 0, 0] = X[0, 1, 1, 0] = 5.0  # a three-way tie in one window
    return X


def _maxpool2d_forward(ref) -> list:
    X = _pooled(111)
    return [((X,), {}), ((X[:, :, :4],), {"size": 4}), ((X[:, :3, :5],), {}),
            ((X.astype(np.float32),), {}), ((-np.abs(X),), {})]


def _maxpool2d_backward(ref) -> list:
    calls = []
    for seed, X, kwargs in ((112, _pooled(113), {}), (114, _pooled(115)[:, :, :4], {"size": 4}),
                            (116, _pooled(117).astype(np.float32), {}),
                            (118, _images(119, (2, 5, 7, 2)), {})):
        Y, cache = ref.maxpool2d_forward(X, **kwargs)
        calls.append(((_images(seed, Y.shape, X.dtype), cache), {}))
    return calls


def _cnn_forward(ref) -> list:
    params = ref.cnn_init(_rng(118))
    X = _images(119, (2, 28, 28, 1))
    return [((X, params), {}), ((X.astype(np.float32),
                                 [(K.astype(np.float32), b.astype(np.float32))
                                  for K, b in params]), {})]


def _cnn_loss_and_grads(ref) -> list:
    params = ref.cnn_init(_rng(120))
    params = [(K, b + _rng(121 + i).normal(size=b.shape) * 0.1)
              for i, (K, b) in enumerate(params)]
    X = _images(124, (3, 28, 28, 1))
    return [((params, X, np.array([3, 1, 7])), {}), ((params, X[:1], np.array([0])), {})]


# ---- chapter 10 ------------------------------------------------------------------------

def _rnn_arguments(seed: int, dtype=np.float64, gates: int = 1, B=2, T=3, D=2, H=3):
    rng = _rng(seed)
    arrays = (rng.normal(size=(B, T, D)), rng.normal(size=(B, H)),
              rng.normal(size=(D, gates * H)), rng.normal(size=(H, gates * H)) * 0.7,
              rng.normal(size=gates * H))
    return tuple(array.astype(dtype) for array in arrays)


def _rnn_forward(ref) -> list:
    X, h0, Wx, Wh, b = _rnn_arguments(130)
    return [((X, h0, Wx, Wh, b), {}), (_rnn_arguments(131, np.float32), {}),
            ((X, h0[:1], Wx, Wh, b), {}), ((X[:, :1], h0, Wx, Wh, b), {})]


def _rnn_backward(ref) -> list:
    calls = []
    for seed, dtype in ((132, np.float64), (133, np.float32), (134, np.float64)):
        Hs, cache = ref.rnn_forward(*_rnn_arguments(seed, dtype, T=4 if seed == 134 else 3))
        calls.append(((_images(seed + 10, Hs.shape, dtype), cache), {}))
    return calls


def _clip_by_global_norm(ref) -> list:
    rng = _rng(135)
    pairs = [(rng.normal(size=(3, 2)) * 3, rng.normal(size=2)), (rng.normal(size=(2, 2)),
                                                                  rng.normal(size=2) * 4)]
    small = [(W * 1e-3, b * 1e-3) for W, b in pairs]
    return [((pairs, 1.0), {}), ((small, 1.0), {}), (([W for W, _ in pairs], 2.5), {}),
            (([(W.astype(np.float32), b.astype(np.float32)) for W, b in pairs], 0.5), {}),
            ((pairs, 0.0), {}), ((pairs, 1e6), {})]


def _lstm_forward(ref) -> list:
    X, h0, Wx, Wh, b = _rnn_arguments(136, gates=4)
    c0 = _rng(137).normal(size=h0.shape)
    saturated = b.copy()
    saturated[:3] = -1000.0  # the input gate's columns: sigmoid of a large negative number
    calls = [((X, h0, c0, Wx, Wh, b), {}), ((X, h0, c0, Wx, Wh, saturated), {})]
    X32, h32, Wx32, Wh32, b32 = _rnn_arguments(138, np.float32, gates=4)
    calls.append(((X32, h32, np.ones_like(h32), Wx32, Wh32, b32), {}))
    return calls


def _lstm_backward(ref) -> list:
    calls = []
    for seed, dtype in ((139, np.float64), (140, np.float32)):
        X, h0, Wx, Wh, b = _rnn_arguments(seed, dtype, gates=4)
        c0 = _rng(seed + 20).normal(size=h0.shape).astype(dtype)
        Hs, cache = ref.lstm_forward(X, h0, c0, Wx, Wh, b)
        calls.append(((_images(seed + 10, Hs.shape, dtype), cache), {}))
    return calls


PROBES: dict[str, dict[str, Probes]] = {
    "09_convolution": {
        "ex9_1_im2col": Probes("im2col", _im2col),
        "ex9_2_conv2d_forward": Probes("conv2d_forward", _conv2d_forward),
        "ex9_3_conv2d_backward": Probes("conv2d_backward", _conv2d_backward),
        "ex9_4_maxpool2d_forward": Probes("maxpool2d_forward", _maxpool2d_forward),
        "ex9_5_maxpool2d_backward": Probes("maxpool2d_backward", _maxpool2d_backward),
        "ex9_6_cnn_forward": Probes("cnn_forward", _cnn_forward),
        "ex9_7_cnn_loss_and_grads": Probes("cnn_loss_and_grads", _cnn_loss_and_grads),
    },
    "10_recurrent": {
        "ex10_1_rnn_forward": Probes("rnn_forward", _rnn_forward),
        "ex10_2_rnn_backward": Probes("rnn_backward", _rnn_backward),
        "ex10_3_clip_by_global_norm": Probes("clip_by_global_norm", _clip_by_global_norm),
        "ex10_4_lstm_forward": Probes("lstm_forward", _lstm_forward),
        "ex10_5_lstm_backward": Probes("lstm_backward", _lstm_backward),
    },
}
