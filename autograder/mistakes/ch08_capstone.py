"""Chapter 8: answers that compute the right numbers the wrong way, or the wrong numbers.

ACCEPTED, at the end, lists right answers written differently from the reference, which
the same tests must pass (tests/test_chapter08_reference.py runs them).
"""

from dataclasses import dataclass

from autograder.mistakes import Wrong

CHAPTER = "08_capstone"

WRONG = [
    # Exercise 8.1, dense
    Wrong("ex8_1_dense", "no tf.custom_gradient: TensorFlow's automatic differentiation does it",
          '''
def dense(x, W, b):
    return tf.matmul(x, W) + b
''',
          hint=("The gradient comes from TensorFlow's automatic differentiation: this "
               'exercise asks you to write it yourself with tf.custom_gradient.')),
    Wrong("ex8_1_dense", "grad recomputes the forward pass under a GradientTape (autodiff)",
          '''
@tf.custom_gradient
def dense(x, W, b):
    z = tf.nn.bias_add(tf.matmul(x, W), b)

    def grad(dz):
        with tf.GradientTape() as tape:
            tape.watch([x, W, b])
            again = tf.nn.bias_add(tf.matmul(x, W), b)
        return tape.gradient(again, [x, W, b], output_gradients=dz)

    return z, grad
''',
          hint=('Your grad function asks a GradientTape for the gradient: write the backward '
               'formulas yourself.')),
    Wrong("ex8_1_dense", "grad calls tf.gradients, TensorFlow's graph-mode autodiff",
          '''
@tf.custom_gradient
def dense(x, W, b):
    z = tf.matmul(x, W) + b

    def grad(dz):
        if tf.executing_eagerly():
            return (tf.matmul(dz, W, transpose_b=True), tf.matmul(x, dz, transpose_a=True),
                    tf.reduce_sum(dz, axis=0))
        return tf.gradients(z, [x, W, b], grad_ys=dz)

    return z, grad
''',
          hint=("Your grad function uses TensorFlow's automatic differentiation: write the "
               'backward formulas yourself.')),
    Wrong("ex8_1_dense", "the bias gradient is the mean over the batch instead of the sum",
          '''
@tf.custom_gradient
def dense(x, W, b):
    z = tf.matmul(x, W) + b

    def grad(dz):
        return (tf.matmul(dz, W, transpose_b=True), tf.matmul(x, dz, transpose_a=True),
                tf.reduce_mean(dz, axis=0))

    return z, grad
''',
          hint=('Your bias gradient is B times too small: the upstream gradient already holds '
               "the batch mean's 1/B, so sum over the batch.")),
    Wrong("ex8_1_dense", "dW divided by the batch size again (the 1/B is already in dz)",
          '''
@tf.custom_gradient
def dense(x, W, b):
    z = tf.matmul(x, W) + b

    def grad(dz):
        batch = tf.cast(tf.shape(x)[0], x.dtype)
        return (tf.matmul(dz, W, transpose_b=True), tf.matmul(x, dz, transpose_a=True) / batch,
                tf.reduce_sum(dz, axis=0))

    return z, grad
''',
          hint=('Your weight gradient is B times too small: the upstream gradient already '
               "holds the batch mean's 1/B.")),
    # Exercise 8.2, softmax_cross_entropy
    Wrong("ex8_2_softmax_cross_entropy", "the stable forward pass, differentiated by autodiff",
          '''
def softmax_cross_entropy(logits, labels):
    shifted = logits - tf.reduce_max(logits, axis=1, keepdims=True)
    log_p = shifted - tf.math.log(tf.reduce_sum(tf.exp(shifted), axis=1, keepdims=True))
    return -tf.reduce_mean(tf.gather(log_p, labels, axis=1, batch_dims=1))
''',
          hint=('The gradient comes from automatic differentiation: write it yourself with '
               'tf.custom_gradient.')),
    Wrong("ex8_2_softmax_cross_entropy", "TensorFlow's built-in loss and its gradient",
          '''
def softmax_cross_entropy(logits, labels):
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))
''',
          hint=("You use TensorFlow's built-in loss: this exercise asks for the formula and "
               'its gradient written by you.')),
    Wrong("ex8_2_softmax_cross_entropy",
          "a custom gradient around the built-in loss (the forward pass is not written)",
          '''
@tf.custom_gradient
def softmax_cross_entropy(logits, labels):
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))

    def grad(upstream):
        shape = tf.shape(logits)
        one_hot = tf.one_hot(labels, shape[1], dtype=logits.dtype)
        return upstream * (tf.nn.softmax(logits) - one_hot) / tf.cast(shape[0], logits.dtype), None

    return loss, grad
''',
          hint=('Your forward pass calls the built-in loss: write the stable formula '
               'yourself.')),
    Wrong("ex8_2_softmax_cross_entropy", "Keras's loss function instead of the formula",
          '''
def softmax_cross_entropy(logits, labels):
    return tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, logits,
                                                                       from_logits=True))
''',
          hint=("You use Keras's loss: this exercise asks for the formula and its gradient "
               'written by you.')),
    Wrong("ex8_2_softmax_cross_entropy", "grad differentiates the loss again with a tape",
          '''
@tf.custom_gradient
def softmax_cross_entropy(logits, labels):
    def forward(z):
        shifted = z - tf.reduce_max(z, axis=1, keepdims=True)
        log_p = shifted - tf.math.log(tf.reduce_sum(tf.exp(shifted), axis=1, keepdims=True))
        return -tf.reduce_mean(tf.gather(log_p, labels, axis=1, batch_dims=1))

    def grad(upstream):
        with tf.GradientTape() as tape:
            tape.watch(logits)
            again = forward(logits)
        return upstream * tape.gradient(again, logits), None

    return forward(logits), grad
''',
          hint=('Your grad function asks a GradientTape for the gradient: write the backward '
               'formula yourself.')),
    Wrong("ex8_2_softmax_cross_entropy", "the upstream gradient g is ignored",
          '''
@tf.custom_gradient
def softmax_cross_entropy(logits, labels):
    shifted = logits - tf.reduce_max(logits, axis=1, keepdims=True)
    log_p = shifted - tf.math.log(tf.reduce_sum(tf.exp(shifted), axis=1, keepdims=True))
    loss = -tf.reduce_mean(tf.gather(log_p, labels, axis=1, batch_dims=1))

    def grad(upstream):
        shape = tf.shape(logits)
        one_hot = tf.one_hot(labels, shape[1], dtype=logits.dtype)
        return (tf.exp(log_p) - one_hot) / tf.cast(shape[0], logits.dtype), None

    return loss, grad
''',
          hint=('Your gradient ignores the upstream gradient passed to grad: the chain rule '
               'multiplies by it.')),
    Wrong("ex8_2_softmax_cross_entropy", "the naive log of the softmax: infinite at +-1e4",
          '''
@tf.custom_gradient
def softmax_cross_entropy(logits, labels):
    p = tf.exp(logits) / tf.reduce_sum(tf.exp(logits), axis=1, keepdims=True)
    loss = -tf.reduce_mean(tf.math.log(tf.gather(p, labels, axis=1, batch_dims=1)))

    def grad(upstream):
        shape = tf.shape(logits)
        one_hot = tf.one_hot(labels, shape[1], dtype=logits.dtype)
        return upstream * (p - one_hot) / tf.cast(shape[0], logits.dtype), None

    return loss, grad
''',
          hint=('Taking the log of the softmax gives infinities for large logits: use the '
               'stable log-sum-exp form.')),
    # Exercise 8.3, CustomDense
    Wrong("ex8_3_CustomDense", "call multiplies the matrices itself instead of calling dense",
          '''
@keras.saving.register_keras_serializable(package="dlbook")
class CustomDense(keras.layers.Layer):
    def __init__(self, units, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation = activation

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        z = tf.matmul(inputs, self.kernel) + self.bias
        return relu(z) if self.activation == "relu" else z

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": self.activation}
''',
          hint=("Your layer computes the product itself: call the chapter's dense, so its "
               'gradient is yours.')),
    Wrong("ex8_3_CustomDense", "TensorFlow's own ReLU, differentiated by autodiff, not relu",
          '''
@keras.saving.register_keras_serializable(package="dlbook")
class CustomDense(keras.layers.Layer):
    def __init__(self, units, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation = activation

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        z = dense(inputs, tf.convert_to_tensor(self.kernel), tf.convert_to_tensor(self.bias))
        return tf.nn.relu(z) if self.activation == "relu" else z

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": self.activation}
''',
          hint="Your layer uses TensorFlow's ReLU: use the chapter's relu."),
    Wrong("ex8_3_CustomDense", "the activation is never applied",
          '''
@keras.saving.register_keras_serializable(package="dlbook")
class CustomDense(keras.layers.Layer):
    def __init__(self, units, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation = activation

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        return dense(inputs, tf.convert_to_tensor(self.kernel), tf.convert_to_tensor(self.bias))

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": self.activation}
''',
          hint='The activation is never applied in call.'),
    Wrong("ex8_3_CustomDense", "the bias starts glorot-uniform instead of at zero",
          '''
@keras.saving.register_keras_serializable(package="dlbook")
class CustomDense(keras.layers.Layer):
    def __init__(self, units, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation = activation

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.units,),
                                    initializer="glorot_uniform")

    def call(self, inputs):
        z = dense(inputs, tf.convert_to_tensor(self.kernel), tf.convert_to_tensor(self.bias))
        return relu(z) if self.activation == "relu" else z

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": self.activation}
''',
          hint='Your bias starts random: it starts at zero.'),
    # Exercise 8.4, build_model
    Wrong("ex8_4_build_model", "dtype is ignored: a float64 model computes in float32",
          '''
def build_model(layer_sizes, *, dtype=None):
    if len(layer_sizes) < 2:
        raise ValueError(f"need an input size and at least one layer, got {layer_sizes}")
    model = keras.Sequential([keras.Input(shape=(layer_sizes[0],))])
    last = len(layer_sizes) - 1
    for number, units in enumerate(layer_sizes[1:], start=1):
        model.add(CustomDense(units, activation=None if number == last else "relu"))
    return model
''',
          hint='The dtype argument has no effect: a float64 model should compute in float64.'),
    Wrong("ex8_4_build_model", "ReLU on the last layer too, so the logits are never negative",
          '''
def build_model(layer_sizes, *, dtype=None):
    if len(layer_sizes) < 2:
        raise ValueError(f"need an input size and at least one layer, got {layer_sizes}")
    model = keras.Sequential([keras.Input(shape=(layer_sizes[0],), dtype=dtype)])
    for units in layer_sizes[1:]:
        model.add(CustomDense(units, activation="relu", dtype=dtype))
    return model
''',
          hint=('The last layer has a ReLU, so the logits are never negative: the output '
               'layer has no activation.')),
    Wrong("ex8_4_build_model", "Keras's Dense instead of the chapter's CustomDense",
          '''
def build_model(layer_sizes, *, dtype=None):
    if len(layer_sizes) < 2:
        raise ValueError(f"need an input size and at least one layer, got {layer_sizes}")
    model = keras.Sequential([keras.Input(shape=(layer_sizes[0],), dtype=dtype)])
    last = len(layer_sizes) - 1
    for number, units in enumerate(layer_sizes[1:], start=1):
        model.add(keras.layers.Dense(units, activation=None if number == last else "relu",
                                     dtype=dtype))
    return model
''',
          hint="Your model uses Keras's Dense: build it from the chapter's CustomDense."),
    Wrong("ex8_4_build_model", "the input layer is float64 but the layers follow the policy",
          '''
def build_model(layer_sizes, *, dtype=None):
    if len(layer_sizes) < 2:
        raise ValueError(f"need an input size and at least one layer, got {layer_sizes}")
    model = keras.Sequential([keras.Input(shape=(layer_sizes[0],), dtype=dtype)])
    last = len(layer_sizes) - 1
    for number, units in enumerate(layer_sizes[1:], start=1):
        model.add(CustomDense(units, activation=None if number == last else "relu"))
    return model
''',
          hint='The layers do not use the requested dtype: pass it to every layer.'),
]

