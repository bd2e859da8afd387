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
''',
          hint=('W is used transposed: in this course W has shape (n_in, n_out) and examples '
               'are rows, so check the order of your matrix product.')),
    Wrong("ex2_1_dense_forward", "checks only that the inner sizes match: a 1-D X "
          "(one example without its batch axis) goes through",
          '''
def dense_forward(X, W, b):
    X, W, b = np.asarray(X), np.asarray(W), np.asarray(b)
    if X.shape[-1] != W.shape[0] or b.shape[-1] != W.shape[1]:
        raise ValueError(f"shapes do not fit: X {X.shape}, W {W.shape}, b {b.shape}")
    return X @ W + b
''',
          hint=('A 1-D X (one example without the batch axis) is accepted: the exercise asks '
               'for a ValueError unless X has two axes.')),
    Wrong("ex2_1_dense_forward", "accepts a bias of shape (1, n_out): checks its size, not its "
          "number of axes",
          '''
def dense_forward(X, W, b):
    X, W, b = np.asarray(X), np.asarray(W), np.asarray(b)
    if X.ndim != 2 or W.ndim != 2 or X.shape[1] != W.shape[0] or b.size != W.shape[1]:
        raise ValueError(f"shapes do not fit: X {X.shape}, W {W.shape}, b {b.shape}")
    return X @ W + b
''',
          hint=("A bias of shape (1, n_out) is accepted: check the bias's shape exactly (one "
               'axis of length n_out), not only its size.')),
    Wrong("ex2_1_dense_forward", "no shape checks: a bias of shape (1,) is silently broadcast",
          '''
def dense_forward(X, W, b):
    return np.asarray(X) @ np.asarray(W) + np.asarray(b)
''',
          hint=('Mismatched shapes (e.g. a bias of the wrong length) are silently broadcast: '
               'validate the shapes and raise ValueError, as the docstring says.')),
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
''',
          hint=('Float32 inputs come back as float64: an array you create (zeros, ones, '
               "empty) defaults to float64; give it the inputs' dtype.")),
    # Exercise 2.2: add_bias_column
    Wrong("ex2_2_add_bias_column", "prepends the column of ones instead of appending it",
          '''
def add_bias_column(X):
    X = np.asarray(X)
    return np.concatenate([np.ones((X.shape[0], 1), dtype=X.dtype), X], axis=1)
''',
          hint=('The column of ones is in the wrong place: it goes after the last feature, '
               'not before the first.')),
    Wrong("ex2_2_add_bias_column", "np.ones without dtype: float32 becomes float64",
          '''
def add_bias_column(X):
    X = np.asarray(X)
    return np.concatenate([X, np.ones((X.shape[0], 1))], axis=1)
''',
          hint=('A float32 batch comes back as float64: the ones you add default to float64; '
               "give them X's dtype.")),
    Wrong("ex2_2_add_bias_column", "appends a row of ones instead of a column",
          '''
def add_bias_column(X):
    X = np.asarray(X)
    return np.concatenate([X, np.ones((1, X.shape[1]), dtype=X.dtype)], axis=0)
''',
          hint=('You add an example (a row) instead of a feature (a column): check the axis '
               'you concatenate along.')),
    Wrong("ex2_2_add_bias_column", "appends a column of zeros: the bias row is multiplied by 0",
          '''
def add_bias_column(X):
    X = np.asarray(X)
    return np.concatenate([X, np.zeros((X.shape[0], 1), dtype=X.dtype)], axis=1)
''',
          hint=('The added column holds zeros, so the bias row of W has no effect: it must '
               'hold ones.')),
    # Exercise 2.3: count_parameters
    Wrong("ex2_3_count_parameters", "forgets the biases",
          '''
def count_parameters(layer_sizes):
    sizes = [int(n) for n in layer_sizes]
    if len(sizes) < 2 or min(sizes) <= 0:
        raise ValueError(f"bad layer sizes {layer_sizes}")
    return sum(a * c for a, c in zip(sizes[:-1], sizes[1:]))
''',
          hint=('Your count misses the biases: every neuron of every layer (not the inputs) '
               'has one.')),
    Wrong("ex2_3_count_parameters", "gives the input layer biases too: n_in + 1 per neuron, "
          "plus a bias per input",
          '''
def count_parameters(layer_sizes):
    sizes = [int(n) for n in layer_sizes]
    if len(sizes) < 2 or min(sizes) <= 0:
        raise ValueError(f"bad layer sizes {layer_sizes}")
    return sum(a * c for a, c in zip(sizes[:-1], sizes[1:])) + sum(sizes)
''',
          hint=('You count biases for the inputs too: only the neurons of the layers after '
               'the input have biases.')),
    Wrong("ex2_3_count_parameters", "np.dot of the sizes returns a NumPy integer, not a Python int",
          '''
def count_parameters(layer_sizes):
    sizes = np.array(layer_sizes)
    if sizes.size < 2 or sizes.min() <= 0:
        raise ValueError(f"bad layer sizes {layer_sizes}")
    return np.dot(sizes[:-1] + 1, sizes[1:])
''',
          hint=('The count comes back as a NumPy integer: the docstring promises a Python '
               'int.')),
    Wrong("ex2_3_count_parameters", "does not reject a layer of size 0",
          '''
def count_parameters(layer_sizes):
    sizes = [int(n) for n in layer_sizes]
    if len(sizes) < 2:
        raise ValueError(f"need at least two sizes, got {layer_sizes}")
    return sum((a + 1) * c for a, c in zip(sizes[:-1], sizes[1:]))
''',
          hint=('A layer of size 0 is accepted: the exercise asks for a ValueError when a '
               'size is not positive.')),
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
''',
          hint=('Your weights are uniformly distributed: He initialisation draws from a '
               'normal distribution.')),
    Wrong("ex2_4_init_params", "LeCun's standard deviation sqrt(1 / n_in): forgets He's factor 2",
          '''
