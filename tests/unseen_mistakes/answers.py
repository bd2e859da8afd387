"""The held-apart wrong answers (see __init__.py): close variants of catalogued mistakes
written another way, and mistakes the catalogue does not have (expect None)."""

from unseen_mistakes import Unseen

UNSEEN = [
    # chapter 1
    Unseen("01_neuron", "ex1_1_sigmoid", "the textbook formula", """
def sigmoid(z):
    return np.reciprocal(1.0 + np.exp(-np.asarray(z)))
"""),
    Unseen("01_neuron", "ex1_2_sigmoid_grad", "returns sigma(z) instead", """
def sigmoid_grad(z):
    s = sigmoid(z)
    return s * 1.0
"""),
    Unseen("01_neuron", "ex1_3_tanh", "forgets to restore the sign", """
def tanh(z):
    return np.tanh(np.abs(np.asarray(z)))
"""),
    Unseen("01_neuron", "ex1_4_tanh_grad", "1 - tanh z: forgets the square", """
def tanh_grad(z):
    return -(tanh(z) - 1.0)
"""),
    Unseen("01_neuron", "ex1_5_relu", None, """
def relu(z):
    z = np.asarray(z)
    return np.maximum(z, z * 0.01)
"""),
    Unseen("01_neuron", "ex1_6_relu_grad", None, """
def relu_grad(z):
    z = np.asarray(z)
    return np.where(z > 0, 1.0, 0.01).astype(z.dtype if z.dtype.kind == "f" else float)
"""),
    Unseen("01_neuron", "ex1_7_neuron", "adds the bias after the activation", """
def neuron(x, w, b, activation):
    return activation(np.dot(x, w)) + b
"""),
    # chapter 2
    Unseen("02_forward", "ex2_1_dense_forward", "X @ W.T + b", """
def dense_forward(X, W, b):
    return np.dot(X, W.T) + b
"""),
    Unseen("02_forward", "ex2_2_add_bias_column", "prepends the column of ones", """
def add_bias_column(X):
    X = np.asarray(X)
    return np.hstack([np.ones((len(X), 1), dtype=X.dtype), X])
"""),
    Unseen("02_forward", "ex2_3_count_parameters", "forgets the biases", """
def count_parameters(layer_sizes):
    total = 0
    for a, b in zip(layer_sizes[:-1], layer_sizes[1:]):
        if a <= 0 or b <= 0:
            raise ValueError("sizes must be positive")
        total += int(a) * int(b)
    return total
"""),
    Unseen("02_forward", "ex2_4_init_params", None, """
def init_params(layer_sizes, rng, dtype=np.float64):
    params = []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        limit = np.sqrt(6.0 / (n_in + n_out))
        W = rng.uniform(-limit, limit, size=(n_in, n_out))
        params.append((W.astype(dtype), np.zeros(n_out, dtype=dtype)))
    return params
"""),
    Unseen("02_forward", "ex2_5_mlp_forward", "applies the ReLU to the logits", """
def mlp_forward(X, params):
    cache, A = [], X
    for W, b in params:
        Z = A @ W + b
        cache.append((A, Z))
        A = np.maximum(Z, 0).astype(Z.dtype)
    return A, cache
"""),
    # chapter 3
    Unseen("03_softmax", "ex3_1_softmax", "no max-subtraction", """
def softmax(Z):
    E = np.exp(np.asarray(Z))
    return E / E.sum(axis=-1, keepdims=True)
"""),
    Unseen("03_softmax", "ex3_2_log_softmax", "log(softmax(Z))", """
def log_softmax(Z):
    P = softmax(Z)
    return np.log(P)
"""),
    Unseen("03_softmax", "ex3_3_one_hot", "returns the transpose", """
def one_hot(y, num_classes):
    y = np.asarray(y)
    if np.any((y < 0) | (y >= num_classes)):
        raise ValueError("label out of range")
    return np.eye(num_classes)[:, y]
"""),
    Unseen("03_softmax", "ex3_4_cross_entropy", "sums over the batch", """
def cross_entropy(P, Y, eps=1e-12):
    return -(Y * np.log(P + eps)).sum()
"""),
    Unseen("03_softmax", "ex3_5_softmax_cross_entropy", None, """
def softmax_cross_entropy(Z, y):
    P = softmax(Z)
    return float(np.mean((P - one_hot(y, P.shape[-1])) ** 2))
"""),
    Unseen("03_softmax", "ex3_6_softmax_cross_entropy_grad", "forgets the 1/B", """
def softmax_cross_entropy_grad(Z, y):
    P = softmax(Z)
    return P - one_hot(y, Z.shape[1]).astype(P.dtype)
"""),
    # chapter 4
    Unseen("04_gradcheck", "ex4_1_numerical_gradient", "divides the central difference by eps",
           """
def numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros(x.shape)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        keep = x[i]
        try:
            x[i] = keep + eps
            up = float(f(x))
            x[i] = keep - eps
            down = float(f(x))
        finally:
            x[i] = keep
        grad[i] = (up - down) / eps
    return grad
"""),
    Unseen("04_gradcheck", "ex4_2_relative_error", "divides by the norm of b only", """
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError("shapes differ")
    scale = np.sqrt(np.sum(b ** 2))
    return float(np.sqrt(np.sum((a - b) ** 2)) / max(scale, np.finfo(float).tiny))
"""),
    Unseen("04_gradcheck", "ex4_3_check_gradient", "returns the absolute difference", """
def check_gradient(f, grad_f, x):
    a = np.asarray(grad_f(x), dtype=np.float64)
    if a.shape != x.shape:
        raise ValueError("wrong shape")
    return float(np.sqrt(np.sum((a - numerical_gradient(f, x)) ** 2)))
"""),
    # chapter 5
    Unseen("05_backprop", "ex5_1_dense_backward", "db is the mean", """
def dense_backward(dZ, X, W):
    return dZ @ W.T, X.T @ dZ, np.mean(dZ, axis=0)
"""),
    Unseen("05_backprop", "ex5_2_relu_backward", "multiplies by the activation", """
def relu_backward(dA, Z):
    return dA * np.where(Z > 0, Z, 0).astype(dA.dtype)
"""),
    Unseen("05_backprop", "ex5_3_sigmoid_backward", "returns sigmoid'(Z) without", """
def sigmoid_backward(dA, Z):
    s = ch1.sigmoid(Z)
    return (s - s * s).astype(dA.dtype)
"""),
    Unseen("05_backprop", "ex5_5_loss_and_grads", None, """
def loss_and_grads(params, X, y):
    logits, cache = ch2.mlp_forward(X, params)
    loss = ch3.softmax_cross_entropy(logits, y)
    return float(loss), [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
"""),
    # chapter 6
    Unseen("06_sgd", "ex6_1_gradient_descent", "steps up the gradient", """
def gradient_descent(grad_f, x0, lr, steps):
    x = np.array(x0, dtype=np.result_type(x0, np.float64) if np.asarray(x0).dtype.kind != "f"
                 else np.asarray(x0).dtype)
    path = [x.copy()]
    for _ in range(steps):
        x = x + lr * grad_f(x)
        path.append(x.copy())
    return np.array(path)
"""),
    Unseen("06_sgd", "ex6_3_sgd_step", "adds the gradient", """
def sgd_step(params, grads, lr):
    return [(W + lr * dW, b + lr * db) for (W, b), (dW, db) in zip(params, grads)]
"""),
    Unseen("06_sgd", "ex6_4_accuracy", "counts the correct examples", """
def accuracy(params, X, y):
    logits = ch2.mlp_forward(X, params)[0]
    return float(np.sum(logits.argmax(axis=1) == y))
"""),
    Unseen("06_sgd", "ex6_9_lr_schedule", None, """
def lr_schedule(step, *, base_lr, warmup_steps, total_steps):
    if not 0 <= step < total_steps:
        raise ValueError("step out of range")
    return float(base_lr)
"""),
    # chapter 7
    Unseen("07_boltzmann", "ex7_1_energy", "forgets the 1/2", """
def energy(s, W, b):
    s = np.asarray(s)
    return -np.sum((s @ W) * s, axis=-1) - s @ b
"""),
    Unseen("07_boltzmann", "ex7_4_rbm_hidden_probs", "forgets the hidden biases", """
def rbm_hidden_probs(V, W, c):
    return ch1.sigmoid(np.asarray(V) @ W)
"""),
    Unseen("07_boltzmann", "ex7_6_free_energy", "the opposite sign", """
def free_energy(V, W, b, c):
    return V @ b + np.sum(np.logaddexp(0, V @ W + c), axis=-1)
"""),
    # chapter 9
    Unseen("09_convolution", "ex9_4_maxpool2d_forward", "averages each window", """
def maxpool2d_forward(X, *, size=2):
    B, H, W, C = X.shape
    h, w = H // size, W // size
    windows = X[:, :h * size, :w * size, :].reshape(B, h, size, w, size, C)
    return windows.mean(axis=(2, 4)), (X, size)
"""),
    Unseen("09_convolution", "ex9_2_conv2d_forward", "forgets the bias", """
def conv2d_forward(X, K, b, *, stride=1, padding=0):
    kh, kw, c_in, c_out = K.shape
    cols = im2col(X, kh, kw, stride=stride, padding=padding)
    Y = cols @ K.reshape(kh * kw * c_in, c_out)
    return Y, (X, cols, K, stride, padding)
"""),
    Unseen("09_convolution", "ex9_1_im2col", None, """
def im2col(X, kh, kw, *, stride=1, padding=0):
    B, H, W, C = X.shape
    Ho, Wo = (H + 2 * padding - kh) // stride + 1, (W + 2 * padding - kw) // stride + 1
    return np.zeros((B, Ho, Wo, kh * kw * C), dtype=X.dtype)
"""),
]

RIGHT = [
    Unseen("01_neuron", "ex1_5_relu", None, """
def relu(z):
    z = np.asarray(z)
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    return np.where(z > 0, z, np.zeros_like(z))
"""),
    Unseen("02_forward", "ex2_3_count_parameters", None, """
def count_parameters(layer_sizes):
    sizes = [int(n) for n in layer_sizes]
    if len(sizes) < 2 or min(sizes) <= 0:
        raise ValueError("need two or more positive sizes")
    return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
"""),
    Unseen("03_softmax", "ex3_3_one_hot", None, """
def one_hot(y, num_classes):
    y = np.asarray(y)
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError("label out of range")
    return (y[:, None] == np.arange(num_classes)).astype(np.float64)
"""),
    Unseen("05_backprop", "ex5_1_dense_backward", None, """
def dense_backward(dZ, X, W):
    return np.dot(dZ, W.T), np.dot(X.T, dZ), np.sum(dZ, axis=0)
"""),
    Unseen("07_boltzmann", "ex7_1_energy", None, """
def energy(s, W, b):
    s = np.asarray(s)
    return -0.5 * np.sum((s @ W) * s, axis=-1) - s @ b
"""),
]