_LOOP = '''
def train_tf(model, X, y, *, epochs, lr, batch_size, seed=1):
    if len(X) != len(y) or batch_size < 1:
        raise ValueError("one label per example and batch_size >= 1")
    rng = np.random.default_rng(seed)
    X, y = tf.convert_to_tensor(X), tf.convert_to_tensor(y)
    variables = model.trainable_variables
{setup}
{decorator}
    def step(x_batch, y_batch):
        with tf.GradientTape() as tape:
            logits = model(x_batch, training=True)
            mixed = logits.dtype == tf.float16
            if mixed:
                logits = tf.cast(logits, tf.float32)
{loss}
        gradients = tape.gradient(objective, variables)
{after}
        for variable, gradient in zip(variables, gradients):
            variable.assign_sub(lr * gradient)
        return loss

    history = {{"loss": []}}
    count = int(X.shape[0])
    for _ in range(epochs):
        perm = rng.permutation(count)
        losses = [step(tf.gather(X, perm[start:start + batch_size]),
                       tf.gather(y, perm[start:start + batch_size]))
                  for start in range(0, count, batch_size)]
        history["loss"].append(float(np.mean([float(loss) for loss in losses])))
    return history
'''
_OWN_LOSS = ("            loss = softmax_cross_entropy(logits, y_batch)\n"
             "            objective = loss")