def init_params(layer_sizes, rng, dtype=np.float64):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        W = rng.standard_normal((n_in, n_out)) * np.sqrt(1.0 / n_in)
        params.append((W.astype(dtype), np.zeros(n_out, dtype=dtype)))
    return params
''',
          hint=("Your weights' spread is too small by a factor sqrt(2): check He's variance "
               'for ReLU networks.')),
    Wrong("ex2_4_init_params", "variance 2 / n_in used as the standard deviation",
          '''
def init_params(layer_sizes, rng, dtype=np.float64):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        W = rng.standard_normal((n_in, n_out)) * (2.0 / n_in)
        params.append((W.astype(dtype), np.zeros(n_out, dtype=dtype)))
    return params
''',
          hint=("Your weights' spread is off: the formula in the notes gives the variance, "
               'and you used it as the standard deviation.')),
    Wrong("ex2_4_init_params", "scales by the number of outputs instead of the inputs",
          '''
def init_params(layer_sizes, rng, dtype=np.float64):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        W = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_out)
        params.append((W.astype(dtype), np.zeros(n_out, dtype=dtype)))
    return params
''',
          hint=("The weights' scale depends on the wrong size: He's variance uses the layer's "
               'number of inputs.')),
    Wrong("ex2_4_init_params", "Glorot's variance 2 / (n_in + n_out) instead of He's",
          '''
def init_params(layer_sizes, rng, dtype=np.float64):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        W = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / (n_in + n_out))
        params.append((W.astype(dtype), np.zeros(n_out, dtype=dtype)))
    return params
''',
          hint=("That is Glorot's variance, which mixes in the number of outputs: this "
               "exercise asks for He's.")),
    Wrong("ex2_4_init_params", "draws from NumPy's global generator instead of rng",
          '''
def init_params(layer_sizes, rng, dtype=np.float64):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        W = np.random.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
        params.append((W.astype(dtype), np.zeros(n_out, dtype=dtype)))
    return params
''',
          hint=('Your weights do not come from the generator rng you were given (so results '
               'cannot be reproduced): draw every random number from rng.')),
    Wrong("ex2_4_init_params", "makes a new generator from a fixed seed inside the function",
          '''
def init_params(layer_sizes, rng, dtype=np.float64):
    rng = np.random.default_rng(0)
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        W = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
        params.append((W.astype(dtype), np.zeros(n_out, dtype=dtype)))
    return params
''',
          hint=('You create your own generator inside the function, so every call gives the '
               'same weights whatever rng is: use the rng argument.')),
    Wrong("ex2_4_init_params", "random biases as well as random weights",
          '''
def init_params(layer_sizes, rng, dtype=np.float64):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        W = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
        b = rng.standard_normal(n_out) * np.sqrt(2.0 / n_in)
        params.append((W.astype(dtype), b.astype(dtype)))
    return params
''',
          hint='Your biases are random: He initialisation starts the biases at zero.'),
    Wrong("ex2_4_init_params", "one column of n_in draws repeated for every output",
          '''
def init_params(layer_sizes, rng, dtype=np.float64):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        column = rng.standard_normal((n_in, 1)) * np.sqrt(2.0 / n_in)
        W = np.repeat(column, n_out, axis=1)
        params.append((W.astype(dtype), np.zeros(n_out, dtype=dtype)))
    return params
''',
          hint=('Every output neuron gets the same weights (repeated columns): all weights '
               'must be independent draws.')),
    Wrong("ex2_4_init_params", "each column's draws sorted (right values, not independent)",
          '''
def init_params(layer_sizes, rng, dtype=np.float64):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        W = np.sort(rng.standard_normal((n_in, n_out)), axis=0) * np.sqrt(2.0 / n_in)
        params.append((W.astype(dtype), np.zeros(n_out, dtype=dtype)))
    return params
