"""Chapter 10: classic mistakes in recurrent networks, BPTT, clipping and the LSTM, each
rejected by its exercise's tests.

The reference caches are `(X, h0, Wx, Wh, Hs)` for the RNN and
`(X, h0, c0, Wx, Wh, Hs, Cs, gates)` for the LSTM (`gates` holds i, f, g, o after their
activations, side by side), so a wrong backward pass below reads the cache of the reference
forward pass. Most entries are the reference with one line changed: `_variant` makes them
from one template per exercise, so the template is the only copy of the shared lines.
"""

from autograder.mistakes import Wrong

CHAPTER = "10_recurrent"

_RNN_FORWARD = '''
def rnn_forward(X, h0, Wx, Wh, b):
    if X.ndim != 3:
        raise ValueError("X should be 3-D")
    B, T, D = X.shape
    H = Wh.shape[0]
    if Wx.shape != (D, H) or Wh.shape != (H, H) or b.shape != (H,) or h0.shape != (B, H):
        raise ValueError("shapes do not fit")
    Hs = np.empty((B, T, H), dtype=X.dtype)
    h = h0
    for t in range(T):
        h = np.tanh(X[:, t] @ Wx + h @ Wh + b)
        Hs[:, t] = h
    return Hs, (X, h0, Wx, Wh, Hs)
'''

_RNN_BACKWARD = '''
def rnn_backward(dHs, cache):
    X, h0, Wx, Wh, Hs = cache
    T = X.shape[1]
    dX = np.empty(X.shape, dtype=dHs.dtype)
    dWx, dWh = np.zeros(Wx.shape, dtype=dHs.dtype), np.zeros(Wh.shape, dtype=dHs.dtype)
    db = np.zeros(Wh.shape[0], dtype=dHs.dtype)
    dh_next = np.zeros(h0.shape, dtype=dHs.dtype)
    for t in reversed(range(T)):
        h_prev = Hs[:, t - 1] if t > 0 else h0
        da = (dHs[:, t] + dh_next) * (1 - Hs[:, t] ** 2)
        db += da.sum(axis=0)
        dWx += X[:, t].T @ da
        dWh += h_prev.T @ da
        dX[:, t] = da @ Wx.T
        dh_next = da @ Wh.T
    return dX, dh_next, dWx, dWh, db
'''

_CLIP = '''
def clip_by_global_norm(grads, max_norm):
    if not max_norm > 0:
        raise ValueError("max_norm must be positive")
    arrays = [a for item in grads for a in (item if isinstance(item, tuple) else (item,))]
    norm = float(np.sqrt(sum(np.sum(np.square(a, dtype=np.float64)) for a in arrays)))
    scale = max_norm / norm if norm > max_norm else 1.0

    def rescale(a):
        return a * np.asarray(scale, dtype=a.dtype)

    clipped = [tuple(rescale(a) for a in item) if isinstance(item, tuple) else rescale(item)
               for item in grads]
    return clipped, norm
'''

_LSTM_FORWARD = '''
def lstm_forward(X, h0, c0, Wx, Wh, b):
    if X.ndim != 3:
        raise ValueError("X should be 3-D")
    B, T, D = X.shape
    H = Wh.shape[0]
    if Wx.shape != (D, 4 * H) or Wh.shape != (H, 4 * H) or b.shape != (4 * H,) or \\
            h0.shape != (B, H) or c0.shape != h0.shape:
        raise ValueError("shapes do not fit")
    Hs = np.empty((B, T, H), dtype=X.dtype)
    Cs = np.empty((B, T, H), dtype=X.dtype)
    gates = np.empty((B, T, 4 * H), dtype=X.dtype)
    h, c = h0, c0
    for t in range(T):
        a = X[:, t] @ Wx + h @ Wh + b
        s = 0.5 * (1 + np.tanh(0.5 * a))
        i, f, o = s[:, :H], s[:, H:2 * H], s[:, 3 * H:]
        g = np.tanh(a[:, 2 * H:3 * H])
        c = f * c + i * g
        h = o * np.tanh(c)
        gates[:, t] = np.concatenate([i, f, g, o], axis=1)
        Hs[:, t], Cs[:, t] = h, c
    return Hs, (X, h0, c0, Wx, Wh, Hs, Cs, gates)
'''