_SCALED = ("            loss = softmax_cross_entropy(logits, y_batch)\n"
           "            objective = loss * 2.0**15 if mixed else loss")
_UNSCALE = ("        if mixed:\n"
            "            gradients = [gradient / 2.0**15 for gradient in gradients]")
_TF = "    @tf.function(reduce_retracing=True)"


def _loop(decorator=_TF, loss=_OWN_LOSS, setup="", after=""):
    return _LOOP.format(decorator=decorator, loss=loss, setup=setup, after=after)


WRONG += [
    Wrong("ex8_5_train_tf", "no tf.function: every step runs eagerly",
          _loop(decorator=""),
          hint='Your training step runs eagerly: compile it once with tf.function.'),
    Wrong("ex8_5_train_tf", "TensorFlow's built-in loss instead of softmax_cross_entropy",
          _loop(loss="            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with"
                     "_logits(y_batch, logits))\n            objective = loss"),
          hint=("You train with TensorFlow's built-in loss: use the chapter's "
               'softmax_cross_entropy.')),
    Wrong("ex8_5_train_tf", "no loss scaling: float16 gradients underflow to zero",
          _loop(),
          hint=('In float16, small gradients underflow to zero: scale the loss, as the notes '
               'describe.')),
    Wrong("ex8_5_train_tf", "a fixed loss scale of 2^15: overflowing steps are not skipped",
          _loop(loss=_SCALED, after=_UNSCALE),
          hint=('Your loss scale never changes and overflowing steps are applied: see the '
               'notes on dynamic loss scaling.')),
    Wrong("ex8_5_train_tf", "the generator is re-made every epoch: the same batches each time",
          _loop().replace("        perm = rng.permutation(count)",
                          "        perm = np.random.default_rng(seed).permutation(count)"),
          hint=('Every epoch sees the same batches: make the generator once, outside the '
               'epoch loop.')),
]