''',
          hint=('Your weights are ordered within each column: the draws must be independent, '
               'not sorted.')),
    Wrong("ex2_4_init_params", "one matrix drawn once and reused by every layer of its shape",
          '''
def init_params(layer_sizes, rng, dtype=np.float64):
    params, drawn = [], {}
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        if (n_in, n_out) not in drawn:
            drawn[n_in, n_out] = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
        params.append((drawn[n_in, n_out].astype(dtype), np.zeros(n_out, dtype=dtype)))
    return params
''',
          hint=('Two layers of the same shape get identical weights: draw fresh weights for '
               'every layer.')),
    Wrong("ex2_4_init_params", "antithetic draws: the second half of each column mirrors the first",
          '''
def init_params(layer_sizes, rng, dtype=np.float64):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        half = rng.standard_normal(((n_in + 1) // 2, n_out))
        W = np.concatenate([half, -half])[:n_in] * np.sqrt(2.0 / n_in)
        params.append((W.astype(dtype), np.zeros(n_out, dtype=dtype)))
    return params
''',
          hint=('Half of each column mirrors the other half: all weights must be independent '
               'draws.')),
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
''',
          hint=("The last layer's outputs (the logits) go through the ReLU too: the ReLU is "
               'applied between layers only.')),
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
''',
          hint=('Your cache stores activations after the ReLU where the pre-activations Z are '
               'expected: check what the docstring says each cache entry holds.')),
    Wrong("ex2_5_mlp_forward", "caches each layer's output instead of its input",
          '''
def mlp_forward(X, params):
    cache, A = [], X
    for layer, (W, b) in enumerate(params, start=1):
        Z = dense_forward(A, W, b)
        A = np.maximum(Z, 0.0) if layer < len(params) else Z
        cache.append((A, Z))
    return A, cache
''',
          hint=("Your cache stores each layer's output where its input is expected: check the "
               "docstring's description of the cache.")),
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
''',
          hint=('No ReLU is applied between the layers, so the network is a single affine '
               'map: apply it to every hidden layer.')),
    Wrong("ex2_5_mlp_forward", "the ReLU with a float64 zero array: float32 becomes float64",
          '''
def mlp_forward(X, params):
    cache, A = [], X
    for layer, (W, b) in enumerate(params, start=1):
        Z = dense_forward(A, W, b)
        cache.append((A, Z))
        A = np.maximum(Z, np.zeros(Z.shape)) if layer < len(params) else Z
    return A, cache
''',
          hint=('Float32 inputs come back as float64: something in your ReLU step is float64; '
               "keep the inputs' dtype.")),
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
''',
          hint=('Your two hidden neurons compute the same thing, so the network cannot tell '
               '(1, 1) from (1, 0): one of them needs a different threshold (bias).')),
    Wrong("ex2_6_xor_params", "right signs but too small a margin: logits of +-0.25",
          '''
def xor_params():
    W1 = np.array([[1.0, 1.0], [1.0, 1.0]])
    b1 = np.array([0.0, -1.0])
    W2 = np.array([[1.0], [-2.0]])
    b2 = np.array([-0.25])
    return [(W1, b1), (W2, b2)]
''',
          hint=('The network has the right signs but logits too close to 0: the exercise asks '
               'for a clear margin.')),
    Wrong("ex2_6_xor_params", "an OR network: the second hidden neuron is not subtracted "
          "strongly enough, so (1, 1) says 1",
          '''
def xor_params():
    W1 = np.array([[1.0, 1.0], [1.0, 1.0]])
    b1 = np.array([0.0, -1.0])
    W2 = np.array([[2.0], [-1.0]])
    b2 = np.array([-1.0])
    return [(W1, b1), (W2, b2)]
''',
          hint=('Your network computes OR: for input (1, 1) the second hidden neuron must '
               'pull the output down further.')),
    Wrong("ex2_6_xor_params", "W2 of shape (1, 2) instead of (2, 1)",
          '''
def xor_params():
    W1 = np.array([[1.0, 1.0], [1.0, 1.0]])
    b1 = np.array([0.0, -1.0])
    W2 = np.array([[2.0, -4.0]])
    b2 = np.array([-1.0])
    return [(W1, b1), (W2, b2)]
''',
          hint='W2 has the wrong shape: in this course weights have shape (n_in, n_out).'),
    Wrong("ex2_6_xor_params", "integer arrays instead of floats",
          '''
def xor_params():
    W1 = np.array([[1, 1], [1, 1]])
    b1 = np.array([0, -1])
    W2 = np.array([[2], [-4]])
    b2 = np.array([-1])
    return [(W1, b1), (W2, b2)]
''',
          hint='Your parameters are integer arrays: the docstring asks for float64.'),
]
