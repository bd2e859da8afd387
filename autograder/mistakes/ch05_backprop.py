"""Chapter 5: classic mistakes in the backward pass, each rejected by its exercise's tests."""

from autograder.mistakes import Wrong

CHAPTER = "05_backprop"

WRONG = [
    # Exercise 5.1: dense_backward
    Wrong("ex5_1_dense_backward", "db is the mean of dZ over the batch instead of the sum",
          '''
def dense_backward(dZ, X, W):
    return dZ @ W.T, X.T @ dZ, dZ.mean(axis=0)
''',
          hint=("Your bias gradient is B times too small: dZ already holds the batch mean's "
               '1/B, so the bias gradient adds up over the batch.')),
    Wrong("ex5_1_dense_backward", "dW is transposed: dZ.T @ X has the shape of W.T",
          '''
def dense_backward(dZ, X, W):
    return dZ @ W.T, dZ.T @ X, dZ.sum(axis=0)
''',
          hint=("Your weight gradient has the shape of W transposed: dW must have W's shape; "
               'check the order of your matrix product.')),
    Wrong("ex5_1_dense_backward", "dX multiplies by W instead of W.T",
          '''
def dense_backward(dZ, X, W):
    return dZ @ W, X.T @ dZ, dZ.sum(axis=0)
''',
          hint=('Your input gradient uses W where its transpose belongs: check the shapes, dX '
               "must have X's shape.")),
    Wrong("ex5_1_dense_backward", "divides dW and db by the batch size a second time",
          '''
def dense_backward(dZ, X, W):
    B = X.shape[0]
    return dZ @ W.T, X.T @ dZ / B, dZ.sum(axis=0) / B
''',
          hint=('Your weight and bias gradients are B times too small: dZ already contains '
               'the 1/B of the batch mean.')),
    Wrong("ex5_1_dense_backward", "db keeps the batch axis: shape (1, n_out)",
          '''
def dense_backward(dZ, X, W):
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0, keepdims=True)
''',
          hint="Your bias gradient has shape (1, n_out): it must have b's shape, (n_out,)."),
    Wrong("ex5_1_dense_backward", "db sums over the outputs (axis 1) instead of the batch",
          '''
def dense_backward(dZ, X, W):
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=1)
''',
          hint=('Your bias gradient adds up along the wrong axis: it sums over the examples '
               'of the batch.')),
    # Exercise 5.2: relu_backward
    Wrong("ex5_2_relu_backward", "lets the gradient through at Z == 0 (ReLU'(0) = 1)",
          '''
def relu_backward(dA, Z):
    return dA * (Z >= 0)
''',
          hint=("At Z exactly 0 you let the gradient through: the course's convention is that "
               "the ReLU's derivative at 0 is 0.")),
    Wrong("ex5_2_relu_backward", "multiplies by the activation ReLU(Z) instead of its derivative",
          '''
def relu_backward(dA, Z):
    return dA * np.maximum(Z, 0)
''',
          hint=("You multiply by the ReLU's output instead of its derivative (which is 0 or "
               '1).')),
    Wrong("ex5_2_relu_backward", "masks with the sign of the upstream gradient dA instead of Z",
          '''
def relu_backward(dA, Z):
    return dA * (dA > 0)
''',
          hint=('Your mask depends on the upstream gradient: it should depend on the '
               'pre-activation Z only.')),
    Wrong("ex5_2_relu_backward", "zeroes dA in place, modifying the caller's array",
          '''
def relu_backward(dA, Z):
    dA[Z <= 0] = 0
    return dA
''',
          hint=('Your function modifies the upstream gradient it was given: work on a new '
               'array.')),
    Wrong("ex5_2_relu_backward", "a float64 mask turns float32 gradients into float64",
          '''
def relu_backward(dA, Z):
    return dA * (Z > 0).astype(np.float64)
''',
          hint=('Float32 inputs give a float64 gradient: the mask you multiply by is float64; '
               "keep the inputs' dtype.")),
    # Exercise 5.3: sigmoid_backward
    Wrong("ex5_3_sigmoid_backward", "uses sigmoid(Z), not sigmoid'(Z): the notes' diag(sigma)",
          '''
def sigmoid_backward(dA, Z):
    return dA * ch1.sigmoid(Z)
''',
          hint='You multiply by the sigmoid itself instead of its derivative.'),
    Wrong("ex5_3_sigmoid_backward", "applies s(1 - s) to Z itself instead of to s = sigmoid(Z)",
          '''
def sigmoid_backward(dA, Z):
    return dA * Z * (1.0 - Z)
''',
          hint=("The derivative's rule is applied to Z itself: it is written in terms of the "
               'sigmoid of Z.')),
    Wrong("ex5_3_sigmoid_backward", "returns sigmoid'(Z) without the upstream gradient dA",
          '''
def sigmoid_backward(dA, Z):
    s = ch1.sigmoid(Z)
    return s * (1.0 - s)
''',
          hint=('Your result ignores the upstream gradient dA: the chain rule multiplies the '
               'local derivative by it.')),
    Wrong("ex5_3_sigmoid_backward", "a naive sigmoid 1 / (1 + exp(-Z)) overflows at Z = -1000",
          '''
def sigmoid_backward(dA, Z):
    s = 1.0 / (1.0 + np.exp(-Z))
    return dA * s * (1.0 - s)
''',
          hint=('Your sigmoid overflows for very negative Z (a RuntimeWarning): use a stable '
               "sigmoid, such as chapter 1's.")),
    Wrong("ex5_3_sigmoid_backward", "computes in float64 and returns float64 for float32 input",
          '''
def sigmoid_backward(dA, Z):
    s = ch1.sigmoid(Z.astype(np.float64))
    return dA.astype(np.float64) * s * (1.0 - s)
''',
          hint="Float32 inputs give a float64 gradient: keep the inputs' dtype."),
    # Exercise 5.4: mlp_backward
    Wrong("ex5_4_mlp_backward", "masks with the current layer's ReLU instead of the previous one's",
          '''
def mlp_backward(dlogits, cache, params):
    grads = [None] * len(params)
    delta = dlogits
    for i in reversed(range(len(params))):
        dX, dW, db = dense_backward(delta, cache[i][0], params[i][0])
        grads[i] = (dW, db)
        if i > 0:
            delta = relu_backward(dX, cache[i][1])
    return grads
''',
          hint=('The ReLU mask comes from the wrong layer: the gradient passed down to a '
               "layer's input is masked by the ReLU that produced that input.")),
    Wrong("ex5_4_mlp_backward", "returns the gradients last layer first (reversed order)",
          '''
def mlp_backward(dlogits, cache, params):
    grads = []
    delta = dlogits
    for i in reversed(range(len(params))):
        dX, dW, db = dense_backward(delta, cache[i][0], params[i][0])
        grads.append((dW, db))
        if i > 0:
            delta = relu_backward(dX, cache[i - 1][1])
    return grads
''',
          hint=('Your gradients come back last layer first: return them in the order of '
               'params.')),
    Wrong("ex5_4_mlp_backward", "masks the logits too, though the last layer has no ReLU",
          '''
def mlp_backward(dlogits, cache, params):
    grads = [None] * len(params)
    delta = relu_backward(dlogits, cache[-1][1])
    for i in reversed(range(len(params))):
        dX, dW, db = dense_backward(delta, cache[i][0], params[i][0])
        grads[i] = (dW, db)
        if i > 0:
            delta = relu_backward(dX, cache[i - 1][1])
    return grads
''',
          hint=('You apply a ReLU mask to the gradient of the logits: the last layer has no '
               'ReLU.')),
    Wrong("ex5_4_mlp_backward", "forgets the ReLU mask: the gradient of a linear network",
          '''
def mlp_backward(dlogits, cache, params):
    grads = [None] * len(params)
    delta = dlogits
    for i in reversed(range(len(params))):
        dX, dW, db = dense_backward(delta, cache[i][0], params[i][0])
        grads[i] = (dW, db)
        delta = dX
    return grads
''',
          hint=('No ReLU mask is applied between layers: your gradient is that of a network '
               'without activations.')),
    Wrong("ex5_4_mlp_backward", "uses the previous pre-activation Z instead of the layer's input A",
          '''
def mlp_backward(dlogits, cache, params):
    grads = [None] * len(params)
    delta = dlogits
    for i in reversed(range(len(params))):
        layer_input = cache[i - 1][1] if i > 0 else cache[0][0]
        dX, dW, db = dense_backward(delta, layer_input, params[i][0])
        grads[i] = (dW, db)
        if i > 0:
            delta = relu_backward(dX, cache[i - 1][1])
    return grads
''',
          hint=("The weight gradient uses a pre-activation where the layer's input (after the "
               'ReLU) belongs: check which cache entry you use.')),
    Wrong("ex5_4_mlp_backward", "divides every layer's gradients by the batch size again",
          '''
def mlp_backward(dlogits, cache, params):
    grads = [None] * len(params)
    delta = dlogits
    B = dlogits.shape[0]
    for i in reversed(range(len(params))):
        dX, dW, db = dense_backward(delta, cache[i][0], params[i][0])
        grads[i] = (dW / B, db / B)
        if i > 0:
            delta = relu_backward(dX, cache[i - 1][1])
    return grads
''',
          hint=("Your gradients are B times too small: dlogits already holds the batch mean's "
               '1/B.')),
    Wrong("ex5_4_mlp_backward", "hard-codes the two-layer walk instead of looping over any depth",
          '''
def mlp_backward(dlogits, cache, params):
    (X, Z1), (A1, _) = cache[0], cache[-1]
    dA1, dW2, db2 = dense_backward(dlogits, A1, params[-1][0])
    _, dW1, db1 = dense_backward(relu_backward(dA1, Z1), X, params[0][0])
    return [(dW1, db1), (dW2, db2)]
''',
          hint=('Your backward pass only works for a fixed number of layers: loop over '
               'however many layers params has.')),
    # Exercise 5.5: loss_and_grads
    Wrong("ex5_5_loss_and_grads", "no 1/B: the output delta is P - Y for a batch-mean loss",
          '''
def loss_and_grads(params, X, y):
    logits, cache = ch2.mlp_forward(X, params)
    dlogits = ch3.softmax_cross_entropy_grad(logits, y) * len(y)
    return float(ch3.softmax_cross_entropy(logits, y)), mlp_backward(dlogits, cache, params)
''',
          hint='Your gradients are B times too large: the loss is a mean over the batch.'),
    Wrong("ex5_5_loss_and_grads", "divides chapter 3's gradient by B although it already holds 1/B",
          '''
def loss_and_grads(params, X, y):
    logits, cache = ch2.mlp_forward(X, params)
    dlogits = ch3.softmax_cross_entropy_grad(logits, y) / len(y)
    return float(ch3.softmax_cross_entropy(logits, y)), mlp_backward(dlogits, cache, params)
''',
          hint=("Your gradients are B times too small: chapter 3's gradient already contains "
               "the batch mean's 1/B.")),
    Wrong("ex5_5_loss_and_grads", "returns the summed loss instead of the batch mean",
          '''
def loss_and_grads(params, X, y):
    logits, cache = ch2.mlp_forward(X, params)
    dlogits = ch3.softmax_cross_entropy_grad(logits, y)
    total = float(ch3.softmax_cross_entropy(logits, y)) * len(y)
    return total, mlp_backward(dlogits, cache, params)
''',
          hint='Your loss grows with the batch size: it is the mean over the batch.'),
    Wrong("ex5_5_loss_and_grads", "output delta P / B: forgets to subtract the one-hot labels",
          '''
def loss_and_grads(params, X, y):
    logits, cache = ch2.mlp_forward(X, params)
    dlogits = ch3.softmax(logits) / len(y)
    return float(ch3.softmax_cross_entropy(logits, y)), mlp_backward(dlogits, cache, params)
''',
          hint=("The gradient with respect to the logits ignores the labels: the labels' "
               'one-hot rows belong in it.')),
    Wrong("ex5_5_loss_and_grads", "returns the gradients in reversed layer order",
          '''
def loss_and_grads(params, X, y):
    logits, cache = ch2.mlp_forward(X, params)
    dlogits = ch3.softmax_cross_entropy_grad(logits, y)
    grads = mlp_backward(dlogits, cache, params)
    return float(ch3.softmax_cross_entropy(logits, y)), grads[::-1]
''',
          hint=('Your gradients come back in reversed layer order: return them in the order '
               'of params.')),
    # Issue 20: tiny positive and exactly zero pre-activations, transposed arrays, logit
    # gaps beyond exp's range, the loss's type.
    Wrong('ex5_2_relu_backward',
          'masks with Z > 1e-8 to stay off the kink: tiny positive Z lose their gradient',
          '''
def relu_backward(dA, Z):
    return dA * (Z > 1e-8)
''',
          hint=("Tiny positive pre-activations lose their gradient: the mask's threshold is "
               'exactly 0.')),
    Wrong('ex5_2_relu_backward',
          'writes the mask through reshape(-1), a copy for transposed arrays',
          '''
def relu_backward(dA, Z):
    dZ = np.copy(dA)
    dZ.reshape(-1)[Z.reshape(-1) <= 0] = 0
    return dZ
''',
          hint=('Your masking writes into a reshaped copy for some array layouts, so the mask '
               'is lost: mask without reshaping.')),
    Wrong('ex5_4_mlp_backward',
          'its own mask Z >= 0 lets the gradient through pre-activations of exactly 0',
          '''
def mlp_backward(dlogits, cache, params):
    grads = [None] * len(params)
    delta = dlogits
    for i in reversed(range(len(params))):
        dX, dW, db = dense_backward(delta, cache[i][0], params[i][0])
        grads[i] = (dW, db)
        if i > 0:
            delta = dX * (cache[i - 1][1] >= 0)
    return grads
''',
          hint=("At pre-activations of exactly 0 you let the gradient through: the course's "
               'convention is a derivative of 0 there.')),
    Wrong('ex5_4_mlp_backward',
          'treats pre-activations below machine epsilon as 0 (they are positive)',
          '''
def mlp_backward(dlogits, cache, params):
    grads = [None] * len(params)
    delta = dlogits
    for i in reversed(range(len(params))):
        dX, dW, db = dense_backward(delta, cache[i][0], params[i][0])
        grads[i] = (dW, db)
        if i > 0:
            delta = dX * (cache[i - 1][1] > np.finfo(dX.dtype).eps)
    return grads
''',
          hint=("Tiny positive pre-activations lose their gradient: the mask's threshold is "
               'exactly 0.')),
    Wrong('ex5_5_loss_and_grads',
          'takes log of the softmax probabilities: inf once a logit gap passes ~745',
          '''
def loss_and_grads(params, X, y):
    logits, cache = ch2.mlp_forward(X, params)
    rows = np.arange(len(y))
    P = ch3.softmax(logits)
    loss = float(-np.mean(np.log(P[rows, y])))
    dlogits = P.copy()
    dlogits[rows, y] -= 1
    dlogits /= len(y)
    return loss, mlp_backward(dlogits, cache, params)
''',
          hint=('Your loss becomes inf for large logit gaps: compute the log-probabilities '
               "from the logits directly (chapter 3's stable route).")),
    Wrong('ex5_5_loss_and_grads',
          'guards the log with eps, log(P + 1e-12): the loss is capped near 27.6',
          '''
def loss_and_grads(params, X, y):
    logits, cache = ch2.mlp_forward(X, params)
    rows = np.arange(len(y))
    P = ch3.softmax(logits)
    loss = float(ch3.cross_entropy(P, ch3.one_hot(y, P.shape[1])))
    dlogits = (P - ch3.one_hot(y, P.shape[1])).astype(P.dtype) / len(y)
    return loss, mlp_backward(dlogits, cache, params)
''',
          hint=('Your loss is capped for large logit gaps because of the eps inside the '
               "logarithm: compute the loss from the logits directly (chapter 3's stable "
               'route).')),
    Wrong('ex5_5_loss_and_grads',
          'returns the loss as a NumPy scalar (float32 for float32 parameters)',
          '''
def loss_and_grads(params, X, y):
    logits, cache = ch2.mlp_forward(X, params)
    rows = np.arange(len(y))
    loss = -ch3.log_softmax(logits)[rows, y].mean()
    dlogits = ch3.softmax_cross_entropy_grad(logits, y)
    return loss, mlp_backward(dlogits, cache, params)
''',
          hint=('The loss comes back as a NumPy scalar: the docstring promises a Python '
               'float.')),
]