_LSTM_BACKWARD = '''
def lstm_backward(dHs, cache):
    X, h0, c0, Wx, Wh, Hs, Cs, gates = cache
    T, H = X.shape[1], h0.shape[1]
    dX = np.empty(X.shape, dtype=dHs.dtype)
    dWx, dWh = np.zeros(Wx.shape, dtype=dHs.dtype), np.zeros(Wh.shape, dtype=dHs.dtype)
    db = np.zeros(4 * H, dtype=dHs.dtype)
    dh_next = np.zeros(h0.shape, dtype=dHs.dtype)
    dc_next = np.zeros(c0.shape, dtype=dHs.dtype)
    for t in reversed(range(T)):
        i, f, g, o = np.split(gates[:, t], 4, axis=1)
        c_prev = Cs[:, t - 1] if t > 0 else c0
        h_prev = Hs[:, t - 1] if t > 0 else h0
        tanh_c = np.tanh(Cs[:, t])
        dh = dHs[:, t] + dh_next
        dc = dc_next + dh * o * (1 - tanh_c ** 2)
        da = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                             dc * i * (1 - g ** 2), dh * tanh_c * o * (1 - o)], axis=1)
        db += da.sum(axis=0)
        dWx += X[:, t].T @ da
        dWh += h_prev.T @ da
        dX[:, t] = da @ Wx.T
        dh_next = da @ Wh.T
        dc_next = dc * f
    return dX, dh_next, dc_next, dWx, dWh, db
'''


def _variant(template: str, *changes: tuple[str, str]) -> str:
    """The template with each (old, new) line fragment replaced; each must occur once."""
    for old, new in changes:
        assert template.count(old) == 1, old
        template = template.replace(old, new)
    return template


