"""Classic wrong answers to chapter 1's exercises (the activations and the neuron)."""

from autograder.mistakes import Wrong

CHAPTER = "01_neuron"

WRONG = [
    # Exercise 1.1: sigmoid
    Wrong("ex1_1_sigmoid", "the textbook formula 1 / (1 + e^-z): overflows for z = -1000",
          '''
def sigmoid(z):
    z = np.asarray(z)
    return 1.0 / (1.0 + np.exp(-z))
''',
          hint=('The exponential overflows for very negative inputs (a RuntimeWarning): look '
               'at how your formula treats large negative z, and exponentiate only numbers '
               'that cannot be large.')),
    Wrong("ex1_1_sigmoid", "np.where with both branches written out: np.where evaluates both, "
          "so one of them overflows",
          '''
def sigmoid(z):
    z = np.asarray(z)
    return np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))
''',
          hint=('np.where computes both of its branches on every entry before choosing, so '
               'the branch meant for the other sign still overflows: compute the exponential '
               'of something that is never positive.')),
    Wrong("ex1_1_sigmoid", "1 - 1 / (1 + e^z) on the negative side: no overflow, but it cancels "
          "and loses the tail's digits",
          '''
def sigmoid(z):
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), 1.0 - 1.0 / (1.0 + e))
''',
          hint=('On the negative side your result is a difference of two numbers close to 1, '
               'which loses every digit of tiny probabilities: write that branch as a ratio '
               'instead.')),
    Wrong("ex1_1_sigmoid", "float64 constants promote a float32 input to float64",
          '''
def sigmoid(z):
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    one = np.float64(1.0)
    return np.where(z >= 0, one / (one + e), e / (one + e))
''',
          hint=('A float32 input comes back as float64: a float64 constant or array in your '
               "formula promotes the result; keep the input's dtype.")),
    Wrong("ex1_1_sigmoid", "clips z to [-500, 500] in place, modifying the caller's array",
          '''
def sigmoid(z):
    z = np.asarray(z)
    np.clip(z, -500.0, 500.0, out=z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
''',
          hint=('Your function changes the array it was given: writing into the input (an '
               "`out=` argument or an in-place operation) modifies the caller's data.")),
    # Exercise 1.2: sigmoid_grad
    Wrong("ex1_2_sigmoid_grad", "returns sigma(z) instead of sigma(z) (1 - sigma(z))",
          '''
def sigmoid_grad(z):
    return sigmoid(z)
''',
          hint=('You return the sigmoid itself, not its derivative: revisit the derivative '
               'rule for the sigmoid in the notes.')),
    Wrong("ex1_2_sigmoid_grad", "e^-z / (1 + e^-z)^2: overflows for very negative z",
          '''
def sigmoid_grad(z):
    z = np.asarray(z)
    e = np.exp(-z)
    return e / (1.0 + e) ** 2
''',
          hint=('Your derivative overflows for very negative inputs: express it through the '
               '(stable) sigmoid instead of raw exponentials.')),
    Wrong("ex1_2_sigmoid_grad", "z (1 - z): the formula applied to the input instead of sigma(z)",
          '''
def sigmoid_grad(z):
    z = np.asarray(z)
    return z * (1.0 - z)
''',
          hint=("The derivative's rule is applied to the input z itself: the rule is written "
               "in terms of the sigmoid's output, not its input.")),
    Wrong("ex1_2_sigmoid_grad", "1 - sigma(z)^2: the tanh rule used for the sigmoid",
          '''
def sigmoid_grad(z):
    s = sigmoid(z)
    return 1.0 - s * s
''',
          hint=('That is the derivative rule of tanh, not of the sigmoid: compare the two '
               'rules in the notes.')),
    # Exercise 1.3: tanh
    Wrong("ex1_3_tanh", "the definition (e^z - e^-z) / (e^z + e^-z): inf / inf = nan at |z| = 1000",
          '''
def tanh(z):
    z = np.asarray(z)
    return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
''',
          hint=('For large |z| both exponentials overflow and inf / inf gives nan: rewrite '
               'tanh so that only exponentials of non-positive numbers appear.')),
    Wrong("ex1_3_tanh", "sign(z) (1 - e^-2|z|) / (1 + e^-2|z|): stable, but cancels near 0",
          '''
def tanh(z):
    z = np.asarray(z)
    e = np.exp(-2.0 * np.abs(z))
    return np.sign(z) * (1.0 - e) / (1.0 + e)
''',
          hint=('Near 0 your formula subtracts two nearly equal numbers and loses most '
               'digits: look for a NumPy function that computes e^x - 1 accurately for small '
               'x.')),
    Wrong("ex1_3_tanh", "2 sigma(2z) - 1 with the stable sigmoid: cancels near 0 just the same",
          '''
def tanh(z):
    return 2.0 * sigmoid(2.0 * np.asarray(z)) - 1.0
''',
          hint=('Near 0, 2 sigma(2z) - 1 subtracts two numbers close to 1 and loses most '
               'digits of the small result: see the notes on computing e^x - 1 accurately.')),
    Wrong("ex1_3_tanh", "forgets to restore the sign: computes tanh |z|",
          '''
def tanh(z):
    z = np.asarray(z)
    m = np.expm1(-2.0 * np.abs(z))
    return -m / (2.0 + m)
''',
          hint=('Negative inputs give positive outputs: after working with |z|, the sign of z '
               'has to be put back.')),
    Wrong("ex1_3_tanh", "np.sign of a float64 copy promotes float32 inputs",
          '''
def tanh(z):
    z = np.asarray(z)
    m = np.expm1(-2.0 * np.abs(z))
    return np.sign(z.astype(np.float64)) * (-m) / (2.0 + m)
''',
          hint=('A float32 input comes back as float64: some intermediate array in your '
               "function is float64; keep the input's dtype throughout.")),
    # Exercise 1.4: tanh_grad
    Wrong("ex1_4_tanh_grad", "1 - z^2: the derivative written in terms of the input, not of tanh z",
          '''
def tanh_grad(z):
    z = np.asarray(z)
    return 1.0 - z * z
''',
          hint=("The derivative's rule is applied to the input z: the rule is written in "
               "terms of tanh(z), the function's output.")),
    Wrong("ex1_4_tanh_grad", "1 - tanh z: forgets the square",
          '''
def tanh_grad(z):
    return 1.0 - tanh(z)
''',
          hint='Check the derivative formula of tanh again: one factor is missing its power.'),
    Wrong("ex1_4_tanh_grad", "1 / cosh(z)^2: right in mathematics, but cosh overflows at "
          "|z| = 1000",
          '''
def tanh_grad(z):
    z = np.asarray(z)
    return 1.0 / np.cosh(z) ** 2
''',
          hint=('Correct mathematically, but cosh overflows for large |z| (a RuntimeWarning): '
               'express the derivative through tanh itself.')),
    Wrong("ex1_4_tanh_grad", "sigma'(z) = s (1 - s): the sigmoid's derivative instead of tanh's",
          '''
def tanh_grad(z):
    s = sigmoid(z)
    return s * (1.0 - s)
''',
          hint=("That is the sigmoid's derivative rule, not tanh's: compare the two rules in "
               'the notes.')),
    # Exercise 1.5: relu
    Wrong("ex1_5_relu", "np.max(z, 0) reduces the array instead of comparing element by element",
          '''
def relu(z):
    z = np.asarray(z)
    return np.max(z, 0)
''',
          hint=('Your ReLU returns a reduction (a maximum over an axis) instead of an array '
               "of z's shape: you need the element-wise maximum.")),
    Wrong("ex1_5_relu", "sets the negative entries to 0 in place, modifying the caller's array",
          '''
def relu(z):
    z = np.asarray(z)
    z[z < 0] = 0.0
    return z
''',
          hint=('Your ReLU modifies the array it was given: build a new array instead of '
               'writing into the input.')),
    Wrong("ex1_5_relu", "compares with np.float64(0): float32 inputs come back as float64",
          '''
def relu(z):
    return np.maximum(np.asarray(z), np.float64(0.0))
''',
          hint=('A float32 input comes back as float64: comparing with a float64 value '
               "promotes the result; keep the input's dtype.")),
    Wrong("ex1_5_relu", "np.abs(z): keeps the negative inputs, with the wrong sign",
          '''
def relu(z):
    return np.abs(np.asarray(z))
''',
          hint=('Negative inputs give positive outputs: the ReLU sends negative inputs to 0, '
               'it does not flip them.')),
    # Exercise 1.6: relu_grad
    Wrong("ex1_6_relu_grad", "z >= 0: the derivative at 0 is 1, against the stated convention",
          '''
def relu_grad(z):
    z = np.asarray(z)
    return (z >= 0).astype(z.dtype)
''',
          hint=("At exactly 0 your derivative is 1; the exercise's convention says it is 0: "
               'check the comparison you use.')),
    Wrong("ex1_6_relu_grad", "returns the boolean mask instead of floats",
          '''
def relu_grad(z):
    return np.asarray(z) > 0
''',
          hint=('Your function returns booleans: the derivative should be numbers in the '
               "input's floating dtype.")),
    Wrong("ex1_6_relu_grad", "np.sign(z): -1 on the negative side instead of 0",
          '''
def relu_grad(z):
    return np.sign(np.asarray(z))
''',
          hint=('Negative inputs give -1: the ReLU is flat on the negative side, so its slope '
               'there is 0.')),
    Wrong("ex1_6_relu_grad", "astype(float): float32 inputs come back as float64",
          '''
def relu_grad(z):
    return (np.asarray(z) > 0).astype(float)
''',
          hint=("A float32 input comes back as float64: Python's float means float64; convert "
               "to the input's own dtype.")),
    # Exercise 1.7: neuron
    Wrong("ex1_7_neuron", "ignores the bias",
          '''
def neuron(x, w, b, activation):
    return activation(np.asarray(x) @ np.asarray(w))
''',
          hint=('The bias b has no effect on your output: add it to the weighted sum before '
               'the activation.')),
    Wrong("ex1_7_neuron", "adds the bias after the activation: f(x.w) + b",
          '''
def neuron(x, w, b, activation):
    return activation(np.asarray(x) @ np.asarray(w)) + b
''',
          hint=('The bias is added after the activation: it belongs inside, to the '
               'pre-activation.')),
    Wrong("ex1_7_neuron", "sums x * w over every entry: a batch collapses to one number",
          '''
def neuron(x, w, b, activation):
    return activation(np.sum(np.asarray(x) * np.asarray(w)) + b)
''',
          hint=('For a batch of examples you return a single number: sum over the features of '
               'each example only (the last axis), or use a matrix product.')),
    Wrong("ex1_7_neuron", "turns the bias into a float64 array, promoting float32 inputs",
          '''
def neuron(x, w, b, activation):
    return activation(np.asarray(x) @ np.asarray(w) + np.asarray(b, dtype=np.float64))
''',
          hint=('Float32 inputs come back as float64: converting the bias to a float64 array '
               "promotes everything; keep the inputs' dtype.")),
]
