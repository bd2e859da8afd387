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
'''),
    Wrong("ex1_1_sigmoid", "np.where with both branches written out: np.where evaluates both, "
          "so one of them overflows",
          '''
def sigmoid(z):
    z = np.asarray(z)
    return np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))
'''),
    Wrong("ex1_1_sigmoid", "1 - 1 / (1 + e^z) on the negative side: no overflow, but it cancels "
          "and loses the tail's digits",
          '''
def sigmoid(z):
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), 1.0 - 1.0 / (1.0 + e))
'''),
    Wrong("ex1_1_sigmoid", "float64 constants promote a float32 input to float64",
          '''
def sigmoid(z):
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    one = np.float64(1.0)
    return np.where(z >= 0, one / (one + e), e / (one + e))
'''),
    Wrong("ex1_1_sigmoid", "clips z to [-500, 500] in place, modifying the caller's array",
          '''
def sigmoid(z):
    z = np.asarray(z)
    np.clip(z, -500.0, 500.0, out=z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
'''),
    # Exercise 1.2: sigmoid_grad
    Wrong("ex1_2_sigmoid_grad", "returns sigma(z) instead of sigma(z) (1 - sigma(z))",
          '''
def sigmoid_grad(z):
    return sigmoid(z)
'''),
    Wrong("ex1_2_sigmoid_grad", "e^-z / (1 + e^-z)^2: overflows for very negative z",
          '''
def sigmoid_grad(z):
    z = np.asarray(z)
    e = np.exp(-z)
    return e / (1.0 + e) ** 2
'''),
    Wrong("ex1_2_sigmoid_grad", "z (1 - z): the formula applied to the input instead of sigma(z)",
          '''
def sigmoid_grad(z):
    z = np.asarray(z)
    return z * (1.0 - z)
'''),
    Wrong("ex1_2_sigmoid_grad", "1 - sigma(z)^2: the tanh rule used for the sigmoid",
          '''
def sigmoid_grad(z):
    s = sigmoid(z)
    return 1.0 - s * s
'''),
    # Exercise 1.3: tanh
    Wrong("ex1_3_tanh", "the definition (e^z - e^-z) / (e^z + e^-z): inf / inf = nan at |z| = 1000",
          '''
def tanh(z):
    z = np.asarray(z)
    return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
'''),
    Wrong("ex1_3_tanh", "sign(z) (1 - e^-2|z|) / (1 + e^-2|z|): stable, but cancels near 0",
          '''
def tanh(z):
    z = np.asarray(z)
    e = np.exp(-2.0 * np.abs(z))
    return np.sign(z) * (1.0 - e) / (1.0 + e)
'''),
    Wrong("ex1_3_tanh", "2 sigma(2z) - 1 with the stable sigmoid: cancels near 0 just the same",
          '''
def tanh(z):
    return 2.0 * sigmoid(2.0 * np.asarray(z)) - 1.0
'''),
    Wrong("ex1_3_tanh", "forgets to restore the sign: computes tanh |z|",
          '''
def tanh(z):
    z = np.asarray(z)
    m = np.expm1(-2.0 * np.abs(z))
    return -m / (2.0 + m)
'''),
    Wrong("ex1_3_tanh", "np.sign of a float64 copy promotes float32 inputs",
          '''
def tanh(z):
    z = np.asarray(z)
    m = np.expm1(-2.0 * np.abs(z))
    return np.sign(z.astype(np.float64)) * (-m) / (2.0 + m)
'''),
    # Exercise 1.4: tanh_grad
    Wrong("ex1_4_tanh_grad", "1 - z^2: the derivative written in terms of the input, not of tanh z",
          '''
def tanh_grad(z):
    z = np.asarray(z)
    return 1.0 - z * z
'''),
    Wrong("ex1_4_tanh_grad", "1 - tanh z: forgets the square",
          '''
def tanh_grad(z):
    return 1.0 - tanh(z)
'''),
    Wrong("ex1_4_tanh_grad", "1 / cosh(z)^2: right in mathematics, but cosh overflows at "
          "|z| = 1000",
          '''
def tanh_grad(z):
    z = np.asarray(z)
    return 1.0 / np.cosh(z) ** 2
'''),
    Wrong("ex1_4_tanh_grad", "sigma'(z) = s (1 - s): the sigmoid's derivative instead of tanh's",
          '''
def tanh_grad(z):
    s = sigmoid(z)
    return s * (1.0 - s)
'''),
    # Exercise 1.5: relu
    Wrong("ex1_5_relu", "np.max(z, 0) reduces the array instead of comparing element by element",
          '''
def relu(z):
    z = np.asarray(z)
    return np.max(z, 0)
'''),
    Wrong("ex1_5_relu", "sets the negative entries to 0 in place, modifying the caller's array",
          '''
def relu(z):
    z = np.asarray(z)
    z[z < 0] = 0.0
    return z
'''),
    Wrong("ex1_5_relu", "compares with np.float64(0): float32 inputs come back as float64",
          '''
def relu(z):
    return np.maximum(np.asarray(z), np.float64(0.0))
'''),
    Wrong("ex1_5_relu", "np.abs(z): keeps the negative inputs, with the wrong sign",
          '''
def relu(z):
    return np.abs(np.asarray(z))
'''),
    # Exercise 1.6: relu_grad
    Wrong("ex1_6_relu_grad", "z >= 0: the derivative at 0 is 1, against the stated convention",
          '''
def relu_grad(z):
    z = np.asarray(z)
    return (z >= 0).astype(z.dtype)
'''),
    Wrong("ex1_6_relu_grad", "returns the boolean mask instead of floats",
          '''
def relu_grad(z):
    return np.asarray(z) > 0
'''),
    Wrong("ex1_6_relu_grad", "np.sign(z): -1 on the negative side instead of 0",
          '''
def relu_grad(z):
    return np.sign(np.asarray(z))
'''),
    Wrong("ex1_6_relu_grad", "astype(float): float32 inputs come back as float64",
          '''
def relu_grad(z):
    return (np.asarray(z) > 0).astype(float)
'''),
    # Exercise 1.7: neuron
    Wrong("ex1_7_neuron", "ignores the bias",
          '''
def neuron(x, w, b, activation):
    return activation(np.asarray(x) @ np.asarray(w))
'''),
    Wrong("ex1_7_neuron", "adds the bias after the activation: f(x.w) + b",
          '''
def neuron(x, w, b, activation):
    return activation(np.asarray(x) @ np.asarray(w)) + b
'''),
    Wrong("ex1_7_neuron", "sums x * w over every entry: a batch collapses to one number",
          '''
def neuron(x, w, b, activation):
    return activation(np.sum(np.asarray(x) * np.asarray(w)) + b)
'''),
    Wrong("ex1_7_neuron", "turns the bias into a float64 array, promoting float32 inputs",
          '''
def neuron(x, w, b, activation):
    return activation(np.asarray(x) @ np.asarray(w) + np.asarray(b, dtype=np.float64))
'''),
]