WRONG = [
    # Exercise 10.1: rnn_forward
    Wrong("ex10_1_rnn_forward", "ignores h0: every sequence starts from a zero state",
          _variant(_RNN_FORWARD, ("    h = h0\n", "    h = np.zeros_like(h0)\n")),
          hint=("The first step should start from the given start state, not from zeros: "
                "look at where your loop's state begins.")),
    Wrong("ex10_1_rnn_forward", "multiplies the state by Wh transposed",
          _variant(_RNN_FORWARD, ("h @ Wh + b", "h @ Wh.T + b")),
          hint=("The recurrent weights are applied the wrong way round: the state is a row, "
                "multiplied on the right by the (H, H) matrix as it is stored.")),
    Wrong("ex10_1_rnn_forward", "returns the pre-activations a_t instead of tanh(a_t)",
          _variant(_RNN_FORWARD, ("h = np.tanh(X[:, t] @ Wx + h @ Wh + b)",
                                  "h = X[:, t] @ Wx + h @ Wh + b")),
          hint=("Your states are not squashed: each state is the tanh of the step's weighted "
                "sum, and the next step reads that state.")),
    Wrong("ex10_1_rnn_forward", "fills a float64 array, so float32 sequences give float64 states",
          _variant(_RNN_FORWARD, ("Hs = np.empty((B, T, H), dtype=X.dtype)",
                                  "Hs = np.zeros((B, T, H))")),
          hint="Float32 inputs give float64 states: the array you fill has the wrong dtype."),
    Wrong("ex10_1_rnn_forward", "stores h0 as the first state (T + 1 states, shifted)",
          _variant(_RNN_FORWARD, ("    h = h0\n    for t in range(T):\n",
                                  "    h = h0\n    Hs = np.concatenate([h0[:, None], Hs], axis=1)\n"
                                  "    for t in range(T):\n"),
                   ("        Hs[:, t] = h\n", "        Hs[:, t + 1] = h\n")),
          hint=("Hs should hold the T states after each step, not the start state as well: "
                "check its shape.")),
    Wrong("ex10_1_rnn_forward", "never checks the shapes (no ValueError for a wrong h0)",
          _variant(_RNN_FORWARD, ("    if Wx.shape != (D, H) or Wh.shape != (H, H) or b.shape != "
                                  "(H,) or h0.shape != (B, H):\n        raise ValueError("
                                  "\"shapes do not fit\")\n", "")),
          hint=("Shapes that do not fit should raise ValueError: compare the shapes of the "
                "start state and the weights with X before computing.")),
    # Exercise 10.2: rnn_backward
    Wrong("ex10_2_rnn_backward", "truncates BPTT to one step: nothing flows back from h_{t+1}",
          _variant(_RNN_BACKWARD, ("da = (dHs[:, t] + dh_next) *", "da = dHs[:, t] *")),
          hint=("Each state's gradient must also include what flows back from the next step; "
                "yours stops after one step, like truncated BPTT with a window of 1.")),
    Wrong("ex10_2_rnn_backward",
          "does not accumulate: the gradient from the next step replaces dL/dh_t",
          _variant(_RNN_BACKWARD, ("da = (dHs[:, t] + dh_next) *",
                                   "da = (dHs[:, t] if t == T - 1 else dh_next) *")),
          hint=("A state used twice collects both gradients: the loss's own gradient for that "
                "step and the one from the next step must be added, at every step.")),
    Wrong("ex10_2_rnn_backward", "takes the tanh derivative at the pre-activation, 1 - a_t**2",
          _variant(_RNN_BACKWARD, ("* (1 - Hs[:, t] ** 2)", "* (1 - np.arctanh(Hs[:, t]) ** 2)")),
          hint=("The tanh derivative is one minus the square of the tanh's output (the state), "
                "not of its input.")),
    Wrong("ex10_2_rnn_backward", "pairs dWh with h_t instead of the previous state h_{t-1}",
          _variant(_RNN_BACKWARD, ("dWh += h_prev.T @ da", "dWh += Hs[:, t].T @ da")),
          hint=("The recurrent weights multiply the previous state, so their gradient pairs "
                "each step's delta with the state before that step.")),
    Wrong("ex10_2_rnn_backward", "returns zeros for dh0 (drops what leaves the first step)",
          _variant(_RNN_BACKWARD, ("return dX, dh_next, dWx, dWh, db",
                                   "return dX, np.zeros_like(h0), dWx, dWh, db")),
          hint=("The start state's gradient is what flows back out of the first step, not "
                "zero.")),
    Wrong("ex10_2_rnn_backward", "sums the weight gradients in float64 (float32 gives float64)",
          _variant(_RNN_BACKWARD, ("dWx, dWh = np.zeros(Wx.shape, dtype=dHs.dtype), "
                                   "np.zeros(Wh.shape, dtype=dHs.dtype)",
                                   "dWx, dWh = np.zeros(Wx.shape), np.zeros(Wh.shape)")),
          hint=("A float32 upstream gradient should give float32 weight gradients: the arrays "
                "you accumulate into are float64.")),
    # Exercise 10.3: clip_by_global_norm
    Wrong("ex10_3_clip_by_global_norm", "clips each array separately instead of by the global norm",
          '''
def clip_by_global_norm(grads, max_norm):
    if not max_norm > 0:
        raise ValueError("max_norm must be positive")

    def clip(a):
        size = float(np.sqrt(np.sum(np.square(a, dtype=np.float64))))
        return a * np.asarray(max_norm / size if size > max_norm else 1.0, dtype=a.dtype)

    arrays = [a for item in grads for a in (item if isinstance(item, tuple) else (item,))]
    norm = float(np.sqrt(sum(np.sum(np.square(a, dtype=np.float64)) for a in arrays)))
    return [tuple(clip(a) for a in item) if isinstance(item, tuple) else clip(item)
            for item in grads], norm
''',
          hint=("Clipping must scale every array by one common factor computed from all of "
                "them together; yours limits each array on its own, which changes the "
                "direction.")),
    Wrong("ex10_3_clip_by_global_norm",
          "rescales every gradient to norm max_norm, even those already under the limit",
          _variant(_CLIP, ("scale = max_norm / norm if norm > max_norm else 1.0",
                           "scale = max_norm / norm")),
          hint=("A gradient whose global norm is under the limit must be left as it is; yours "
                "is scaled up to the limit.")),
    Wrong("ex10_3_clip_by_global_norm", "returns the norm after clipping, not before",
          _variant(_CLIP, ("    return clipped, norm\n",
                           "    return clipped, min(norm, max_norm)\n")),
          hint="The norm to return is the global norm before clipping."),
    Wrong("ex10_3_clip_by_global_norm", "adds the arrays' norms instead of their squares",
          _variant(_CLIP, ("norm = float(np.sqrt(sum(np.sum(np.square(a, dtype=np.float64)) "
                           "for a in arrays)))",
                           "norm = float(sum(np.sqrt(np.sum(np.square(a, dtype=np.float64))) "
                           "for a in arrays))")),
          hint=("The global norm is the square root of the sum of the squares of every "
                "entry, not the sum of the arrays' own norms.")),
    Wrong("ex10_3_clip_by_global_norm",
          "multiplies by a float64 scale, so float32 gradients become float64",
          _variant(_CLIP, ("return a * np.asarray(scale, dtype=a.dtype)",
                           "return a * np.float64(scale)")),
          hint=("Float32 gradients come back as float64: the factor you multiply by has the "
                "wrong dtype.")),
    # Exercise 10.4: lstm_forward
    Wrong("ex10_4_lstm_forward", "reads the gates in the order i, f, o, g instead of i, f, g, o",
          _variant(_LSTM_FORWARD, ("i, f, o = s[:, :H], s[:, H:2 * H], s[:, 3 * H:]",
                                   "i, f, o = s[:, :H], s[:, H:2 * H], s[:, 2 * H:3 * H]"),
                   ("g = np.tanh(a[:, 2 * H:3 * H])", "g = np.tanh(a[:, 3 * H:])")),
          hint=("The gates are in the wrong columns: the order is input, forget, candidate, "
                "output, as Keras and PyTorch store them.")),
    Wrong("ex10_4_lstm_forward", "applies the forget gate to the candidate, the input gate to c",
          _variant(_LSTM_FORWARD, ("c = f * c + i * g", "c = i * c + f * g")),
          hint=("The forget gate decides how much of the old cell is kept and the input gate "
                "how much of the candidate is written: yours are swapped.")),
    Wrong("ex10_4_lstm_forward", "outputs o * c_t, without the tanh of the cell",
          _variant(_LSTM_FORWARD, ("h = o * np.tanh(c)", "h = o * c")),
          hint="The hidden state shows the cell through a tanh, scaled by the output gate."),
    Wrong("ex10_4_lstm_forward", "squashes the candidate with a sigmoid instead of tanh",
          _variant(_LSTM_FORWARD, ("g = np.tanh(a[:, 2 * H:3 * H])", "g = s[:, 2 * H:3 * H]")),
          hint=("The candidate is the one block that goes through a tanh, so that it can be "
                "negative; the three gates use the sigmoid.")),
    Wrong("ex10_4_lstm_forward", "computes the sigmoid as 1 / (1 + exp(-a)), which overflows",
          _variant(_LSTM_FORWARD, ("s = 0.5 * (1 + np.tanh(0.5 * a))", "s = 1 / (1 + np.exp(-a))")),
          hint=("Your sigmoid overflows (and warns) for large negative float32 inputs: the hint "
                "of the exercise gives a form that cannot overflow.")),
    Wrong("ex10_4_lstm_forward", "ignores c0: the cell starts at zero",
          _variant(_LSTM_FORWARD, ("h, c = h0, c0", "h, c = h0, np.zeros_like(c0)")),
          hint="The cell should start from the given start cell, not from zeros."),
    # Exercise 10.5: lstm_backward
    Wrong("ex10_5_lstm_backward", "the cell gradient misses the path through h_t",
          _variant(_LSTM_BACKWARD, ("dc = dc_next + dh * o * (1 - tanh_c ** 2)", "dc = dc_next")),
          hint=("The cell reaches the loss twice, through the next cell and through this "
                "step's hidden state: your cell gradient leaves out the second path.")),
    Wrong("ex10_5_lstm_backward", "puts the gate gradients in the order i, f, o, g",
          _variant(_LSTM_BACKWARD, ("dc * i * (1 - g ** 2), dh * tanh_c * o * (1 - o)",
                                    "dh * tanh_c * o * (1 - o), dc * i * (1 - g ** 2)")),
          hint=("The gate gradients must sit in the same columns as the gates in the forward "
                "pass: input, forget, candidate, output.")),
    Wrong("ex10_5_lstm_backward", "does not carry the cell gradient back through the forget gate",
          _variant(_LSTM_BACKWARD, ("dc_next = dc * f", "dc_next = dc")),
          hint=("Going back one step, the cell's gradient is multiplied by that step's forget "
                "gate.")),
    Wrong("ex10_5_lstm_backward", "uses the new cell c_t for the forget gate's gradient",
          _variant(_LSTM_BACKWARD, ("dc * c_prev * f * (1 - f)", "dc * Cs[:, t] * f * (1 - f)")),
          hint=("The forget gate multiplies the previous cell, so its gradient involves the "
                "cell before the step.")),
    Wrong("ex10_5_lstm_backward", "truncates to one step: nothing flows back into h_{t-1}",
          _variant(_LSTM_BACKWARD, ("dh = dHs[:, t] + dh_next", "dh = dHs[:, t]")),
          hint=("The hidden state's gradient must include what flows back from the next "
                "step's gates, at every step.")),
    Wrong("ex10_5_lstm_backward", "returns the cell gradient of step 1 as dc0, without f_1",
          _variant(_LSTM_BACKWARD, ("        dc_next = dc * f\n",
                                    "        dc_next = dc * f if t > 0 else dc\n")),
          hint=("The start cell's gradient is what flows out of the first step, through its "
                "forget gate.")),
]
