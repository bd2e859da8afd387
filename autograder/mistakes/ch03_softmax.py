"""Chapter 3's classic mistakes: each must fail its exercise's visible and hidden tests."""

from autograder.mistakes import Wrong

CHAPTER = "03_softmax"

WRONG = [
    # Exercise 3.1: softmax
    Wrong("ex3_1_softmax", "no max-subtraction: exp overflows for logits of 1000",
          '''
def softmax(Z):
    exps = np.exp(Z)
    return exps / np.sum(exps, axis=-1, keepdims=True)
''',
          hint=('exp overflows for large logits: shift each row by a constant first (the '
               'softmax does not change).')),
    Wrong("ex3_1_softmax", "normalises over axis 0 (the batch) instead of each row",
          '''
def softmax(Z):
    Z = np.asarray(Z)
    exps = np.exp(Z - np.max(Z, axis=0, keepdims=True))
    return exps / np.sum(exps, axis=0, keepdims=True)
''',
          hint=('Your probabilities sum to 1 down each column (over the batch): each row (one '
               'example) must sum to 1.')),
    Wrong("ex3_1_softmax", "subtracts the maximum of the whole batch, not of each row",
          '''
def softmax(Z):
    Z = np.asarray(Z)
    exps = np.exp(Z - np.max(Z))
    return exps / np.sum(exps, axis=-1, keepdims=True)
''',
          hint=('You shift every row by one number for the whole batch, so a row whose logits '
               'are all much smaller underflows to 0 / 0: shift each row by its own maximum.')),
    Wrong("ex3_1_softmax", "sums without keepdims, so (B, C) / (B,) broadcasts wrongly",
          '''
def softmax(Z):
    Z = np.asarray(Z)
    exps = np.exp(Z - np.max(Z, axis=-1, keepdims=True))
    return exps / np.sum(exps, axis=-1)
''',
          hint=('Your row sums have shape (B,), and dividing a (B, C) array by them '
               'broadcasts along the wrong axis: keep the summed axis.')),
    Wrong("ex3_1_softmax", "computes in float64 and returns float64 for a float32 input",
          '''
def softmax(Z):
    Z = np.asarray(Z, dtype=np.float64)
    exps = np.exp(Z - np.max(Z, axis=-1, keepdims=True))
    return exps / np.sum(exps, axis=-1, keepdims=True)
''',
          hint="A float32 input comes back as float64: keep the input's dtype."),
    # Exercise 3.2: log_softmax
    Wrong("ex3_2_log_softmax", "log(softmax(Z)): -inf once a probability underflows",
          '''
def log_softmax(Z):
    return np.log(softmax(Z))
''',
          hint=('Taking the log of probabilities gives -inf when one underflows to 0: compute '
               'the log-probabilities directly with the log-sum-exp trick.')),
    Wrong("ex3_2_log_softmax", "log-sum-exp without the shift: overflows for large logits",
          '''
def log_softmax(Z):
    Z = np.asarray(Z)
    return Z - np.log(np.sum(np.exp(Z), axis=-1, keepdims=True))
''',
          hint=('exp overflows for large logits: shift by the row maximum inside the '
               'log-sum-exp.')),
    Wrong("ex3_2_log_softmax", "subtracts the maximum inside but forgets it outside the logarithm",
          '''
def log_softmax(Z):
    Z = np.asarray(Z)
    m = np.max(Z, axis=-1, keepdims=True)
    return Z - np.log(np.sum(np.exp(Z - m), axis=-1, keepdims=True))
''',
          hint=("Your result is off by each row's maximum: the shift used inside the "
               'log-sum-exp has to be added back.')),
    Wrong("ex3_2_log_softmax", "reduces over axis 0 (the batch) instead of each row",
          '''
def log_softmax(Z):
    Z = np.asarray(Z)
    shifted = Z - np.max(Z, axis=0, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=0, keepdims=True))
''',
          hint=('You reduce over the batch axis: the log-sum-exp is over the classes of each '
               'example (the last axis).')),
    # Exercise 3.3: one_hot
    Wrong("ex3_3_one_hot", "returns integers instead of float64",
          '''
def one_hot(y, num_classes):
    y = np.asarray(y)
    if np.any((y < 0) | (y >= num_classes)):
        raise ValueError("label out of range")
    Y = np.zeros((y.shape[0], num_classes), dtype=np.int64)
    Y[np.arange(y.shape[0]), y] = 1
    return Y
''',
          hint='Your one-hot matrix holds integers: the docstring asks for float64.'),
    Wrong("ex3_3_one_hot", "uses max(y) + 1 columns instead of num_classes",
          '''
def one_hot(y, num_classes):
    y = np.asarray(y)
    if np.any((y < 0) | (y >= num_classes)):
        raise ValueError("label out of range")
    return np.eye(int(y.max()) + 1)[y]
''',
          hint=('The number of columns comes from the labels present, not from num_classes: a '
               'batch may not contain every class.')),
    Wrong("ex3_3_one_hot", "no range check: a label of -1 silently marks the last class",
          '''
def one_hot(y, num_classes):
    return np.eye(num_classes)[np.asarray(y)]
''',
          hint=('A label outside 0 .. num_classes - 1 (such as -1) is accepted, and negative '
               'indexing marks the last class: raise ValueError instead.')),
    Wrong("ex3_3_one_hot", "returns the transpose, shape (C, B)",
          '''
def one_hot(y, num_classes):
    y = np.asarray(y)
    if np.any((y < 0) | (y >= num_classes)):
        raise ValueError("label out of range")
    return np.eye(num_classes)[y].T
''',
          hint='Your result is transposed: one row per example, one column per class.'),
    # Exercise 3.4: cross_entropy
    Wrong("ex3_4_cross_entropy", "forgets the minus sign (the notes' version): never positive",
          '''
def cross_entropy(P, Y, eps=1e-12):
    P = np.asarray(P)
    Y = np.asarray(Y, dtype=P.dtype)
    return np.sum(Y * np.log(P + eps), axis=-1).mean()
''',
          hint=('Your loss is negative: cross-entropy is minus the mean log-probability of '
               'the labels.')),
    Wrong("ex3_4_cross_entropy", "sums over the batch instead of taking the mean",
          '''
def cross_entropy(P, Y, eps=1e-12):
    P = np.asarray(P)
    Y = np.asarray(Y, dtype=P.dtype)
    return -np.sum(Y * np.log(P + eps))
''',
          hint=('Your loss grows with the batch size: take the mean over the examples, not '
               'the sum.')),
    Wrong("ex3_4_cross_entropy", "averages over all B * C entries instead of over the B examples",
          '''
def cross_entropy(P, Y, eps=1e-12):
    P = np.asarray(P)
    Y = np.asarray(Y, dtype=P.dtype)
    return -np.mean(Y * np.log(P + eps))
''',
          hint=('You divide by the number of entries (examples times classes): the mean is '
               'over the examples only.')),
    Wrong("ex3_4_cross_entropy", "only reads P where Y == 1, which is wrong for soft labels",
          '''
def cross_entropy(P, Y, eps=1e-12):
    P = np.asarray(P)
    Y = np.asarray(Y)
    picked = P[Y == 1]
    return -np.mean(np.log(picked + eps)).astype(P.dtype)
''',
          hint=('With soft labels (rows of Y that are not one-hot) your loss is wrong: weight '
               'every log-probability by its label, do not select entries.')),
    Wrong("ex3_4_cross_entropy", "reads P at the argmax of each label row (wrong for soft labels)",
          '''
def cross_entropy(P, Y, eps=1e-12):
    P = np.asarray(P)
    rows = np.arange(P.shape[0])
    return -np.mean(np.log(P[rows, np.argmax(Y, axis=-1)] + eps))
''',
          hint=('With soft labels your loss is wrong: every class contributes, weighted by '
               'its label, not only the largest one.')),
    Wrong("ex3_4_cross_entropy", "no eps: log(0) gives inf, and 0 * log(0) gives nan",
          '''
def cross_entropy(P, Y, eps=1e-12):
    P = np.asarray(P)
    Y = np.asarray(Y, dtype=P.dtype)
    return -np.sum(Y * np.log(P), axis=-1).mean()
''',
          hint=('A probability of 0 gives log(0): use the eps argument inside the logarithm, '
               'as the docstring says.')),
    Wrong("ex3_4_cross_entropy", "clips P at eps instead of adding eps inside the logarithm",
          '''
def cross_entropy(P, Y, eps=1e-12):
    P = np.asarray(P)
    Y = np.asarray(Y, dtype=P.dtype)
    return -np.sum(Y * np.log(np.maximum(P, eps)), axis=-1).mean()
''',
          hint=("Your use of eps differs from the docstring's: it is added inside the "
               'logarithm, not used as a lower bound.')),
    # Exercise 3.5: softmax_cross_entropy
    Wrong("ex3_5_softmax_cross_entropy", "scores the argmax of the prediction instead of the label",
          '''
def softmax_cross_entropy(Z, y):
    Z = np.atleast_2d(np.asarray(Z))
    log_P = log_softmax(Z)
    return -np.mean(log_P[np.arange(Z.shape[0]), np.argmax(Z, axis=-1)])
''',
          hint='You score the predicted class instead of the true label y.'),
    Wrong("ex3_5_softmax_cross_entropy", "two-step route through probabilities: capped at 27.63",
          '''
def softmax_cross_entropy(Z, y):
    Z = np.atleast_2d(np.asarray(Z))
    y = np.atleast_1d(np.asarray(y))
    Y = one_hot(y, Z.shape[1]).astype(Z.dtype)
    return -np.mean(np.sum(Y * np.log(softmax(Z) + 1e-12), axis=-1))
''',
          hint=('Going through probabilities caps the loss when a probability underflows: '
               'compute the log-probabilities from the logits directly (log-sum-exp).')),
    Wrong("ex3_5_softmax_cross_entropy", "indexes log_P[:, y], a (B, B) block, then averages it",
          '''
def softmax_cross_entropy(Z, y):
    Z = np.atleast_2d(np.asarray(Z))
    y = np.atleast_1d(np.asarray(y))
    return -np.mean(log_softmax(Z)[:, y])
''',
          hint=('Your indexing picks a (B, B) block instead of one entry per example: index '
               'the rows and the labels together.')),
    Wrong("ex3_5_softmax_cross_entropy", "sums over the batch instead of taking the mean",
          '''
def softmax_cross_entropy(Z, y):
    Z = np.atleast_2d(np.asarray(Z))
    y = np.atleast_1d(np.asarray(y))
    return -np.sum(log_softmax(Z)[np.arange(Z.shape[0]), y])
''',
          hint=('Your loss grows with the batch size: take the mean over the examples, not '
               'the sum.')),
    Wrong("ex3_5_softmax_cross_entropy", "forgets the minus sign",
          '''
def softmax_cross_entropy(Z, y):
    Z = np.atleast_2d(np.asarray(Z))
    y = np.atleast_1d(np.asarray(y))
    return np.mean(log_softmax(Z)[np.arange(Z.shape[0]), y])
''',
          hint=('Your loss is negative: cross-entropy is minus the mean log-probability of '
               'the labels.')),
    # Exercise 3.6: softmax_cross_entropy_grad
    Wrong("ex3_6_softmax_cross_entropy_grad", "forgets the 1/B of the batch mean: P - Y",
          '''
def softmax_cross_entropy_grad(Z, y):
    Z = np.asarray(Z)
    Y = one_hot(y, Z.shape[1]).astype(Z.dtype)
    return softmax(Z) - Y
''',
          hint='Your gradient is B times too large: the loss is a mean over the batch.'),
    Wrong("ex3_6_softmax_cross_entropy_grad", "wrong sign: (Y - P) / B",
          '''
def softmax_cross_entropy_grad(Z, y):
    Z = np.asarray(Z)
    Y = one_hot(y, Z.shape[1]).astype(Z.dtype)
    return (Y - softmax(Z)) / Z.shape[0]
''',
          hint='Your gradient has the wrong sign: it points uphill for the loss.'),
    Wrong("ex3_6_softmax_cross_entropy_grad", "divides by the number of classes C instead of B",
          '''
def softmax_cross_entropy_grad(Z, y):
    Z = np.asarray(Z)
    Y = one_hot(y, Z.shape[1]).astype(Z.dtype)
    return (softmax(Z) - Y) / Z.shape[1]
''',
          hint=('You divide by the number of classes: the loss is a mean over the examples of '
               'the batch.')),
    Wrong("ex3_6_softmax_cross_entropy_grad",
          "keeps one_hot's float64, so float32 logits give float64",
          '''
def softmax_cross_entropy_grad(Z, y):
    Z = np.asarray(Z)
    return (softmax(Z) - one_hot(y, Z.shape[1])) / Z.shape[0]
''',
          hint=('Float32 logits give a float64 gradient: the one-hot labels are float64; '
               "convert to the logits' dtype.")),
    Wrong("ex3_6_softmax_cross_entropy_grad", "uses the argmax of the prediction as the label",
          '''
def softmax_cross_entropy_grad(Z, y):
    Z = np.asarray(Z)
    Y = one_hot(np.argmax(Z, axis=-1), Z.shape[1]).astype(Z.dtype)
    return (softmax(Z) - Y) / Z.shape[0]
''',
          hint='Your gradient uses the predicted class instead of the true label y.'),
]