# Found by reviewers (issue 20): gradients left to TensorFlow under another name, and
# training loops whose numbers come out right for the wrong reason.
WRONG += [
    Wrong("ex8_1_dense", "grad calls tf.gradients under another name (a tape when eager)",
          '''
@tf.custom_gradient
def dense(x, W, b):
    z = tf.matmul(x, W) + b

    def grad(dz):
        if tf.executing_eagerly():
            with tf.GradientTape() as tape:
                tape.watch([x, W, b])
                again = tf.matmul(x, W) + b
            return tape.gradient(again, [x, W, b], output_gradients=dz)
        return tf.gradients(z, [x, W, b], grad_ys=dz, name="backward")

    return z, grad
''',
          hint=("Your grad function uses TensorFlow's automatic differentiation: write the "
               'backward formulas yourself.')),
    Wrong("ex8_1_dense", "the forward pass runs a tape and hands its gradients to grad",
          '''
@tf.custom_gradient
def dense(x, W, b):
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, W, b])
        z = tf.nn.bias_add(tf.matmul(x, W), b)

    def grad(dz):
        return tape.gradient(z, [x, W, b], output_gradients=dz)

    return z, grad
''',
          hint=('Your gradients come from a GradientTape in the forward pass: write the '
               'backward formulas yourself.')),
    Wrong("ex8_2_softmax_cross_entropy", "grad calls tf.gradients under another name",
          '''
@tf.custom_gradient
def softmax_cross_entropy(logits, labels):
    shifted = logits - tf.reduce_max(logits, axis=1, keepdims=True)
    log_p = shifted - tf.math.log(tf.reduce_sum(tf.exp(shifted), axis=1, keepdims=True))
    loss = -tf.reduce_mean(tf.gather(log_p, labels, axis=1, batch_dims=1))

    def grad(upstream):
        if tf.executing_eagerly():
            with tf.GradientTape() as tape:
                tape.watch(logits)
                again = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                    labels, logits))
            return tape.gradient(again, logits, output_gradients=upstream), None
        return tf.gradients(loss, logits, grad_ys=upstream, name="my_backward")[0], None

    return loss, grad
''',
          hint=("Your grad function uses TensorFlow's automatic differentiation: write the "
               'backward formula yourself.')),
    Wrong("ex8_3_CustomDense", "call adds the bias outside dense: its gradient is autodiff's",
          '''
@keras.saving.register_keras_serializable(package="dlbook")
class CustomDense(keras.layers.Layer):
    def __init__(self, units, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation = activation

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                      initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        kernel = tf.convert_to_tensor(self.kernel)
        zero = tf.zeros([self.units], kernel.dtype)
        z = dense(inputs, kernel, zero) + tf.convert_to_tensor(self.bias)
        return relu(z) if self.activation == "relu" else z

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": self.activation}
''',
          hint=('The bias is added outside dense, so its gradient comes from automatic '
               'differentiation: pass it to dense.')),
]

