"""Classic wrong answers to chapter 2's exercises (layers and the forward pass)."""

from autograder.mistakes import Wrong

CHAPTER = "02_forward"

WRONG = [
    # Exercise 2.1: dense_forward
    Wrong("ex2_1_dense_forward", "X @ W.T + b: the column convention's weight orientation",
          '''
def dense_forward(X, W, b):
    X, W, b = np.asarray(X), np.asarray(W), np.asarray(b)
    if X.ndim != 2 or W.ndim != 2 or b.ndim != 1:
        raise ValueError(f"bad shapes X {X.shape}, W {W.shape}, b {b.shape}")
    return X @ W.T + b
'''),
    Wrong("ex2_1_dense_forward", "checks only that the inner sizes match: a 1-D X "
          "(one example without its batch axis) goes through",
          '''
def dense_forward(X, W, b):
    X, W, b = np.asarray(X), np.asarray(W), np.asarray(b)
    if X.shape[-1] != W.shape[0] or b.shape[-1] != W.shape[1]:
        raise ValueError(f"shapes do not fit: X {X.shape}, W {W.shape}, b {b.shape}")
    return X @ W + b
'''),
    Wrong("ex2_1_dense_forward", "accepts a bias of shape (1, n_out): checks its size, not its "
          "number of axes",
          '''
def dense_forward(X, W, b):
    X, W, b = np.asarray(X), np.asarray(W), np.asarray(b)
    if X.ndim != 2 or W.ndim != 2 or X.shape[1] != W.shape[0] or b.size != W.shape[1]:
        raise ValueError(f"shapes do not fit: X {X.shape}, W {W.shape}, b {b.shape}")
    return X @ W + b
'''),
    Wrong("ex2_1_dense_forward", "no shape checks: a bias of shape (1,) is silently broadcast",
          '''
def dense_forward(X, W, b):
    return np.asarray(X) @ np.asarray(W) + np.asarray(b)
'''),
    Wrong("ex2_1_dense_forward", "accumulates into a float64 array of zeros: float32 becomes "
          "float64",
          '''
def dense_forward(X, W, b):
    X, W, b = np.asarray(X), np.asarray(W), np.asarray(b)
    if X.ndim != 2 or W.ndim != 2 or b.ndim != 1 or X.shape[1] != W.shape[0] \\
            or b.shape[0] != W.shape[1]:
        raise ValueError(f"shapes do not fit: X {X.shape}, W {W.shape}, b {b.shape}")
    Z = np.zeros((X.shape[0], W.shape[1]))
    Z += X @ W
    return Z + b
'''),
    # Exercise 2.2: add_bias_column
    Wrong("ex2_2_add_bias_column", "prepends the column of ones instead of appending it",
          '''
def add_bias_column(X):
    X = np.asarray(X)
    return np.concatenate([np.ones((X.shape[0], 1), dtype=X.dtype), X], axis=1)
'''),
    Wrong("ex2_2_add_bias_column", "np.ones without dtype: float32 becomes float64",
          '''
def add_bias_column(X):
    X = np.asarray(X)
    return np.concatenate([X, np.ones((X.shape[0], 1))], axis=1)
'''),
    Wrong("ex2_2_add_bias_column", "appends a row of ones instead of a column",
          '''
def add_bias_column(X):
    X = np.asarray(X)
    return np.concatenate([X, np.ones((1, X.shape[1]), dtype=X.dtype)], axis=0)
'''),
    Wrong("ex2_2_add_bias_column", "appends a column of zeros: the bias row is multiplied by 0",
          '''
def add_bias_column(X):
    X = np.asarray(X)
    return np.concatenate([X, np.zeros((X.shape[0], 1), dtype=X.dtype)], axis=1)
'''),
    # Exercise 2.3: count_parameters
    Wrong("ex2_3_count_parameters", "forgets the biases",
          '''
def count_parameters(layer_sizes):
    sizes = [int(n) for n in layer_sizes]
    if len(sizes) < 2 or min(sizes) <= 0:
        raise ValueError(f"bad layer sizes {layer_sizes}")
    return sum(a * c for a, c in zip(sizes[:-1], sizes[1:]))
'''),
    Wrong("ex2_3_count_parameters", "gives the input layer biases too: n_in + 1 per neuron, "
          "plus a bias per input",
          '''
def count_parameters(layer_sizes):
    sizes = [int(n) for n in layer_sizes]
    if len(sizes) < 2 or min(sizes) <= 0:
        raise ValueError(f"bad layer sizes {layer_sizes}")
    return sum(a * c for a, c in zip(sizes[:-1], sizes[1:])) + sum(sizes)
'''),
    Wrong("ex2_3_count_parameters", "np.dot of the sizes returns a NumPy integer, not a Python int",
          '''
def count_parameters(layer_sizes):
    sizes = np.array(layer_sizes)
    if sizes.size < 2 or sizes.min() <= 0:
        raise ValueError(f"bad layer sizes {layer_sizes}")
    return np.dot(sizes[:-1] + 1, sizes[1:])
'''),
    Wrong("ex2_3_count_parameters", "does not reject a layer of size 0",
          '''
def count_parameters(layer_sizes):
    sizes = [int(n) for n in layer_sizes]
    if len(sizes) < 2:
        raise ValueError(f"need at least two sizes, got {layer_sizes}")
    return sum((a + 1) * c for a, c in zip(sizes[:-1], sizes[1:]))
'''),
    # Exercise 2.4: init_params
    Wrong("ex2_4_init_params", "a uniform distribution with He's variance instead of a normal one",
          '''
def init_params(layer_sizes, rng, dtype=np.float64):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        limit = np.sqrt(6.0 / n_in)
        W = rng.uniform(-limit, limit, size=(n_in, n_out))
        params.append((W.astype(dtype), np.zeros(n_out, dtype=dtype)))
    return params
'''),
    Wrong("ex2_4_init_params", "LeCun's standard deviation sqrt(1 / n_in): forgets He's factor 2",
          '''
def init_params(layer_sizes, rng, dtype=np.float64):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        W = rng.standard_normal((n_in, n_out)) * np.sqrt(1.0 / n_in)
        params.append((W.astype(dtype), np.zeros(n_out, dtype=dtype)))
    return params
'''),
    Wrong("ex2_4_init_params", "variance 2 / n_in used as the standard deviation",
          '''
def init_params(layer_sizes, rng, dtype=np.float64):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        W = rng.standard_normal((n_in, n_out)) * (2.0 / n_in)
        params.append((W.astype(dtype), np.zeros(n_out, dtype=dtype)))
    return params
'''),
    Wrong("ex2_4_init_params", "scales by the number of outputs instead of the inputs",
          '''
def init_params(layer_sizes, rng, dtype=np.float64):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        W = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_out)
        params.append((W.astype(dtype), np.zeros(n_out, dtype=dtype)))
    return params
'''),
    Wrong("ex2_4_init_params", "Glorot's variance 2 / (n_in + n_out) instead of He's",
          '''
def init_params(layer_sizes, rng, dtype=np.float64):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        W = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / (n_in + n_out))
        params.append((W.astype(dtype), np.zeros(n_out, dtype=dtype)))
    return params
'''),
    Wrong("ex2_4_init_params", "draws from NumPy's global generator instead of rng",
          '''
def init_params(layer_sizes, rng, dtype=np.float64):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        W = np.random.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
        params.append((W.astype(dtype), np.zeros(n_out, dtype=dtype)))
    return params
'''),
    Wrong("ex2_4_init_params", "makes a new generator from a fixed seed inside the function",
          '''
def init_params(layer_sizes, rng, dtype=np.float64):
    rng = np.random.default_rng(0)
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        W = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
        params.append((W.astype(dtype), np.zeros(n_out, dtype=dtype)))
    return params
'''),
    Wrong("ex2_4_init_params", "random biases as well as random weights",
          '''
def init_params(layer_sizes, rng, dtype=np.float64):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        W = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
        b = rng.standard_normal(n_out) * np.sqrt(2.0 / n_in)
        params.append((W.astype(dtype), b.astype(dtype)))
    return params
'''),
    Wrong("ex2_4_init_params", "one column of n_in draws repeated for every output",
          '''
def init_params(layer_sizes, rng, dtype=np.float64):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        column = rng.standard_normal((n_in, 1)) * np.sqrt(2.0 / n_in)
        W = np.repeat(column, n_out, axis=1)
        params.append((W.astype(dtype), np.zeros(n_out, dtype=dtype)))
    return params
'''),
    Wrong("ex2_4_init_params", "each column's draws sorted (right values, not independent)",
          '''
def init_params(layer_sizes, rng, dtype=np.float64):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        W = np.sort(rng.standard_normal((n_in, n_out)), axis=0) * np.sqrt(2.0 / n_in)
        params.append((W.astype(dtype), np.zeros(n_out, dtype=dtype)))
    return params
'''),
    Wrong("ex2_4_init_params", "one matrix drawn once and reused by every layer of its shape",
          '''
def init_params(layer_sizes, rng, dtype=np.float64):
    params, drawn = [], {}
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        if (n_in, n_out) not in drawn:
            drawn[n_in, n_out] = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
        params.append((drawn[n_in, n_out].astype(dtype), np.zeros(n_out, dtype=dtype)))
    return params
'''),
    Wrong("ex2_4_init_params", "antithetic draws: the second half of each column mirrors the first",
          '''
def init_params(layer_sizes, rng, dtype=np.float64):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        half = rng.standard_normal(((n_in + 1) // 2, n_out))
        W = np.concatenate([half, -half])[:n_in] * np.sqrt(2.0 / n_in)
        params.append((W.astype(dtype), np.zeros(n_out, dtype=dtype)))
    return params
'''),
    # Exercise 2.5: mlp_forward
    Wrong("ex2_5_mlp_forward", "applies the ReLU to the logits as well",
          '''
def mlp_forward(X, params):
    cache, A = [], X
    for W, b in params:
        Z = dense_forward(A, W, b)
        cache.append((A, Z))
        A = np.maximum(Z, 0.0)
    return A, cache
'''),
    Wrong("ex2_5_mlp_forward", "caches the activation after the ReLU instead of the "
          "pre-activation Z",
          '''
def mlp_forward(X, params):
    cache, A = [], X
    for layer, (W, b) in enumerate(params, start=1):
        Z = dense_forward(A, W, b)
        A_in = A
        A = np.maximum(Z, 0.0) if layer < len(params) else Z
        cache.append((A_in, A))
    return A, cache
'''),
    Wrong("ex2_5_mlp_forward", "caches each layer's output instead of its input",
          '''
def mlp_forward(X, params):
    cache, A = [], X
    for layer, (W, b) in enumerate(params, start=1):
        Z = dense_forward(A, W, b)
        A = np.maximum(Z, 0.0) if layer < len(params) else Z
        cache.append((A, Z))
    return A, cache
'''),
    Wrong("ex2_5_mlp_forward", "no ReLU between the layers: the network collapses to one "
          "affine map",
          '''
def mlp_forward(X, params):
    cache, A = [], X
    for W, b in params:
        Z = dense_forward(A, W, b)
        cache.append((A, Z))
        A = Z
    return A, cache
'''),
    Wrong("ex2_5_mlp_forward", "the ReLU with a float64 zero array: float32 becomes float64",
          '''
def mlp_forward(X, params):
    cache, A = [], X
    for layer, (W, b) in enumerate(params, start=1):
        Z = dense_forward(A, W, b)
        cache.append((A, Z))
        A = np.maximum(Z, np.zeros(Z.shape)) if layer < len(params) else Z
    return A, cache
'''),
    # Exercise 2.6: xor_params
    Wrong("ex2_6_xor_params", "no threshold on the second hidden neuron: both hidden neurons "
          "are equal",
          '''
def xor_params():
    W1 = np.array([[1.0, 1.0], [1.0, 1.0]])
    b1 = np.array([0.0, 0.0])
    W2 = np.array([[2.0], [-4.0]])
    b2 = np.array([-1.0])
    return [(W1, b1), (W2, b2)]
'''),
    Wrong("ex2_6_xor_params", "right signs but too small a margin: logits of +-0.25",
          '''
def xor_params():
    W1 = np.array([[1.0, 1.0], [1.0, 1.0]])
    b1 = np.array([0.0, -1.0])
    W2 = np.array([[1.0], [-2.0]])
    b2 = np.array([-0.25])
    return [(W1, b1), (W2, b2)]
'''),
    Wrong("ex2_6_xor_params", "an OR network: the second hidden neuron is not subtracted "
          "strongly enough, so (1, 1) says 1",
          '''
def xor_params():
    W1 = np.array([[1.0, 1.0], [1.0, 1.0]])
    b1 = np.array([0.0, -1.0])
    W2 = np.array([[2.0], [-1.0]])
    b2 = np.array([-1.0])
    return [(W1, b1), (W2, b2)]
'''),
    Wrong("ex2_6_xor_params", "W2 of shape (1, 2) instead of (2, 1)",
          '''
def xor_params():
    W1 = np.array([[1.0, 1.0], [1.0, 1.0]])
    b1 = np.array([0.0, -1.0])
    W2 = np.array([[2.0, -4.0]])
    b2 = np.array([-1.0])
    return [(W1, b1), (W2, b2)]
'''),
    Wrong("ex2_6_xor_params", "integer arrays instead of floats",
          '''
def xor_params():
    W1 = np.array([[1, 1], [1, 1]])
    b1 = np.array([0, -1])
    W2 = np.array([[2], [-4]])
    b2 = np.array([-1])
    return [(W1, b1), (W2, b2)]
'''),
]
