"""Chapter 4's classic mistakes: each must fail its exercise's visible and hidden tests."""

from autograder.mistakes import Wrong

CHAPTER = "04_gradcheck"

WRONG = [
    # Exercise 4.1: numerical_gradient
    Wrong("ex4_1_numerical_gradient", "forward difference (f(x + eps) - f(x)) / eps, error O(eps)",
          '''
def numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros(x.shape, dtype=np.float64)
    f_x = float(f(x))
    for index in np.ndindex(x.shape):
        original = x[index]
        try:
            x[index] = original + eps
            f_plus = float(f(x))
        finally:
            x[index] = original
        grad[index] = (f_plus - f_x) / eps
    return grad
''',
          hint=('You use a one-sided (forward) difference, whose error is much larger: the '
               'exercise asks for the central difference.')),
    Wrong("ex4_1_numerical_gradient",
          "perturbs a float64 copy of a float32 x, so an f that reads x itself sees no change",
          '''
def numerical_gradient(f, x, eps=1e-6):
    work = x.astype(np.float64) if x.dtype != np.float64 else x
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = work[index]
        try:
            work[index] = original + eps
            f_plus = float(f(work))
            work[index] = original - eps
            f_minus = float(f(work))
        finally:
            work[index] = original
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad
''',
          hint=('You perturb a copy of x rather than x itself: the docstring says x is '
               'perturbed in place (and restored).')),
    Wrong("ex4_1_numerical_gradient",
          "restores x by adding and subtracting eps, which is not exact to the last bit",
          '''
def numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        x[index] += eps
        f_plus = float(f(x))
        x[index] -= 2 * eps
        f_minus = float(f(x))
        x[index] += eps
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad
''',
          hint=('x is not restored bit for bit: adding and subtracting eps rounds; save the '
               'original entry and put it back.')),
    Wrong("ex4_1_numerical_gradient", "no try/finally: x stays perturbed when f raises",
          '''
def numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        f_plus = float(f(x))
        x[index] = original - eps
        f_minus = float(f(x))
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad
''',
          hint='When f raises, x is left perturbed: restore the entry even when f fails.'),
    Wrong("ex4_1_numerical_gradient",
          "perturbs copies of x, so an f that reads x itself sees nothing",
          '''
def numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += eps
        minus[index] -= eps
        grad[index] = (float(f(plus)) - float(f(minus))) / (2 * eps)
    return grad
''',
          hint=('You perturb copies of x rather than x itself: the docstring says x is '
               'perturbed in place (and restored).')),
    Wrong("ex4_1_numerical_gradient", "returns the gradient in x's dtype (float32 stays float32)",
          '''
def numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        try:
            x[index] = original + eps
            f_plus = float(f(x))
            x[index] = original - eps
            f_minus = float(f(x))
        finally:
            x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad
''',
          hint='For a float32 x your gradient is float32: the docstring asks for float64.'),
    Wrong("ex4_1_numerical_gradient", "divides the central difference by eps instead of 2 eps",
          '''
def numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        try:
            x[index] = original + eps
            f_plus = float(f(x))
            x[index] = original - eps
            f_minus = float(f(x))
        finally:
            x[index] = original
        grad[index] = (f_plus - f_minus) / eps
    return grad
''',
          hint=('Your gradient is twice too large: the two points of the central difference '
               'are 2 eps apart.')),
    # Exercise 4.2: relative_error
    Wrong("ex4_2_relative_error",
          "compares entry by entry, so a correct gradient with tiny entries scores 1",
          '''
def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} and {b.shape}")
    scale = np.maximum(np.abs(a) + np.abs(b), 1e-12)
    return float(np.max(np.abs(a - b) / scale, initial=0.0))
''',
          hint=('You compare entry by entry, so tiny entries dominate: the relative error '
               'uses norms of whole arrays.')),
    Wrong("ex4_2_relative_error", "divides by the norm of b only, so it is not symmetric",
          '''
def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} and {b.shape}")
    return float(np.linalg.norm((a - b).ravel())
                 / max(np.linalg.norm(b.ravel()), np.finfo(np.float64).tiny))
''',
          hint=('Swapping a and b changes your result: the denominator must treat both arrays '
               'the same way.')),
    Wrong("ex4_2_relative_error",
          "compares the norms instead of taking the norm of the difference (misses reordering)",
          '''
def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} and {b.shape}")
    norm_a, norm_b = np.linalg.norm(a.ravel()), np.linalg.norm(b.ravel())
    return float(abs(norm_a - norm_b) / max(norm_a + norm_b, np.finfo(np.float64).tiny))
''',
          hint=("You compare the arrays' norms, which misses reordered entries: take the norm "
               'of the difference.')),
    Wrong("ex4_2_relative_error",
          "guards 0/0 with 1e-12, which breaks scale-freeness for tiny arrays",
          '''
def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} and {b.shape}")
    size = np.linalg.norm(a.ravel()) + np.linalg.norm(b.ravel())
    return float(np.linalg.norm((a - b).ravel()) / max(size, 1e-12))
''',
          hint=('For very small arrays your result depends on their scale: the 0 / 0 case '
               'needs its own rule, not a constant floor on the denominator.')),
    Wrong("ex4_2_relative_error", "no guard: two zero arrays give nan and a warning",
          '''
def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} and {b.shape}")
    size = np.linalg.norm(a.ravel()) + np.linalg.norm(b.ravel())
    return float(np.linalg.norm((a - b).ravel()) / size)
''',
          hint='Two zero arrays give 0 / 0 = nan: handle that case as the docstring says.'),
    Wrong("ex4_2_relative_error", "no shape check: a (3,) and a (3, 1) array are broadcast",
          '''
def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    size = np.linalg.norm(a.ravel()) + np.linalg.norm(b.ravel())
    return float(np.linalg.norm((a - b).ravel()) / max(size, np.finfo(np.float64).tiny))
''',
          hint=('Arrays of different shapes are broadcast against each other: raise '
               'ValueError when the shapes differ.')),
    # Exercise 4.3: check_gradient
    Wrong("ex4_3_check_gradient", "no shape check: a flattened or transposed gradient is accepted",
          '''
def check_gradient(f, grad_f, x):
    analytic = np.array(grad_f(x), dtype=np.float64).reshape(x.shape)
    return relative_error(analytic, numerical_gradient(f, x))
''',
          hint=('A gradient of the wrong shape is accepted: raise ValueError unless grad_f(x) '
               "has x's shape.")),
    Wrong("ex4_3_check_gradient",
          "compares entry by entry inline, so a correct gradient with tiny entries fails",
          '''
def check_gradient(f, grad_f, x):
    analytic = np.array(grad_f(x), dtype=np.float64)
    if analytic.shape != x.shape:
        raise ValueError("the gradient must have the shape of x")
    numeric = numerical_gradient(f, x)
    scale = np.maximum(np.abs(analytic) + np.abs(numeric), 1e-12)
    return float(np.max(np.abs(analytic - numeric) / scale))
''',
          hint=("You compare entry by entry, so tiny entries dominate: use the chapter's "
               'norm-based relative_error.')),
    Wrong("ex4_3_check_gradient",
          "differentiates a copy of x, so an f that reads x through a closure sees nothing",
          '''
def check_gradient(f, grad_f, x):
    analytic = np.array(grad_f(x), dtype=np.float64)
    if analytic.shape != x.shape:
        raise ValueError("the gradient must have the shape of x")
    return relative_error(analytic, numerical_gradient(f, x.copy()))
''',
          hint='You differentiate at a copy of x: pass x itself to the numerical gradient.'),
    Wrong("ex4_3_check_gradient", "uses a forward difference inline instead of numerical_gradient",
          '''
def check_gradient(f, grad_f, x):
    analytic = np.array(grad_f(x), dtype=np.float64)
    if analytic.shape != x.shape:
        raise ValueError("the gradient must have the shape of x")
    numeric = np.zeros(x.shape)
    f_x = float(f(x))
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + 1e-6
        numeric[index] = (float(f(x)) - f_x) / 1e-6
        x[index] = original
    return relative_error(analytic, numeric)
''',
          hint=("Your numerical gradient is a forward difference: reuse the chapter's "
               'central-difference numerical_gradient.')),
    Wrong("ex4_3_check_gradient", "returns the absolute difference, which depends on scale",
          '''
def check_gradient(f, grad_f, x):
    analytic = np.array(grad_f(x), dtype=np.float64)
    if analytic.shape != x.shape:
        raise ValueError("the gradient must have the shape of x")
    return float(np.max(np.abs(analytic - numerical_gradient(f, x))))
''',
          hint=('Your result changes when the gradient is scaled: return the relative error, '
               'not the absolute difference.')),
]