_KERAS_LOSS = ("            loss = softmax_cross_entropy(logits, y_batch)\n"
               "            objective = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with"
               "_logits(y_batch, logits))\n"
               "            objective = objective * 2.0**15 if mixed else objective")
_DYNAMIC = _SCALED.replace("2.0**15", "scale")
_DYNAMIC_SETUP = ("    scale = tf.Variable(2.0**15, trainable=False)\n"
                  "    finite_steps = tf.Variable(0, trainable=False)")
_UNSCALE_DYNAMIC = (
    "        if mixed:\n"
    "            gradients = [gradient / scale for gradient in gradients]\n"
    "            finite = tf.reduce_all([tf.reduce_all(tf.math.is_finite(gradient))\n"
    "                                    for gradient in gradients])\n"
    "            gradients = [tf.where(finite, gradient, tf.zeros_like(gradient))\n"
    "                         for gradient in gradients]\n"
    "{rule}")
_HALVE_AND_GROW = (
    "            grow = tf.logical_and(finite, finite_steps + 1 >= 2000)\n"
    "            scale.assign(tf.where(finite, tf.where(grow, 2 * scale, scale), scale / 2))\n"
    "            finite_steps.assign(tf.where(finite & ~grow, finite_steps + 1, 0))")


def _mixed(rule=_HALVE_AND_GROW, **changes):
    return _loop(loss=_DYNAMIC, setup=_DYNAMIC_SETUP,
                 after=_UNSCALE_DYNAMIC.format(rule=rule), **changes)


