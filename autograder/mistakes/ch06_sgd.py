"""Chapter 6: classic mistakes in gradient descent, mini-batches, SGD and the training loop."""

from autograder.mistakes import Wrong

CHAPTER = "06_sgd"

WRONG = [
    # Exercise 6.1: gradient_descent
    Wrong("ex6_1_gradient_descent", "the path leaves out x0 (steps rows instead of steps + 1)",
          '''
def gradient_descent(grad_f, x0, lr, steps):
    x = np.array(x0, dtype=float)
    path = []
    for _ in range(steps):
        x = x - lr * grad_f(x)
        path.append(x.copy())
    return np.array(path).reshape(steps, len(x0))
''',
          hint='Your path is one row short: it starts with x0 itself, then one row per step.'),
    Wrong("ex6_1_gradient_descent", "updates x0 in place, changing the caller's array",
          '''
def gradient_descent(grad_f, x0, lr, steps):
    x = x0
    path = [x.copy()]
    for _ in range(steps):
        x -= lr * grad_f(x)
        path.append(x.copy())
    return np.array(path)
''',
          hint='Your function changes the x0 array it was given: work on a copy.'),
    Wrong("ex6_1_gradient_descent", "steps up the gradient (ascent) instead of against it",
          '''
def gradient_descent(grad_f, x0, lr, steps):
    path = [np.array(x0, dtype=float)]
    for _ in range(steps):
        path.append(path[-1] + lr * grad_f(path[-1]))
    return np.array(path)
''',
          hint='Your steps go uphill: gradient descent moves against the gradient.'),
    Wrong("ex6_1_gradient_descent", "allocates the path with x0's dtype, so integers truncate",
          '''
def gradient_descent(grad_f, x0, lr, steps):
    x0 = np.asarray(x0)
    path = np.empty((steps + 1, x0.shape[0]), dtype=x0.dtype)
    path[0] = x0
    for t in range(steps):
        path[t + 1] = path[t] - lr * grad_f(path[t])
    return path
''',
          hint=('An integer x0 gives a truncated, integer path: the path must be floating '
               'point.')),
    Wrong("ex6_1_gradient_descent", "always returns float64, even for a float32 start",
          '''
def gradient_descent(grad_f, x0, lr, steps):
    path = np.empty((steps + 1, np.shape(x0)[0]))
    path[0] = x0
    for t in range(steps):
        path[t + 1] = path[t] - lr * grad_f(path[t])
    return path
''',
          hint="A float32 start gives a float64 path: keep x0's floating dtype."),
    # Exercise 6.2: iterate_minibatches
    Wrong("ex6_2_iterate_minibatches", "drops the last, smaller batch",
          '''
def iterate_minibatches(X, y, batch_size, rng):
    if batch_size < 1 or len(X) != len(y):
        raise ValueError("bad batch_size or lengths")
    perm = rng.permutation(len(X))
    for start in range(0, len(X) - batch_size + 1, batch_size):
        idx = perm[start:start + batch_size]
        yield X[idx], y[idx]
''',
          hint=('The last, smaller batch is missing: every example must appear once per '
               'epoch.')),
    Wrong("ex6_2_iterate_minibatches", "does not shuffle: batches in the stored order",
          '''
def iterate_minibatches(X, y, batch_size, rng):
    if batch_size < 1 or len(X) != len(y):
        raise ValueError("bad batch_size or lengths")
    for start in range(0, len(X), batch_size):
        yield X[start:start + batch_size], y[start:start + batch_size]
''',
          hint='Your batches come in the stored order: shuffle with the rng you were given.'),
    Wrong("ex6_2_iterate_minibatches", "shuffles X and y with two different permutations",
          '''
def iterate_minibatches(X, y, batch_size, rng):
    if batch_size < 1 or len(X) != len(y):
        raise ValueError("bad batch_size or lengths")
    X, y = X[rng.permutation(len(X))], y[rng.permutation(len(y))]
    for start in range(0, len(X), batch_size):
        yield X[start:start + batch_size], y[start:start + batch_size]
''',
          hint=('X and y are shuffled differently, so examples lose their labels: use one '
               'permutation for both.')),
    Wrong("ex6_2_iterate_minibatches", "draws every batch at random with replacement",
          '''
def iterate_minibatches(X, y, batch_size, rng):
    if batch_size < 1 or len(X) != len(y):
        raise ValueError("bad batch_size or lengths")
    for start in range(0, len(X), batch_size):
        idx = rng.integers(0, len(X), size=min(batch_size, len(X) - start))
        yield X[idx], y[idx]
''',
          hint=('Your batches are drawn with replacement, so some examples repeat and others '
               'are missed: one epoch uses each example exactly once.')),
    Wrong("ex6_2_iterate_minibatches", "never checks batch_size, so 0 loops or fails oddly",
          '''
def iterate_minibatches(X, y, batch_size, rng):
    perm = rng.permutation(len(X))
    for start in range(0, len(X), max(batch_size, 1)):
        idx = perm[start:start + batch_size]
        yield X[idx], y[idx]
''',
          hint='A batch size below 1 is accepted: raise ValueError as the docstring says.'),
    # Exercise 6.3: sgd_step
    Wrong("ex6_3_sgd_step", "updates the parameters in place (W -= lr * dW)",
          '''
def sgd_step(params, grads, lr):
    for (W, b), (dW, db) in zip(params, grads):
        W -= lr * dW
        b -= lr * db
    return params
''',
          hint='Your update changes the parameter arrays it was given: return new arrays.'),
    Wrong("ex6_3_sgd_step", "a NumPy float64 lr promotes float32 parameters to float64",
          '''
def sgd_step(params, grads, lr):
    lr = np.float64(lr)
    return [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]
''',
          hint=('Float32 parameters come back as float64: a float64 learning rate promotes '
               "them; keep the parameters' dtype.")),
    Wrong("ex6_3_sgd_step", "adds the gradient instead of subtracting it",
          '''
def sgd_step(params, grads, lr):
    lr = float(lr)
    return [(W + lr * dW, b + lr * db) for (W, b), (dW, db) in zip(params, grads)]
''',
          hint='Your step goes uphill: subtract the scaled gradient.'),
    Wrong("ex6_3_sgd_step", "updates the weights but leaves the biases as they were",
          '''
def sgd_step(params, grads, lr):
    lr = float(lr)
    return [(W - lr * dW, b.copy()) for (W, b), (dW, db) in zip(params, grads)]
''',
          hint='Your biases are not updated: every parameter array takes a step.'),
    # Exercise 6.5: train
    Wrong("ex6_5_train", "never shuffles: the batches come in the stored order every epoch",
          '''
def train(params, X, y, *, epochs, lr, batch_size, rng, X_val=None, y_val=None,
          progress=False, optimizer=None):
    X = np.asarray(X, dtype=params[0][0].dtype)
    history, state = {"loss": []}, None
    if X_val is not None and y_val is not None:
        history["val_accuracy"] = []
    for _ in epoch_range(epochs, progress):
        losses = []
        for start in range(0, len(X), batch_size):
            loss, grads = ch5.loss_and_grads(params, X[start:start + batch_size],
                                             y[start:start + batch_size])
            if optimizer is None:
                params = sgd_step(params, grads, lr)
            else:
                params, state = optimizer(params, grads, state)
            losses.append(float(loss))
        history["loss"].append(float(np.mean(losses)))
        if "val_accuracy" in history:
            history["val_accuracy"].append(accuracy(params, X_val, y_val))
    return params, history
''',
          hint=('Your batches come in the stored order: each epoch shuffles with rng (the '
               "chapter's iterate_minibatches does).")),
    Wrong("ex6_5_train", "shuffles once and reuses the same batches in every epoch",
          '''
def train(params, X, y, *, epochs, lr, batch_size, rng, X_val=None, y_val=None,
          progress=False, optimizer=None):
    X = np.asarray(X, dtype=params[0][0].dtype)
    history, state = {"loss": []}, None
    if X_val is not None and y_val is not None:
        history["val_accuracy"] = []
    batches = list(iterate_minibatches(X, y, batch_size, rng))
    for _ in epoch_range(epochs, progress):
        losses = []
        for X_batch, y_batch in batches:
            loss, grads = ch5.loss_and_grads(params, X_batch, y_batch)
            if optimizer is None:
                params = sgd_step(params, grads, lr)
            else:
                params, state = optimizer(params, grads, state)
            losses.append(float(loss))
        history["loss"].append(float(np.mean(losses)))
        if "val_accuracy" in history:
            history["val_accuracy"].append(accuracy(params, X_val, y_val))
    return params, history
''',
          hint='Every epoch sees the same batches: shuffle afresh in each epoch.'),
    Wrong("ex6_5_train", "drops the last, smaller batch of every epoch",
          '''
def train(params, X, y, *, epochs, lr, batch_size, rng, X_val=None, y_val=None,
          progress=False, optimizer=None):
    X = np.asarray(X, dtype=params[0][0].dtype)
    history, state = {"loss": []}, None
    if X_val is not None and y_val is not None:
        history["val_accuracy"] = []
    for _ in epoch_range(epochs, progress):
        losses = []
        for X_batch, y_batch in iterate_minibatches(X, y, batch_size, rng):
            if len(y_batch) < batch_size:
                continue
            loss, grads = ch5.loss_and_grads(params, X_batch, y_batch)
            if optimizer is None:
                params = sgd_step(params, grads, lr)
            else:
                params, state = optimizer(params, grads, state)
            losses.append(float(loss))
        history["loss"].append(float(np.mean(losses)))
        if "val_accuracy" in history:
            history["val_accuracy"].append(accuracy(params, X_val, y_val))
    return params, history
''',
          hint=('The last, smaller batch of each epoch is skipped: every example counts once '
               'per epoch.')),
    Wrong("ex6_5_train", "records the accuracy on the training data as val_accuracy",
          '''
def train(params, X, y, *, epochs, lr, batch_size, rng, X_val=None, y_val=None,
          progress=False, optimizer=None):
    X = np.asarray(X, dtype=params[0][0].dtype)
    history, state = {"loss": []}, None
    if X_val is not None and y_val is not None:
        history["val_accuracy"] = []
    for _ in epoch_range(epochs, progress):
        losses = []
        for X_batch, y_batch in iterate_minibatches(X, y, batch_size, rng):
            loss, grads = ch5.loss_and_grads(params, X_batch, y_batch)
            if optimizer is None:
                params = sgd_step(params, grads, lr)
            else:
                params, state = optimizer(params, grads, state)
            losses.append(float(loss))
        history["loss"].append(float(np.mean(losses)))
        if "val_accuracy" in history:
            history["val_accuracy"].append(accuracy(params, X, y))
    return params, history
''',
          hint='Your val_accuracy is measured on the training data: use X_val and y_val.'),
    Wrong("ex6_5_train", "records the last batch's loss instead of the epoch's mean",
          '''
def train(params, X, y, *, epochs, lr, batch_size, rng, X_val=None, y_val=None,
          progress=False, optimizer=None):
    X = np.asarray(X, dtype=params[0][0].dtype)
    history, state = {"loss": []}, None
    if X_val is not None and y_val is not None:
        history["val_accuracy"] = []
    for _ in epoch_range(epochs, progress):
        for X_batch, y_batch in iterate_minibatches(X, y, batch_size, rng):
            loss, grads = ch5.loss_and_grads(params, X_batch, y_batch)
            if optimizer is None:
                params = sgd_step(params, grads, lr)
            else:
                params, state = optimizer(params, grads, state)
        history["loss"].append(float(loss))
        if "val_accuracy" in history:
            history["val_accuracy"].append(accuracy(params, X_val, y_val))
    return params, history
''',
          hint=("Your history records the last batch's loss: it should record the mean over "
               "the epoch's batches.")),
    Wrong("ex6_5_train", "never casts X, so float64 data turn float32 parameters float64",
          '''
def train(params, X, y, *, epochs, lr, batch_size, rng, X_val=None, y_val=None,
          progress=False, optimizer=None):
    history, state = {"loss": []}, None
    if X_val is not None and y_val is not None:
        history["val_accuracy"] = []
    for _ in epoch_range(epochs, progress):
        losses = []
        for X_batch, y_batch in iterate_minibatches(X, y, batch_size, rng):
            loss, grads = ch5.loss_and_grads(params, X_batch, y_batch)
            if optimizer is None:
                params = sgd_step(params, grads, lr)
            else:
                params, state = optimizer(params, grads, state)
            losses.append(float(loss))
        history["loss"].append(float(np.mean(losses)))
        if "val_accuracy" in history:
            history["val_accuracy"].append(accuracy(params, X_val, y_val))
    return params, history
''',
          hint=('Float32 parameters come back as float64 after training on float64 data: '
               "convert the data to the parameters' dtype.")),
    Wrong("ex6_5_train", "starts the optimizer's state afresh in every epoch",
          '''
def train(params, X, y, *, epochs, lr, batch_size, rng, X_val=None, y_val=None,
          progress=False, optimizer=None):
    X = np.asarray(X, dtype=params[0][0].dtype)
    history = {"loss": []}
    if X_val is not None and y_val is not None:
        history["val_accuracy"] = []
    for _ in epoch_range(epochs, progress):
        state, losses = None, []
        for X_batch, y_batch in iterate_minibatches(X, y, batch_size, rng):
            loss, grads = ch5.loss_and_grads(params, X_batch, y_batch)
            if optimizer is None:
                params = sgd_step(params, grads, lr)
            else:
                params, state = optimizer(params, grads, state)
            losses.append(float(loss))
        history["loss"].append(float(np.mean(losses)))
        if "val_accuracy" in history:
            history["val_accuracy"].append(accuracy(params, X_val, y_val))
    return params, history
''',
          hint=("The optimizer's state is reset at each epoch: it carries over for the whole "
               'training run.')),
    Wrong("ex6_5_train", "makes the SGD step as well as the optimizer's (two updates a batch)",
          '''
def train(params, X, y, *, epochs, lr, batch_size, rng, X_val=None, y_val=None,
          progress=False, optimizer=None):
    X = np.asarray(X, dtype=params[0][0].dtype)
    history, state = {"loss": []}, None
    if X_val is not None and y_val is not None:
        history["val_accuracy"] = []
    for _ in epoch_range(epochs, progress):
        losses = []
        for X_batch, y_batch in iterate_minibatches(X, y, batch_size, rng):
            loss, grads = ch5.loss_and_grads(params, X_batch, y_batch)
            if optimizer is not None:
                params, state = optimizer(params, grads, state)
            params = sgd_step(params, grads, lr)
            losses.append(float(loss))
        history["loss"].append(float(np.mean(losses)))
        if "val_accuracy" in history:
            history["val_accuracy"].append(accuracy(params, X_val, y_val))
    return params, history
''',
          hint=('With an optimizer, each batch gets two updates: use the optimizer instead of '
               'the plain SGD step, not as well as it.')),
    # Exercise 6.4: accuracy
    Wrong("ex6_4_accuracy", "takes the argmax over the wrong axis (over examples)",
          '''
def accuracy(params, X, y):
    logits = ch2.mlp_forward(X, params)[0]
    return float(np.mean(np.argmax(logits, axis=0) == y))
''',
          hint=('Your argmax runs over the examples: take it over the classes of each '
               'example.')),
    Wrong("ex6_4_accuracy", "returns a NumPy float64 instead of a Python float",
          '''
def accuracy(params, X, y):
    logits = ch2.mlp_forward(X, params)[0]
    return np.mean(np.argmax(logits, axis=1) == y)
''',
          hint=('The result comes back as a NumPy float: the docstring promises a Python '
               'float.')),
    Wrong("ex6_4_accuracy", "counts the correct examples instead of taking the fraction",
          '''
def accuracy(params, X, y):
    logits = ch2.mlp_forward(X, params)[0]
    return float(np.sum(np.argmax(logits, axis=1) == y))
''',
          hint='You return the number of correct examples: accuracy is their fraction.'),
    Wrong("ex6_4_accuracy", "applies ReLU to the output logits before the argmax",
          '''
def accuracy(params, X, y):
    logits = np.maximum(ch2.mlp_forward(X, params)[0], 0.0)
    return float(np.mean(np.argmax(logits, axis=1) == y))
''',
          hint=('Your prediction goes through a ReLU on the logits, which ties negative '
               'logits at 0: take the argmax of the logits themselves.')),
    # Exercise 6.6: momentum_step
    Wrong("ex6_6_momentum_step", "steps with the old velocity, updating it after the step",
          """
def momentum_step(params, grads, state, lr, *, beta=0.9):
    lr, beta = float(lr), float(beta)
    if state is None:
        state = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    new_params = [(W - lr * vW, b - lr * vb) for (W, b), (vW, vb) in zip(params, state)]
    velocities = [(beta * vW + dW, beta * vb + db) for (vW, vb), (dW, db) in zip(state, grads)]
    return new_params, velocities
""",
          hint=('Your step uses the velocity from before this gradient: update the velocity '
               'first, then step with it.')),
    Wrong("ex6_6_momentum_step", "averages instead of summing: v = beta v + (1 - beta) g",
          """
def momentum_step(params, grads, state, lr, *, beta=0.9):
    lr, beta = float(lr), float(beta)
    if state is None:
        state = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    velocities = [(beta * vW + (1 - beta) * dW, beta * vb + (1 - beta) * db)
                  for (vW, vb), (dW, db) in zip(state, grads)]
    return [(W - lr * vW, b - lr * vb) for (W, b), (vW, vb) in zip(params, velocities)], velocities
""",
          hint=("Your velocity is an average that scales the gradient down: in this course's "
               'momentum the gradient is added with weight 1.')),
    Wrong("ex6_6_momentum_step", "keys the velocities by shape, so equal-shaped layers share one",
          """
def momentum_step(params, grads, state, lr, *, beta=0.9):
    lr, beta = float(lr), float(beta)
    state = dict(state or {})
    new_params = []
    for (W, b), (dW, db) in zip(params, grads):
        pair = []
        for p, g in ((W, dW), (b, db)):
            key = "x".join(map(str, p.shape))
            state[key] = beta * state.get(key, np.zeros_like(p)) + g
            pair.append(p - lr * state[key])
        new_params.append(tuple(pair))
    return new_params, state
""",
          hint=('Layers of the same shape share one velocity: keep one velocity per parameter '
               'array.')),
    Wrong("ex6_6_momentum_step", "keeps the velocities in a global variable, ignoring the state",
          """
_velocities = {}


def momentum_step(params, grads, state, lr, *, beta=0.9):
    lr, beta = float(lr), float(beta)
    if state is None:
        _velocities.clear()
    new_params = []
    for layer, ((W, b), (dW, db)) in enumerate(zip(params, grads)):
        vW = beta * _velocities.get((layer, 0), np.zeros_like(W)) + dW
        vb = beta * _velocities.get((layer, 1), np.zeros_like(b)) + db
        _velocities[(layer, 0)], _velocities[(layer, 1)] = vW, vb
        new_params.append((W - lr * vW, b - lr * vb))
    return new_params, "in _velocities"
""",
          hint=('The velocities are not taken from and returned in state: keep them in the '
               'state you return.')),
    Wrong("ex6_6_momentum_step", "starts float64 velocities, so float32 parameters turn float64",
          """
def momentum_step(params, grads, state, lr, *, beta=0.9):
    lr, beta = float(lr), float(beta)
    if state is None:
        state = [(np.zeros(W.shape), np.zeros(b.shape)) for W, b in params]
    velocities = [(beta * vW + dW, beta * vb + db) for (vW, vb), (dW, db) in zip(state, grads)]
    return [(W - lr * vW, b - lr * vb) for (W, b), (vW, vb) in zip(params, velocities)], velocities
""",
          hint=('Float32 parameters come back as float64: the velocities you create are '
               "float64; give them the parameters' dtype.")),
    Wrong("ex6_6_momentum_step", "updates the velocities and parameters in place",
          """
def momentum_step(params, grads, state, lr, *, beta=0.9):
    lr, beta = float(lr), float(beta)
    if state is None:
        state = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    for (W, b), (dW, db), (vW, vb) in zip(params, grads, state):
        vW *= beta
        vW += dW
        vb *= beta
        vb += db
        W -= lr * vW
        b -= lr * vb
    return params, state
""",
          hint=('Your step changes the arrays it was given: return new parameter and velocity '
               'arrays.')),
    # Exercise 6.7: nesterov_step
    Wrong("ex6_7_nesterov_step", "looks ahead with the old velocity instead of the new one",
          """
def nesterov_step(params, grads, state, lr, *, beta=0.9):
    lr, beta = float(lr), float(beta)
    if state is None:
        state = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    new_params = [(W - lr * (dW + beta * vW), b - lr * (db + beta * vb))
                  for (W, b), (dW, db), (vW, vb) in zip(params, grads, state)]
    velocities = [(beta * vW + dW, beta * vb + db) for (vW, vb), (dW, db) in zip(state, grads)]
    return new_params, velocities
""",
          hint=('Your look-ahead uses the velocity from before this gradient: check the order '
               'of the Nesterov update in the notes.')),
    Wrong("ex6_7_nesterov_step", "plain heavy-ball momentum: no look-ahead at all",
          """
def nesterov_step(params, grads, state, lr, *, beta=0.9):
    lr, beta = float(lr), float(beta)
    if state is None:
        state = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    velocities = [(beta * vW + dW, beta * vb + db) for (vW, vb), (dW, db) in zip(state, grads)]
    return [(W - lr * vW, b - lr * vb) for (W, b), (vW, vb) in zip(params, velocities)], velocities
""",
          hint=("This is plain momentum: Nesterov's step looks ahead along the new velocity; "
               'see the notes.')),
    Wrong("ex6_7_nesterov_step", "stores the look-ahead step as the velocity",
          """
def nesterov_step(params, grads, state, lr, *, beta=0.9):
    lr, beta = float(lr), float(beta)
    if state is None:
        state = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    steps = [(dW + beta * (beta * vW + dW), db + beta * (beta * vb + db))
             for (vW, vb), (dW, db) in zip(state, grads)]
    return [(W - lr * sW, b - lr * sb) for (W, b), (sW, sb) in zip(params, steps)], steps
""",
          hint=('The state holds the look-ahead step instead of the velocity: return the '
               'velocity itself.')),
    Wrong("ex6_7_nesterov_step", "the look-ahead uses beta squared on the gradient",
          """
def nesterov_step(params, grads, state, lr, *, beta=0.9):
    lr, beta = float(lr), float(beta)
    if state is None:
        state = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    velocities = [(beta * vW + dW, beta * vb + db) for (vW, vb), (dW, db) in zip(state, grads)]
    return [(W - lr * (beta * dW + beta * vW), b - lr * (beta * db + beta * vb))
            for (W, b), (dW, db), (vW, vb) in zip(params, grads, velocities)], velocities
""",
          hint=("The gradient's weight in the look-ahead is wrong: compare your step with the "
               'Nesterov formula in the notes.')),
    # Exercise 6.8: adam_step
    Wrong("ex6_8_adam_step", "no bias correction: the first steps are about 3 times too long",
          """
def adam_step(params, grads, state, lr, *, beta1=0.9, beta2=0.999, eps=1e-8):
    lr, beta1, beta2, eps = float(lr), float(beta1), float(beta2), float(eps)
    if state is None:
        zeros = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
        state = {"m": zeros, "v": zeros}
    m = [tuple(beta1 * a + (1 - beta1) * g for a, g in zip(mp, gp))
         for mp, gp in zip(state["m"], grads)]
    v = [tuple(beta2 * a + (1 - beta2) * g * g for a, g in zip(vp, gp))
         for vp, gp in zip(state["v"], grads)]
    new = [tuple(p - lr * a / (np.sqrt(s) + eps) for p, a, s in zip(pp, mp, vp))
           for pp, mp, vp in zip(params, m, v)]
    return new, {"m": m, "v": v}
""",
          hint=('Your first steps have the wrong size: Adam divides the moments by their bias '
               'corrections.')),
    Wrong("ex6_8_adam_step", "counts t from 0 in the correction, so the first step divides by 0",
          """
def adam_step(params, grads, state, lr, *, beta1=0.9, beta2=0.999, eps=1e-8):
    lr, beta1, beta2, eps = float(lr), float(beta1), float(beta2), float(eps)
    if state is None:
        zeros = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
        state = {"t": 0, "m": zeros, "v": zeros}
    t = state["t"]
    m = [tuple(beta1 * a + (1 - beta1) * g for a, g in zip(mp, gp))
         for mp, gp in zip(state["m"], grads)]
    v = [tuple(beta2 * a + (1 - beta2) * g * g for a, g in zip(vp, gp))
         for vp, gp in zip(state["v"], grads)]
    c1, c2 = max(1 - beta1**t, 1e-12), max(1 - beta2**t, 1e-12)
    new = [tuple(p - lr * (a / c1) / (np.sqrt(s / c2) + eps) for p, a, s in zip(pp, mp, vp))
           for pp, mp, vp in zip(params, m, v)]
    return new, {"t": t + 1, "m": m, "v": v}
""",
          hint=('The first step divides by 0: the step count in the bias correction starts at '
               '1.')),
    Wrong("ex6_8_adam_step", "puts eps inside the square root",
          """
def adam_step(params, grads, state, lr, *, beta1=0.9, beta2=0.999, eps=1e-8):
    lr, beta1, beta2, eps = float(lr), float(beta1), float(beta2), float(eps)
    if state is None:
        zeros = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
        state = {"t": 0, "m": zeros, "v": zeros}
    t = state["t"] + 1
    m = [tuple(beta1 * a + (1 - beta1) * g for a, g in zip(mp, gp))
         for mp, gp in zip(state["m"], grads)]
    v = [tuple(beta2 * a + (1 - beta2) * g * g for a, g in zip(vp, gp))
         for vp, gp in zip(state["v"], grads)]
    c1, c2 = 1 - beta1**t, 1 - beta2**t
    new = [tuple(p - lr * (a / c1) / np.sqrt(s / c2 + eps) for p, a, s in zip(pp, mp, vp))
           for pp, mp, vp in zip(params, m, v)]
    return new, {"t": t, "m": m, "v": v}
""",
          hint=('For small gradients your steps are off: eps is added after the square root, '
               'not inside it.')),
    Wrong("ex6_8_adam_step", "averages |g| instead of g squared for the second moment",
          """
def adam_step(params, grads, state, lr, *, beta1=0.9, beta2=0.999, eps=1e-8):
    lr, beta1, beta2, eps = float(lr), float(beta1), float(beta2), float(eps)
    if state is None:
        zeros = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
        state = {"t": 0, "m": zeros, "v": zeros}
    t = state["t"] + 1
    m = [tuple(beta1 * a + (1 - beta1) * g for a, g in zip(mp, gp))
         for mp, gp in zip(state["m"], grads)]
    v = [tuple(beta2 * a + (1 - beta2) * np.abs(g) for a, g in zip(vp, gp))
         for vp, gp in zip(state["v"], grads)]
    c1, c2 = 1 - beta1**t, 1 - beta2**t
    new = [tuple(p - lr * (a / c1) / (np.abs(s / c2) + eps) for p, a, s in zip(pp, mp, vp))
           for pp, mp, vp in zip(params, m, v)]
    return new, {"t": t, "m": m, "v": v}
""",
          hint='The second moment averages the wrong quantity: it is the squared gradient.'),
    Wrong("ex6_8_adam_step", "one step count and one pair of averages shared by all arrays",
          """
def adam_step(params, grads, state, lr, *, beta1=0.9, beta2=0.999, eps=1e-8):
    lr, beta1, beta2, eps = float(lr), float(beta1), float(beta2), float(eps)
    t, m, v = state if state is not None else (0, 0.0, 0.0)
    t += 1
    flat = np.concatenate([g.ravel() for pair in grads for g in pair])
    m = beta1 * m + (1 - beta1) * float(flat.mean())
    v = beta2 * v + (1 - beta2) * float((flat**2).mean())
    step = lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return [(W - step, b - step) for W, b in params], (t, m, v)
""",
          hint=('All parameter arrays share one pair of moment estimates: keep separate ones '
               'per array.')),
    # Exercise 6.9: lr_schedule
    Wrong("ex6_9_lr_schedule", "warms up from 0: step / warmup_steps, so the first step is wasted",
          """
def lr_schedule(step, *, base_lr, warmup_steps, total_steps):
    if not 0 <= warmup_steps < total_steps or not 0 <= step < total_steps:
        raise ValueError("step or warm-up out of range")
    if step < warmup_steps:
        return float(base_lr) * step / warmup_steps
    fraction = (step - warmup_steps) / (total_steps - warmup_steps)
    return float(base_lr) * (1.0 + float(np.cos(np.pi * fraction))) / 2.0
""",
          hint=("The first step's rate is 0: the warm-up reaches a fraction of base_lr "
               'already at step 0.')),
    Wrong("ex6_9_lr_schedule", "off by one at the boundary: the decay starts one step late",
          """
def lr_schedule(step, *, base_lr, warmup_steps, total_steps):
    if not 0 <= warmup_steps < total_steps or not 0 <= step < total_steps:
        raise ValueError("step or warm-up out of range")
    if step <= warmup_steps and warmup_steps > 0:
        return float(base_lr) * min(step + 1, warmup_steps) / warmup_steps
    fraction = (step - warmup_steps - 1) / (total_steps - warmup_steps)
    return float(base_lr) * (1.0 + float(np.cos(np.pi * max(fraction, 0.0)))) / 2.0
""",
          hint=('The decay starts one step late: check the boundary between warm-up and '
               'decay.')),
    Wrong("ex6_9_lr_schedule", "the cosine runs over all steps instead of the steps after warm-up",
          """
def lr_schedule(step, *, base_lr, warmup_steps, total_steps):
    if not 0 <= warmup_steps < total_steps or not 0 <= step < total_steps:
        raise ValueError("step or warm-up out of range")
    if step < warmup_steps:
        return float(base_lr) * (step + 1) / warmup_steps
    return float(base_lr) * (1.0 + float(np.cos(np.pi * step / total_steps))) / 2.0
""",
          hint=('The cosine decay spans the wrong number of steps: it runs over the steps '
               'after the warm-up only.')),
    Wrong("ex6_9_lr_schedule", "returns a NumPy float64 instead of a Python float",
          """
def lr_schedule(step, *, base_lr, warmup_steps, total_steps):
    if not 0 <= warmup_steps < total_steps or not 0 <= step < total_steps:
        raise ValueError("step or warm-up out of range")
    if step < warmup_steps:
        return np.float64(base_lr) * (step + 1) / warmup_steps
    fraction = (step - warmup_steps) / (total_steps - warmup_steps)
    return base_lr * (1.0 + np.cos(np.pi * fraction)) / 2.0
""",
          hint=('The result comes back as a NumPy float: the docstring promises a Python '
               'float.')),
    Wrong("ex6_9_lr_schedule", "accepts any step, so past the end the rate rises again",
          """
def lr_schedule(step, *, base_lr, warmup_steps, total_steps):
    if step < warmup_steps:
        return float(base_lr) * (step + 1) / warmup_steps
    fraction = (step - warmup_steps) / (total_steps - warmup_steps)
    return float(base_lr) * (1.0 + float(np.cos(np.pi * fraction))) / 2.0
""",
          hint=('A step outside 0 .. total_steps - 1 is accepted (and the rate rises again): '
               'raise ValueError.')),
    # Issue 20: a learning rate that changes between calls, the state's dtype, the
    # history's types and progress=True.
    Wrong('ex6_5_train', 'records np.mean of the batch losses, a NumPy float, not a Python float',
          '''
def train(params, X, y, *, epochs, lr, batch_size, rng, X_val=None, y_val=None,
          progress=False, optimizer=None):
    X = np.asarray(X, dtype=params[0][0].dtype)
    history, state = {"loss": []}, None
    if X_val is not None and y_val is not None:
        history["val_accuracy"] = []
    for _ in epoch_range(epochs, progress):
        losses = []
        for X_batch, y_batch in iterate_minibatches(X, y, batch_size, rng):
            loss, grads = ch5.loss_and_grads(params, X_batch, y_batch)
            if optimizer is None:
                params = sgd_step(params, grads, lr)
            else:
                params, state = optimizer(params, grads, state)
            losses.append(float(loss))
        history["loss"].append(np.mean(losses))
        if "val_accuracy" in history:
            history["val_accuracy"].append(accuracy(params, X_val, y_val))
    return params, history
''',
          hint=('The losses in your history are NumPy floats: the docstring promises Python '
               'floats.')),
    Wrong('ex6_6_momentum_step',
          'folds lr into the velocity (v = beta v + lr g): wrong once lr changes',
          '''
def momentum_step(params, grads, state, lr, *, beta=0.9):
    if state is None:
        state = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    velocities = [(beta * vW + lr * dW, beta * vb + lr * db)
                  for (vW, vb), (dW, db) in zip(state, grads)]
    return [(W - vW, b - vb) for (W, b), (vW, vb) in zip(params, velocities)], velocities
''',
          hint=('The learning rate is folded into the velocity, which breaks when lr changes '
               'between steps: keep lr out of the state.')),
    Wrong('ex6_6_momentum_step',
          'keeps float64 velocities for float32 parameters (casts only the parameters back)',
          '''
def momentum_step(params, grads, state, lr, *, beta=0.9):
    if state is None:
        state = [(np.zeros(W.shape), np.zeros(b.shape)) for W, b in params]
    velocities = [(beta * vW + dW, beta * vb + db) for (vW, vb), (dW, db) in zip(state, grads)]
    return [((W - lr * vW).astype(W.dtype), (b - lr * vb).astype(b.dtype))
            for (W, b), (vW, vb) in zip(params, velocities)], velocities
''',
          hint=('The velocities in your state are float64 for float32 parameters: keep the '
               "state in the parameters' dtype.")),
    Wrong('ex6_7_nesterov_step',
          'folds lr into the velocity (v = beta v + lr g): wrong once lr changes',
          '''
def nesterov_step(params, grads, state, lr, *, beta=0.9):
    if state is None:
        state = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    velocities = [(beta * vW + lr * dW, beta * vb + lr * db)
                  for (vW, vb), (dW, db) in zip(state, grads)]
    return [(W - lr * dW - beta * vW, b - lr * db - beta * vb)
            for (W, b), (dW, db), (vW, vb) in zip(params, grads, velocities)], velocities
''',
          hint=('The learning rate is folded into the velocity, which breaks when lr changes '
               'between steps: keep lr out of the state.')),
    Wrong('ex6_7_nesterov_step',
          'keeps float64 velocities for float32 parameters (casts only the parameters back)',
          '''
def nesterov_step(params, grads, state, lr, *, beta=0.9):
    if state is None:
        state = [(np.zeros(W.shape), np.zeros(b.shape)) for W, b in params]
    velocities = [(beta * vW + dW, beta * vb + db) for (vW, vb), (dW, db) in zip(state, grads)]
    return [((W - lr * (dW + beta * vW)).astype(W.dtype),
             (b - lr * (db + beta * vb)).astype(b.dtype))
            for (W, b), (dW, db), (vW, vb) in zip(params, grads, velocities)], velocities
''',
          hint=('The velocities in your state are float64 for float32 parameters: keep the '
               "state in the parameters' dtype.")),
    Wrong('ex6_8_adam_step',
          'folds lr into the first moment (m = b1 m + (1 - b1) lr g): wrong once lr changes',
          '''
def adam_step(params, grads, state, lr, *, beta1=0.9, beta2=0.999, eps=1e-8):
    if state is None:
        zeros = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
        state = {"t": 0, "m": zeros, "v": zeros}
    t = state["t"] + 1
    first = [tuple(beta1 * m + (1 - beta1) * lr * g for m, g in zip(m_pair, g_pair))
             for m_pair, g_pair in zip(state["m"], grads)]
    second = [tuple(beta2 * v + (1 - beta2) * g * g for v, g in zip(v_pair, g_pair))
              for v_pair, g_pair in zip(state["v"], grads)]
    new_params = [tuple(p - (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
                        for p, m, v in zip(p_pair, m_pair, v_pair))
                  for p_pair, m_pair, v_pair in zip(params, first, second)]
    return new_params, {"t": t, "m": first, "v": second}
''',
          hint=('The learning rate is folded into the first moment, which breaks when lr '
               'changes between steps: keep lr out of the state.')),
    Wrong('ex6_8_adam_step',
          'keeps float64 moments for float32 parameters (casts only the parameters back)',
          '''
def adam_step(params, grads, state, lr, *, beta1=0.9, beta2=0.999, eps=1e-8):
    if state is None:
        zeros = [(np.zeros(W.shape), np.zeros(b.shape)) for W, b in params]
        state = {"t": 0, "m": zeros, "v": zeros}
    t = state["t"] + 1
    first = [tuple(beta1 * m + (1 - beta1) * g for m, g in zip(m_pair, g_pair))
             for m_pair, g_pair in zip(state["m"], grads)]
    second = [tuple(beta2 * v + (1 - beta2) * g * g for v, g in zip(v_pair, g_pair))
              for v_pair, g_pair in zip(state["v"], grads)]
    new_params = [tuple((p - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps))
                        .astype(p.dtype) for p, m, v in zip(p_pair, m_pair, v_pair))
                  for p_pair, m_pair, v_pair in zip(params, first, second)]
    return new_params, {"t": t, "m": first, "v": second}
''',
          hint=('The moments in your state are float64 for float32 parameters: keep the state '
               "in the parameters' dtype.")),
    Wrong('ex6_2_iterate_minibatches',
          'flattens X to two axes: image batches (b, 28, 28) come out as (b, 784)',
          '''
def iterate_minibatches(X, y, batch_size, rng):
    if batch_size < 1 or len(X) != len(y):
        raise ValueError("batch_size must be at least 1 and X, y of equal length")
    flat = X.reshape(len(X), -1)
    perm = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        idx = perm[start:start + batch_size]
        yield flat[idx], y[idx]
''',
          hint=("Your batches lose X's shape (images come out flattened): keep every axis "
               'after the first.')),
    # train(..., loss_and_grads=None): the mistakes of the argument chapter 9 needs.
    Wrong("ex6_5_train", "accepts loss_and_grads but always calls ch5.loss_and_grads",
          '''
def train(params, X, y, *, epochs, lr, batch_size, rng, X_val=None, y_val=None,
          progress=False, optimizer=None, loss_and_grads=None):
    X = np.asarray(X, dtype=params[0][0].dtype)
    history, state = {"loss": []}, None
    if X_val is not None and y_val is not None:
        history["val_accuracy"] = []
    for _ in epoch_range(epochs, progress):
        losses = []
        for X_batch, y_batch in iterate_minibatches(X, y, batch_size, rng):
            loss, grads = ch5.loss_and_grads(params, X_batch, y_batch)
            if optimizer is None:
                params = sgd_step(params, grads, lr)
            else:
                params, state = optimizer(params, grads, state)
            losses.append(float(loss))
        history["loss"].append(float(np.mean(losses)))
        if "val_accuracy" in history:
            history["val_accuracy"].append(accuracy(params, X_val, y_val))
    return params, history
''',
          hint=('The loss_and_grads argument is ignored: when it is given, use it for the '
               'loss and the gradients.')),
    Wrong("ex6_5_train", "uses the given loss_and_grads for the loss but ch5's gradients",
          '''
def train(params, X, y, *, epochs, lr, batch_size, rng, X_val=None, y_val=None,
          progress=False, optimizer=None, loss_and_grads=None):
    X = np.asarray(X, dtype=params[0][0].dtype)
    history, state = {"loss": []}, None
    if X_val is not None and y_val is not None:
        history["val_accuracy"] = []
    for _ in epoch_range(epochs, progress):
        losses = []
        for X_batch, y_batch in iterate_minibatches(X, y, batch_size, rng):
            loss, grads = ch5.loss_and_grads(params, X_batch, y_batch)
            if loss_and_grads is not None:
                loss = loss_and_grads(params, X_batch, y_batch)[0]
            if optimizer is None:
                params = sgd_step(params, grads, lr)
            else:
                params, state = optimizer(params, grads, state)
            losses.append(float(loss))
        history["loss"].append(float(np.mean(losses)))
        if "val_accuracy" in history:
            history["val_accuracy"].append(accuracy(params, X_val, y_val))
    return params, history
''',
          hint=('The given loss_and_grads is used for the loss only: take the gradients from '
               'it too.')),
]