WRONG += [
    Wrong("ex8_5_train_tf", "the chapter's loss is returned but the built-in one differentiated",
          _loop(loss=_KERAS_LOSS, after=_UNSCALE),
          hint=('The gradients come from a different loss from the one you report: '
               "differentiate the chapter's softmax_cross_entropy.")),
    Wrong("ex8_5_train_tf", "a new tf.function for every batch: the step is traced each time",
          _mixed().replace(
              "        losses = [step(",
              "        losses = [tf.function(step.python_function, reduce_retracing=True)("),
          hint=('A new tf.function is made for every batch, so the step is traced again each '
               'time: make it once.')),
    Wrong("ex8_5_train_tf", "an overflowing step is skipped but the loss scale never lowered",
          _mixed(rule="            scale.assign(scale)"),
          hint=('After an overflow the loss scale stays the same: see the notes on when to '
               'lower it.')),
    Wrong("ex8_5_train_tf", "the loss scale is halved after an overflow but never doubled",
          _mixed(rule="            scale.assign(tf.where(finite, scale, scale / 2))"),
          hint='The loss scale never grows again: see the notes on when to raise it.'),
    Wrong("ex8_5_train_tf", "the scale is halved on overflow but the step is applied anyway",
          _mixed().replace("            gradients = [tf.where(finite, gradient, "
                           "tf.zeros_like(gradient))\n"
                           "                         for gradient in gradients]\n", ""),
          hint='An overflowing step is still applied: skip it.'),
    Wrong("ex8_5_train_tf", "the scale doubles one step early, after 1,999 finite steps",
          _mixed(rule=_HALVE_AND_GROW.replace("finite_steps + 1 >= 2000",
                                              "finite_steps + 1 >= 1999")),
          hint='The loss scale grows one step too early: count the finite steps.'),
    Wrong("ex8_5_train_tf", "the scale doubles one step late, after 2,001 finite steps",
          _mixed(rule=_HALVE_AND_GROW.replace("finite_steps + 1 >= 2000",
                                              "finite_steps + 1 >= 2001")),
          hint='The loss scale grows one step too late: count the finite steps.'),
]


@dataclass(frozen=True)
class Accepted:
    """A right answer written another way: its exercise's tests must pass it."""

    exercise: str
    variant: str  # what it does differently, in one line
    source: str


ACCEPTED = [
    Accepted("ex8_1_dense", "db with TensorFlow's fused BiasAddGrad kernel",
             '''
@tf.custom_gradient
def dense(x, W, b):
    z = tf.nn.bias_add(tf.matmul(x, W), b)

    def grad(dz):
        return (tf.matmul(dz, W, transpose_b=True), tf.matmul(x, dz, transpose_a=True),
                tf.raw_ops.BiasAddGrad(out_backprop=dz))

    return z, grad
'''),
    Accepted("ex8_1_dense", "transposes written out, the bias added with +, and a closure "
             "under other names", '''
@tf.custom_gradient
def dense(x, W, b):
    def backward(upstream):
        return (upstream @ tf.transpose(W), tf.transpose(x) @ upstream,
                tf.reduce_sum(upstream, axis=0))

    return x @ W + b, backward
'''),
    Accepted("ex8_2_softmax_cross_entropy", "1/B as tf.math.reciprocal, P as a softmax",
             '''
@tf.custom_gradient
def softmax_cross_entropy(logits, labels):
    shifted = logits - tf.reduce_max(logits, axis=1, keepdims=True)
    log_sum = tf.math.log(tf.reduce_sum(tf.exp(shifted), axis=1))
    picked = tf.gather(shifted, labels, axis=1, batch_dims=1) - log_sum
    loss = -tf.reduce_mean(picked)

    def grad(upstream):
        shape = tf.shape(logits)
        inverse_batch = tf.math.reciprocal(tf.cast(shape[0], logits.dtype))
        p = tf.exp(shifted - log_sum[:, None])
        y = tf.one_hot(labels, shape[1], dtype=logits.dtype)
        return upstream * inverse_batch * (p - y), None

    return loss, grad
'''),
    Accepted("ex8_5_train_tf", "the loss scale kept in float32 and grown with a counter "
             "compared after incrementing", _mixed()),
]
