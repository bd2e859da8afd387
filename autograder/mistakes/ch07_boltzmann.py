"""Chapter 7's classic mistakes: each must fail its exercise's visible and hidden tests."""

from autograder.mistakes import Wrong

CHAPTER = "07_boltzmann"

WRONG = [
    # Exercise 7.1: energy
    Wrong("ex7_1_energy", "forgets the 1/2, so every pair of units is counted twice", '''
def energy(s, W, b):
    s = np.asarray(s)
    return -np.einsum("...i,ij,...j->...", s, W, s) - s @ b
''',
          hint=('Your energy counts every pair of units twice: W is symmetric, so the '
               'quadratic term needs its factor 1/2.')),
    Wrong("ex7_1_energy", "adds the bias term instead of subtracting it", '''
def energy(s, W, b):
    s = np.asarray(s)
    return -0.5 * np.einsum("...i,ij,...j->...", s, W, s) + s @ b
''',
          hint=("The bias term has the wrong sign: check the energy's definition in the "
               'notes.')),
    Wrong("ex7_1_energy", "sums the quadratic form over the whole batch instead of per row", '''
def energy(s, W, b):
    s = np.asarray(s)
    quadratic = np.sum((s @ W) * s)
    return -0.5 * quadratic - s @ b
''',
          hint='For a batch you mix states together: compute one energy per row.'),
    Wrong("ex7_1_energy", "uses only the upper triangle's pairs but keeps the 1/2", '''
def energy(s, W, b):
    s = np.asarray(s)
    return -0.5 * np.einsum("...i,ij,...j->...", s, np.triu(W, 1), s) - s @ b
''',
          hint=('Counting each pair once and also halving counts the pairs half as much as '
               'they should: use one of the two, not both.')),
    Wrong("ex7_1_energy", "computes in float64 whatever the input dtype", '''
def energy(s, W, b):
    s = np.asarray(s, dtype=np.float64)
    W, b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return -0.5 * np.einsum("...i,ij,...j->...", s, W, s) - s @ b
''',
          hint="Float32 inputs give float64 energies: keep the inputs' dtype."),

    # Exercise 7.2: boltzmann_distribution
    Wrong("ex7_2_boltzmann_distribution", "exponentiates -E without subtracting its maximum", '''
def boltzmann_distribution(W, b):
    n = len(b)
    if n > 16:
        raise ValueError("too many units")
    k = np.arange(2**n)[:, None]
    states = ((k >> np.arange(n - 1, -1, -1)) & 1).astype(np.float64)
    weights = np.exp(-energy(states, np.asarray(W), b))
    return states, weights / weights.sum()
''',
          hint=('For large energies the exponentials overflow: shift the exponents by their '
               'maximum before exponentiating (the probabilities do not change).')),
    Wrong("ex7_2_boltzmann_distribution", "lists the bits least significant first", '''
def boltzmann_distribution(W, b):
    n = len(b)
    if n > 16:
        raise ValueError("too many units")
    k = np.arange(2**n)[:, None]
    states = ((k >> np.arange(n)) & 1).astype(np.float64)
    return states, ch3.softmax(-energy(states, np.asarray(W), b))
''',
          hint=('Your states are listed in the wrong order: the docstring orders them as '
               'binary numbers, most significant unit first.')),
    Wrong("ex7_2_boltzmann_distribution", "softmax of +E: low energy becomes improbable", '''
def boltzmann_distribution(W, b):
    n = len(b)
    if n > 16:
        raise ValueError("too many units")
    k = np.arange(2**n)[:, None]
    states = ((k >> np.arange(n - 1, -1, -1)) & 1).astype(np.float64)
    return states, ch3.softmax(energy(states, np.asarray(W), b))
''',
          hint=('Low-energy states come out improbable: probability grows as the energy '
               'falls, so check the sign of the exponent.')),
    Wrong("ex7_2_boltzmann_distribution", "no check of the number of units", '''
def boltzmann_distribution(W, b):
    n = len(b)
    k = np.arange(2**n)[:, None]
    states = ((k >> np.arange(n - 1, -1, -1)) & 1).astype(np.float64)
    W = np.asarray(W)
    dtype = W.dtype if np.issubdtype(W.dtype, np.floating) else np.float64
    return states, ch3.softmax(-energy(states, W, b)).astype(dtype, copy=False)
''',
          hint=('A machine with too many units for enumeration is accepted: raise ValueError '
               'as the docstring says.')),

    # Exercise 7.3: gibbs_conditional
    Wrong("ex7_3_gibbs_conditional", "sigmoid of the weighted sum without the bias", '''
def gibbs_conditional(s, i, W, b):
    return ch1.sigmoid(np.asarray(s) @ W[i])[()]
''',
          hint="Your conditional probability leaves out unit i's bias."),
    Wrong("ex7_3_gibbs_conditional", "sigmoid of minus the energy gap", '''
def gibbs_conditional(s, i, W, b):
    return ch1.sigmoid(-(np.asarray(s) @ W[i] + b[i]))[()]
''',
          hint=('Your probability has the wrong sign inside the sigmoid: units with positive '
               'input should tend to switch on.')),
    Wrong("ex7_3_gibbs_conditional", "the 1/2 of the energy carried into the gap", '''
def gibbs_conditional(s, i, W, b):
    return ch1.sigmoid(0.5 * (np.asarray(s) @ W[i]) + b[i])[()]
''',
          hint=("Your gap is half what it should be: the energy's factor 1/2 cancels when the "
               'pairs involving unit i are counted.')),
    Wrong("ex7_3_gibbs_conditional", "a naive sigmoid that overflows for large gaps", '''
def gibbs_conditional(s, i, W, b):
    gap = np.asarray(s) @ W[i] + b[i]
    return (1 / (1 + np.exp(-gap)))[()]
''',
          hint=('Your sigmoid overflows for large gaps (a RuntimeWarning): use a stable '
               "sigmoid, such as chapter 1's.")),

    # Exercise 7.4: rbm_hidden_probs
    Wrong("ex7_4_rbm_hidden_probs", "forgets the hidden biases", '''
def rbm_hidden_probs(V, W, c):
    return ch1.sigmoid(V @ W)
''',
          hint=('The hidden biases c have no effect on your result: add them to the hidden '
               "units' input.")),
    Wrong("ex7_4_rbm_hidden_probs", "returns sampled hidden states instead of probabilities", '''
def rbm_hidden_probs(V, W, c):
    P = ch1.sigmoid(V @ W + c)
    return (np.random.default_rng(0).random(P.shape) < P).astype(P.dtype)
''',
          hint=('You return sampled 0/1 states: this function returns the probabilities '
               'themselves.')),
    Wrong("ex7_4_rbm_hidden_probs", "a naive sigmoid that overflows for large inputs", '''
def rbm_hidden_probs(V, W, c):
    return 1 / (1 + np.exp(-(V @ W + c)))
''',
          hint=('Your sigmoid overflows for large inputs (a RuntimeWarning): use a stable '
               "sigmoid, such as chapter 1's.")),

    # Exercise 7.5: rbm_visible_probs
    Wrong("ex7_5_rbm_visible_probs", "forgets the visible biases", '''
def rbm_visible_probs(H, W, b):
    return ch1.sigmoid(H @ W.T)
''',
          hint=('The visible biases b have no effect on your result: add them to the visible '
               "units' input.")),
    Wrong("ex7_5_rbm_visible_probs", "adds the visible biases after the sigmoid", '''
def rbm_visible_probs(H, W, b):
    return ch1.sigmoid(H @ W.T) + b
''',
          hint=("The biases are added after the sigmoid: they belong inside it, in the units' "
               'input.')),
    Wrong("ex7_5_rbm_visible_probs", "a naive sigmoid that overflows for large inputs", '''
def rbm_visible_probs(H, W, b):
    return 1 / (1 + np.exp(-(H @ W.T + b)))
''',
          hint=('Your sigmoid overflows for large inputs (a RuntimeWarning): use a stable '
               "sigmoid, such as chapter 1's.")),

    # Exercise 7.6: free_energy
    Wrong("ex7_6_free_energy", "naive log(1 + exp(x)), which overflows for large inputs", '''
def free_energy(V, W, b, c):
    return -V @ b - np.sum(np.log(1 + np.exp(V @ W + c)), axis=-1)
''',
          hint=('Your softplus overflows for large inputs (a RuntimeWarning): rewrite it so '
               'that no exponential of a large positive number is taken.')),
    Wrong("ex7_6_free_energy", "drops the visible-bias term", '''
def free_energy(V, W, b, c):
    return -np.sum(np.logaddexp(0, V @ W + c), axis=-1)
''',
          hint=('The visible biases b have no effect on your free energy: one term is '
               'missing.')),
    Wrong("ex7_6_free_energy", "the opposite sign: -F instead of F", '''
def free_energy(V, W, b, c):
    return V @ b + np.sum(np.logaddexp(0, V @ W + c), axis=-1)
''',
          hint='Your free energy has the opposite sign: check its definition in the notes.'),
    Wrong("ex7_6_free_energy", "forgets the hidden biases inside the softplus", '''
def free_energy(V, W, b, c):
    return -V @ b - np.sum(np.logaddexp(0, V @ W), axis=-1)
''',
          hint=('The hidden biases c have no effect on your free energy: they belong inside '
               'the softplus.')),

    # Exercise 7.7: cd_k
    Wrong("ex7_7_cd_k", "starts the negative chain from random noise instead of the data", '''
def cd_k(V, W, b, c, k, rng):
    if k < 1:
        raise ValueError("k must be at least 1")
    P0 = rbm_hidden_probs(V, W, c)
    Vk = (rng.random(V.shape) < 0.5).astype(P0.dtype)
    Pk = rbm_hidden_probs(Vk, W, c)
    for _ in range(k):
        Hk = (rng.random(Pk.shape) < Pk).astype(Pk.dtype)
        Pv = rbm_visible_probs(Hk, W, b)
        Vk = (rng.random(Pv.shape) < Pv).astype(Pv.dtype)
        Pk = rbm_hidden_probs(Vk, W, c)
    B = V.shape[0]
    return (V.T @ P0 - Vk.T @ Pk) / B, np.mean(V - Vk, axis=0), np.mean(P0 - Pk, axis=0)
''',
          hint=('Your negative chain starts from noise: contrastive divergence starts it at '
               'the training vectors.')),
    Wrong("ex7_7_cd_k", "mean-field hidden units: the chain goes down from unsampled probabilities",
          '''
def cd_k(V, W, b, c, k, rng):
    if k < 1:
        raise ValueError("k must be at least 1")
    P0 = rbm_hidden_probs(V, W, c)
    Vk, Pk = V, P0
    for _ in range(k):
        Pv = rbm_visible_probs(Pk, W, b)
        Vk = (rng.random(Pv.shape) < Pv).astype(Pv.dtype)
        Pk = rbm_hidden_probs(Vk, W, c)
    B = V.shape[0]
    return (V.T @ P0 - Vk.T @ Pk) / B, np.mean(V - Vk, axis=0), np.mean(P0 - Pk, axis=0)
''',
          hint=('Inside the chain, the visible units are computed from hidden probabilities: '
               'sample the hidden states first.')),
    Wrong("ex7_7_cd_k", "no sampling at all: a deterministic mean-field chain", '''
def cd_k(V, W, b, c, k, rng):
    if k < 1:
        raise ValueError("k must be at least 1")
    P0 = rbm_hidden_probs(V, W, c)
    Vk, Pk = V, P0
    for _ in range(k):
        Vk = rbm_visible_probs(Pk, W, b)
        Pk = rbm_hidden_probs(Vk, W, c)
    rng.random(1)
    B = V.shape[0]
    return (V.T @ P0 - Vk.T @ Pk) / B, np.mean(V - Vk, axis=0), np.mean(P0 - Pk, axis=0)
''',
          hint='Your chain never samples: each Gibbs step draws binary states with rng.'),
    Wrong("ex7_7_cd_k", "runs k + 1 Gibbs steps (off by one)", '''
def cd_k(V, W, b, c, k, rng):
    if k < 1:
        raise ValueError("k must be at least 1")
    P0 = rbm_hidden_probs(V, W, c)
    Vk, Pk = V, P0
    for _ in range(k + 1):
        Hk = (rng.random(Pk.shape) < Pk).astype(Pk.dtype)
        Pv = rbm_visible_probs(Hk, W, b)
        Vk = (rng.random(Pv.shape) < Pv).astype(Pv.dtype)
        Pk = rbm_hidden_probs(Vk, W, c)
    B = V.shape[0]
    return (V.T @ P0 - Vk.T @ Pk) / B, np.mean(V - Vk, axis=0), np.mean(P0 - Pk, axis=0)
''',
          hint='Your chain runs one Gibbs step too many: count the steps.'),
    Wrong("ex7_7_cd_k", "negative phase pairs the reconstruction with the data's hidden probs",
          '''
def cd_k(V, W, b, c, k, rng):
    if k < 1:
        raise ValueError("k must be at least 1")
    P0 = rbm_hidden_probs(V, W, c)
    Vk, Pk = V, P0
    for _ in range(k):
        Hk = (rng.random(Pk.shape) < Pk).astype(Pk.dtype)
        Pv = rbm_visible_probs(Hk, W, b)
        Vk = (rng.random(Pv.shape) < Pv).astype(Pv.dtype)
        Pk = rbm_hidden_probs(Vk, W, c)
    B = V.shape[0]
    return (V.T @ P0 - Vk.T @ P0) / B, np.mean(V - Vk, axis=0), np.mean(P0 - Pk, axis=0)
''',
          hint=('The negative statistics pair the reconstruction with the wrong hidden '
               'probabilities: use the hidden probabilities of the reconstruction itself.')),
    Wrong("ex7_7_cd_k", "negative phase pairs the reconstruction with the hidden sample before it",
          '''
def cd_k(V, W, b, c, k, rng):
    if k < 1:
        raise ValueError("k must be at least 1")
    P0 = rbm_hidden_probs(V, W, c)
    Vk, Pk = V, P0
    for _ in range(k):
        Hk = (rng.random(Pk.shape) < Pk).astype(Pk.dtype)
        Pv = rbm_visible_probs(Hk, W, b)
        Vk = (rng.random(Pv.shape) < Pv).astype(Pv.dtype)
        Pk = rbm_hidden_probs(Vk, W, c)
    B = V.shape[0]
    return (V.T @ P0 - Vk.T @ Hk) / B, np.mean(V - Vk, axis=0), np.mean(P0 - Pk, axis=0)
''',
          hint=('The negative statistics use a hidden sample from earlier in the chain: use '
               'the hidden probabilities computed from the reconstruction.')),
    Wrong("ex7_7_cd_k", "negative phase pairs the data with the reconstruction's hidden probs",
          '''
def cd_k(V, W, b, c, k, rng):
    if k < 1:
        raise ValueError("k must be at least 1")
    P0 = rbm_hidden_probs(V, W, c)
    Vk, Pk = V, P0
    for _ in range(k):
        Hk = (rng.random(Pk.shape) < Pk).astype(Pk.dtype)
        Pv = rbm_visible_probs(Hk, W, b)
        Vk = (rng.random(Pv.shape) < Pv).astype(Pv.dtype)
        Pk = rbm_hidden_probs(Vk, W, c)
    B = V.shape[0]
    return (V.T @ P0 - V.T @ Pk) / B, np.mean(V - Vk, axis=0), np.mean(P0 - Pk, axis=0)
''',
          hint='The negative statistics use the data where the reconstruction belongs.'),
    Wrong("ex7_7_cd_k", "sampled hidden states in the positive phase", '''
def cd_k(V, W, b, c, k, rng):
    if k < 1:
        raise ValueError("k must be at least 1")
    P0 = rbm_hidden_probs(V, W, c)
    H0 = (rng.random(P0.shape) < P0).astype(P0.dtype)
    Vk, Hk = V, H0
    for step in range(k):
        if step > 0:
            Hk = (rng.random(Pk.shape) < Pk).astype(Pk.dtype)
        Pv = rbm_visible_probs(Hk, W, b)
        Vk = (rng.random(Pv.shape) < Pv).astype(Pv.dtype)
        Pk = rbm_hidden_probs(Vk, W, c)
    B = V.shape[0]
    return (V.T @ H0 - Vk.T @ Pk) / B, np.mean(V - Vk, axis=0), np.mean(H0 - Pk, axis=0)
''',
          hint=('The positive phase uses sampled hidden states: it uses the hidden '
               'probabilities given the data.')),
    Wrong("ex7_7_cd_k", "sampled hidden states in dW's positive phase (dc uses probabilities)", '''
def cd_k(V, W, b, c, k, rng):
    if k < 1:
        raise ValueError("k must be at least 1")
    P0 = rbm_hidden_probs(V, W, c)
    H0 = (rng.random(P0.shape) < P0).astype(P0.dtype)
    Vk, Hk = V, H0
    for step in range(k):
        if step > 0:
            Hk = (rng.random(Pk.shape) < Pk).astype(Pk.dtype)
        Pv = rbm_visible_probs(Hk, W, b)
        Vk = (rng.random(Pv.shape) < Pv).astype(Pv.dtype)
        Pk = rbm_hidden_probs(Vk, W, c)
    B = V.shape[0]
    return (V.T @ H0 - Vk.T @ Pk) / B, np.mean(V - Vk, axis=0), np.mean(P0 - Pk, axis=0)
''',
          hint=("The weight gradient's positive phase uses sampled hidden states: it uses the "
               'hidden probabilities, like dc.')),
    Wrong("ex7_7_cd_k", "visible probabilities instead of a visible sample at the end of the chain",
          '''
def cd_k(V, W, b, c, k, rng):
    if k < 1:
        raise ValueError("k must be at least 1")
    P0 = rbm_hidden_probs(V, W, c)
    Vk, Pk = V, P0
    for step in range(k):
        Hk = (rng.random(Pk.shape) < Pk).astype(Pk.dtype)
        Vk = rbm_visible_probs(Hk, W, b)
        if step < k - 1:
            Vk = (rng.random(Vk.shape) < Vk).astype(Vk.dtype)
        Pk = rbm_hidden_probs(Vk, W, c)
    B = V.shape[0]
    return (V.T @ P0 - Vk.T @ Pk) / B, np.mean(V - Vk, axis=0), np.mean(P0 - Pk, axis=0)
''',
          hint=('The chain ends on visible probabilities: the reconstruction is a visible '
               'sample.')),
    Wrong("ex7_7_cd_k", "negative minus positive: the descent direction", '''
def cd_k(V, W, b, c, k, rng):
    if k < 1:
        raise ValueError("k must be at least 1")
    P0 = rbm_hidden_probs(V, W, c)
    Vk, Pk = V, P0
    for _ in range(k):
        Hk = (rng.random(Pk.shape) < Pk).astype(Pk.dtype)
        Pv = rbm_visible_probs(Hk, W, b)
        Vk = (rng.random(Pv.shape) < Pv).astype(Pv.dtype)
        Pk = rbm_hidden_probs(Vk, W, c)
    B = V.shape[0]
    return (Vk.T @ Pk - V.T @ P0) / B, np.mean(Vk - V, axis=0), np.mean(Pk - P0, axis=0)
''',
          hint=('Your gradient has the wrong sign: it is the positive (data) statistics minus '
               'the negative (model) ones.')),
    Wrong("ex7_7_cd_k", "sums the statistics over the batch instead of averaging", '''
def cd_k(V, W, b, c, k, rng):
    if k < 1:
        raise ValueError("k must be at least 1")
    P0 = rbm_hidden_probs(V, W, c)
    Vk, Pk = V, P0
    for _ in range(k):
        Hk = (rng.random(Pk.shape) < Pk).astype(Pk.dtype)
        Pv = rbm_visible_probs(Hk, W, b)
        Vk = (rng.random(Pv.shape) < Pv).astype(Pv.dtype)
        Pk = rbm_hidden_probs(Vk, W, c)
    return V.T @ P0 - Vk.T @ Pk, np.sum(V - Vk, axis=0), np.sum(P0 - Pk, axis=0)
''',
          hint=('Your gradient grows with the batch size: average the statistics over the '
               'batch.')),

    # Exercise 7.8: train_rbm
    Wrong("ex7_8_train_rbm", "visible biases initialised to 0 instead of the clipped log-odds", '''
def train_rbm(V, n_hidden, *, epochs, lr, batch_size, k, rng):
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    V = np.asarray(V)
    dtype = V.dtype if np.issubdtype(V.dtype, np.floating) else np.float64
    V = V.astype(dtype, copy=False)
    n_samples, n_visible = V.shape
    W = rng.normal(0.0, 0.01, size=(n_visible, n_hidden)).astype(dtype)
    b = np.zeros(n_visible, dtype=dtype)
    c = np.zeros(n_hidden, dtype=dtype)
    history = {"reconstruction_error": []}
    for _ in range(epochs):
        perm = rng.permutation(n_samples)
        for start in range(0, n_samples, batch_size):
            dW, db, dc = cd_k(V[perm[start:start + batch_size]], W, b, c, k, rng)
            W += lr * dW
            b += lr * db
            c += lr * dc
        V_hat = rbm_visible_probs(rbm_hidden_probs(V, W, c), W, b)
        history["reconstruction_error"].append(float(np.mean((V - V_hat) ** 2)))
    return W, b, c, history
''',
          hint=('Your visible biases start at 0: the docstring starts them at the (clipped) '
               "log-odds of each unit's mean.")),
    Wrong("ex7_8_train_rbm", "log-odds of the column means without clipping", '''
def train_rbm(V, n_hidden, *, epochs, lr, batch_size, k, rng):
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    V = np.asarray(V)
    dtype = V.dtype if np.issubdtype(V.dtype, np.floating) else np.float64
    V = V.astype(dtype, copy=False)
    n_samples, n_visible = V.shape
    W = rng.normal(0.0, 0.01, size=(n_visible, n_hidden)).astype(dtype)
    p = V.mean(axis=0)
    b = np.log(p / (1 - p)).astype(dtype)
    c = np.zeros(n_hidden, dtype=dtype)
    history = {"reconstruction_error": []}
    for _ in range(epochs):
        perm = rng.permutation(n_samples)
        for start in range(0, n_samples, batch_size):
            dW, db, dc = cd_k(V[perm[start:start + batch_size]], W, b, c, k, rng)
            W += lr * dW
            b += lr * db
            c += lr * dc
        V_hat = rbm_visible_probs(rbm_hidden_probs(V, W, c), W, b)
        history["reconstruction_error"].append(float(np.mean((V - V_hat) ** 2)))
    return W, b, c, history
''',
          hint=('A unit that is always on or always off gives infinite starting biases: clip '
               'the means first, as the docstring says.')),
    Wrong("ex7_8_train_rbm", "no shuffling: batches in the data's own order", '''
def train_rbm(V, n_hidden, *, epochs, lr, batch_size, k, rng):
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    V = np.asarray(V)
    dtype = V.dtype if np.issubdtype(V.dtype, np.floating) else np.float64
    V = V.astype(dtype, copy=False)
    n_samples, n_visible = V.shape
    W = rng.normal(0.0, 0.01, size=(n_visible, n_hidden)).astype(dtype)
    p = np.clip(V.mean(axis=0), 0.001, 0.999)
    b = np.log(p / (1 - p)).astype(dtype)
    c = np.zeros(n_hidden, dtype=dtype)
    history = {"reconstruction_error": []}
    for _ in range(epochs):
        for start in range(0, n_samples, batch_size):
            dW, db, dc = cd_k(V[start:start + batch_size], W, b, c, k, rng)
            W += lr * dW
            b += lr * db
            c += lr * dc
        V_hat = rbm_visible_probs(rbm_hidden_probs(V, W, c), W, b)
        history["reconstruction_error"].append(float(np.mean((V - V_hat) ** 2)))
    return W, b, c, history
''',
          hint="Your batches come in the data's order: shuffle each epoch with rng."),
    Wrong("ex7_8_train_rbm", "one permutation drawn once, reused every epoch", '''
def train_rbm(V, n_hidden, *, epochs, lr, batch_size, k, rng):
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    V = np.asarray(V)
    dtype = V.dtype if np.issubdtype(V.dtype, np.floating) else np.float64
    V = V.astype(dtype, copy=False)
    n_samples, n_visible = V.shape
    W = rng.normal(0.0, 0.01, size=(n_visible, n_hidden)).astype(dtype)
    p = np.clip(V.mean(axis=0), 0.001, 0.999)
    b = np.log(p / (1 - p)).astype(dtype)
    c = np.zeros(n_hidden, dtype=dtype)
    history = {"reconstruction_error": []}
    perm = rng.permutation(n_samples)
    for _ in range(epochs):
        for start in range(0, n_samples, batch_size):
            dW, db, dc = cd_k(V[perm[start:start + batch_size]], W, b, c, k, rng)
            W += lr * dW
            b += lr * db
            c += lr * dc
        V_hat = rbm_visible_probs(rbm_hidden_probs(V, W, c), W, b)
        history["reconstruction_error"].append(float(np.mean((V - V_hat) ** 2)))
    return W, b, c, history
''',
          hint='Every epoch sees the same batches: draw a new permutation each epoch.'),
    Wrong("ex7_8_train_rbm", "gradients multiplied by the batch size (sums, not means)", '''
def train_rbm(V, n_hidden, *, epochs, lr, batch_size, k, rng):
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    V = np.asarray(V)
    dtype = V.dtype if np.issubdtype(V.dtype, np.floating) else np.float64
    V = V.astype(dtype, copy=False)
    n_samples, n_visible = V.shape
    W = rng.normal(0.0, 0.01, size=(n_visible, n_hidden)).astype(dtype)
    p = np.clip(V.mean(axis=0), 0.001, 0.999)
    b = np.log(p / (1 - p)).astype(dtype)
    c = np.zeros(n_hidden, dtype=dtype)
    history = {"reconstruction_error": []}
    for _ in range(epochs):
        perm = rng.permutation(n_samples)
        for start in range(0, n_samples, batch_size):
            rows = perm[start:start + batch_size]
            dW, db, dc = cd_k(V[rows], W, b, c, k, rng)
            W += lr * len(rows) * dW
            b += lr * len(rows) * db
            c += lr * len(rows) * dc
        V_hat = rbm_visible_probs(rbm_hidden_probs(V, W, c), W, b)
        history["reconstruction_error"].append(float(np.mean((V - V_hat) ** 2)))
    return W, b, c, history
''',
          hint='Your updates grow with the batch size: the gradients are batch means.'),
    Wrong("ex7_8_train_rbm", "reconstruction error computed from sampled hidden and visible states",
          '''
def train_rbm(V, n_hidden, *, epochs, lr, batch_size, k, rng):
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    V = np.asarray(V)
    dtype = V.dtype if np.issubdtype(V.dtype, np.floating) else np.float64
    V = V.astype(dtype, copy=False)
    n_samples, n_visible = V.shape
    W = rng.normal(0.0, 0.01, size=(n_visible, n_hidden)).astype(dtype)
    p = np.clip(V.mean(axis=0), 0.001, 0.999)
    b = np.log(p / (1 - p)).astype(dtype)
    c = np.zeros(n_hidden, dtype=dtype)
    history = {"reconstruction_error": []}
    for _ in range(epochs):
        perm = rng.permutation(n_samples)
        for start in range(0, n_samples, batch_size):
            dW, db, dc = cd_k(V[perm[start:start + batch_size]], W, b, c, k, rng)
            W += lr * dW
            b += lr * db
            c += lr * dc
        P_h = rbm_hidden_probs(V, W, c)
        H = (rng.random(P_h.shape) < P_h).astype(dtype)
        P_v = rbm_visible_probs(H, W, b)
        V_sample = (rng.random(P_v.shape) < P_v).astype(dtype)
        history["reconstruction_error"].append(float(np.mean((V - V_sample) ** 2)))
    return W, b, c, history
''',
          hint=('Your reconstruction error uses sampled states: the docstring computes it '
               'from probabilities.')),
    Wrong("ex7_8_train_rbm", "reconstruction error from sampled hidden states (another generator)",
          '''
def train_rbm(V, n_hidden, *, epochs, lr, batch_size, k, rng):
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    V = np.asarray(V)
    dtype = V.dtype if np.issubdtype(V.dtype, np.floating) else np.float64
    V = V.astype(dtype, copy=False)
    n_samples, n_visible = V.shape
    W = rng.normal(0.0, 0.01, size=(n_visible, n_hidden)).astype(dtype)
    p = np.clip(V.mean(axis=0), 0.001, 0.999)
    b = np.log(p / (1 - p)).astype(dtype)
    c = np.zeros(n_hidden, dtype=dtype)
    history = {"reconstruction_error": []}
    sampler = np.random.default_rng(0)
    for _ in range(epochs):
        perm = rng.permutation(n_samples)
        for start in range(0, n_samples, batch_size):
            dW, db, dc = cd_k(V[perm[start:start + batch_size]], W, b, c, k, rng)
            W += lr * dW
            b += lr * db
            c += lr * dc
        P_h = rbm_hidden_probs(V, W, c)
        H = (sampler.random(P_h.shape) < P_h).astype(dtype)
        history["reconstruction_error"].append(
            float(np.mean((V - rbm_visible_probs(H, W, b)) ** 2)))
    return W, b, c, history
''',
          hint=('Your reconstruction error uses sampled hidden states: the docstring computes '
               'it from probabilities.')),
    Wrong("ex7_8_train_rbm", "drops the last, smaller batch of every epoch", '''
def train_rbm(V, n_hidden, *, epochs, lr, batch_size, k, rng):
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    V = np.asarray(V)
    dtype = V.dtype if np.issubdtype(V.dtype, np.floating) else np.float64
    V = V.astype(dtype, copy=False)
    n_samples, n_visible = V.shape
    W = rng.normal(0.0, 0.01, size=(n_visible, n_hidden)).astype(dtype)
    p = np.clip(V.mean(axis=0), 0.001, 0.999)
    b = np.log(p / (1 - p)).astype(dtype)
    c = np.zeros(n_hidden, dtype=dtype)
    history = {"reconstruction_error": []}
    for _ in range(epochs):
        perm = rng.permutation(n_samples)
        for start in range(0, n_samples - batch_size + 1, batch_size):
            dW, db, dc = cd_k(V[perm[start:start + batch_size]], W, b, c, k, rng)
            W += lr * dW
            b += lr * db
            c += lr * dc
        V_hat = rbm_visible_probs(rbm_hidden_probs(V, W, c), W, b)
        history["reconstruction_error"].append(float(np.mean((V - V_hat) ** 2)))
    return W, b, c, history
''',
          hint=('The last, smaller batch of each epoch is skipped: every example counts once '
               'per epoch.')),
    Wrong("ex7_8_train_rbm", "subtracts the update (descent on the log-likelihood)", '''
def train_rbm(V, n_hidden, *, epochs, lr, batch_size, k, rng):
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    V = np.asarray(V)
    dtype = V.dtype if np.issubdtype(V.dtype, np.floating) else np.float64
    V = V.astype(dtype, copy=False)
    n_samples, n_visible = V.shape
    W = rng.normal(0.0, 0.01, size=(n_visible, n_hidden)).astype(dtype)
    p = np.clip(V.mean(axis=0), 0.001, 0.999)
    b = np.log(p / (1 - p)).astype(dtype)
    c = np.zeros(n_hidden, dtype=dtype)
    history = {"reconstruction_error": []}
    for _ in range(epochs):
        perm = rng.permutation(n_samples)
        for start in range(0, n_samples, batch_size):
            dW, db, dc = cd_k(V[perm[start:start + batch_size]], W, b, c, k, rng)
            W -= lr * dW
            b -= lr * db
            c -= lr * dc
        V_hat = rbm_visible_probs(rbm_hidden_probs(V, W, c), W, b)
        history["reconstruction_error"].append(float(np.mean((V - V_hat) ** 2)))
    return W, b, c, history
''',
          hint=('Your parameters move the wrong way: training climbs the log-likelihood, so '
               'add the gradient step.')),
    # Exercise 7.9: bm_gradient_exact
    Wrong("ex7_9_bm_gradient_exact", "keeps the diagonal: <s_i s_i> - <s_i s_i> is not zero", """
def bm_gradient_exact(S, W, b):
    states, probs = boltzmann_distribution(W, b)
    S = np.asarray(S, dtype=np.float64)
    dW = S.T @ S / len(S) - states.T @ (states * probs[:, None])
    db = S.mean(axis=0) - probs @ states
    return dW.astype(probs.dtype), db.astype(probs.dtype)
""",
          hint=('Your weight gradient has a non-zero diagonal: the machine has no '
               'self-connections, so the diagonal stays 0.')),
    Wrong("ex7_9_bm_gradient_exact", "model term as a plain mean over all states (ignores p)", """
def bm_gradient_exact(S, W, b):
    states, probs = boltzmann_distribution(W, b)
    S = np.asarray(S, dtype=np.float64)
    dW = S.T @ S / len(S) - states.T @ states / len(states)
    np.fill_diagonal(dW, 0.0)
    db = S.mean(axis=0) - states.mean(axis=0)
    return dW.astype(probs.dtype), db.astype(probs.dtype)
""",
          hint=("The model's statistics are a plain average over states: weight each state by "
               'its probability.')),
    Wrong("ex7_9_bm_gradient_exact", "products of means <s_i><s_j>, not means of products", """
def bm_gradient_exact(S, W, b):
    states, probs = boltzmann_distribution(W, b)
    S = np.asarray(S, dtype=np.float64)
    data_mean, model_mean = S.mean(axis=0), probs @ states
    dW = np.outer(data_mean, data_mean) - np.outer(model_mean, model_mean)
    np.fill_diagonal(dW, 0.0)
    return dW.astype(probs.dtype), (data_mean - model_mean).astype(probs.dtype)
""",
          hint='You multiply averages where the average of products belongs.'),
    Wrong("ex7_9_bm_gradient_exact", "model minus data: the descent direction", """
def bm_gradient_exact(S, W, b):
    states, probs = boltzmann_distribution(W, b)
    S = np.asarray(S, dtype=np.float64)
    dW = states.T @ (states * probs[:, None]) - S.T @ S / len(S)
    np.fill_diagonal(dW, 0.0)
    db = probs @ states - S.mean(axis=0)
    return dW.astype(probs.dtype), db.astype(probs.dtype)
""",
          hint=('Your gradient has the wrong sign: it is the data statistics minus the '
               "model's.")),
    Wrong("ex7_9_bm_gradient_exact", "halves dW, as if each pair were counted twice", """
def bm_gradient_exact(S, W, b):
    states, probs = boltzmann_distribution(W, b)
    S = np.asarray(S, dtype=np.float64)
    dW = 0.5 * (S.T @ S / len(S) - states.T @ (states * probs[:, None]))
    np.fill_diagonal(dW, 0.0)
    db = S.mean(axis=0) - probs @ states
    return dW.astype(probs.dtype), db.astype(probs.dtype)
""",
          hint=('Your weight gradient is half what it should be: there is no factor 1/2 in '
               'it.')),

    # Exercise 7.10: bm_gradient_gibbs
    Wrong("ex7_10_bm_gradient_gibbs", "chains start from random noise instead of the data", """
def bm_gradient_gibbs(S, W, b, *, sweeps, rng):
    if sweeps < 1:
        raise ValueError("sweeps must be at least 1")
    W = np.asarray(W)
    S = np.asarray(S, dtype=W.dtype)
    chains = (rng.random(S.shape) < 0.5).astype(W.dtype)
    for _ in range(sweeps):
        for i in range(S.shape[1]):
            chains[:, i] = rng.random(len(chains)) < gibbs_conditional(chains, i, W, b)
    dW = (S.T @ S - chains.T @ chains) / len(S)
    np.fill_diagonal(dW, 0.0)
    return dW, np.mean(S - chains, axis=0)
""",
          hint='Your chains start from noise: this exercise starts chain n at S[n].'),
    Wrong("ex7_10_bm_gradient_gibbs", "updates all units at once from the old state", """
def bm_gradient_gibbs(S, W, b, *, sweeps, rng):
    if sweeps < 1:
        raise ValueError("sweeps must be at least 1")
    W = np.asarray(W)
    S = np.asarray(S, dtype=W.dtype)
    chains = S.copy()
    for _ in range(sweeps):
        P = ch1.sigmoid(chains @ W + b)
        chains = (rng.random(P.shape) < P).astype(W.dtype)
    dW = (S.T @ S - chains.T @ chains) / len(S)
    np.fill_diagonal(dW, 0.0)
    return dW, np.mean(S - chains, axis=0)
""",
          hint=('All units are updated at once: a Gibbs sweep updates them one at a time, '
               'each seeing the new values of the others.')),
    Wrong("ex7_10_bm_gradient_gibbs", "sets units to their probabilities instead of sampling", """
def bm_gradient_gibbs(S, W, b, *, sweeps, rng):
    if sweeps < 1:
        raise ValueError("sweeps must be at least 1")
    W = np.asarray(W)
    S = np.asarray(S, dtype=W.dtype)
    chains = S.copy()
    for _ in range(sweeps):
        for i in range(S.shape[1]):
            chains[:, i] = gibbs_conditional(chains, i, W, b)
    rng.random(1)
    dW = (S.T @ S - chains.T @ chains) / len(S)
    np.fill_diagonal(dW, 0.0)
    return dW, np.mean(S - chains, axis=0)
""",
          hint='Your chains hold probabilities: each unit is sampled (0 or 1) with rng.'),
    Wrong("ex7_10_bm_gradient_gibbs", "runs one sweep too many", """
def bm_gradient_gibbs(S, W, b, *, sweeps, rng):
    if sweeps < 1:
        raise ValueError("sweeps must be at least 1")
    W = np.asarray(W)
    S = np.asarray(S, dtype=W.dtype)
    chains = S.copy()
    for _ in range(sweeps + 1):
        for i in range(S.shape[1]):
            chains[:, i] = rng.random(len(chains)) < gibbs_conditional(chains, i, W, b)
    dW = (S.T @ S - chains.T @ chains) / len(S)
    np.fill_diagonal(dW, 0.0)
    return dW, np.mean(S - chains, axis=0)
""",
          hint='Your chains run one sweep too many: count the sweeps.'),
    Wrong("ex7_10_bm_gradient_gibbs", "keeps the diagonal of dW", """
def bm_gradient_gibbs(S, W, b, *, sweeps, rng):
    if sweeps < 1:
        raise ValueError("sweeps must be at least 1")
    W = np.asarray(W)
    S = np.asarray(S, dtype=W.dtype)
    chains = S.copy()
    for _ in range(sweeps):
        for i in range(S.shape[1]):
            chains[:, i] = rng.random(len(chains)) < gibbs_conditional(chains, i, W, b)
    return (S.T @ S - chains.T @ chains) / len(S), np.mean(S - chains, axis=0)
""",
          hint=('Your weight gradient has a non-zero diagonal: the machine has no '
               'self-connections, so the diagonal stays 0.')),

    # Exercise 7.11: pcd_k
    Wrong("ex7_11_pcd_k", "restarts the negative chains at the data (that is CD-k)", """
def pcd_k(V, W, b, c, chains, k, rng):
    if k < 1:
        raise ValueError("k must be at least 1")
    dW, db, dc = cd_k(V, W, b, c, k, rng)
    return dW, db, dc, np.array(chains, dtype=V.dtype)
""",
          hint=('Your negative chains restart at the data: in persistent CD they continue '
               'from the chains you were given.')),
    Wrong("ex7_11_pcd_k", "returns the old chains instead of the advanced ones", """
def pcd_k(V, W, b, c, chains, k, rng):
    if k < 1:
        raise ValueError("k must be at least 1")
    P_data = rbm_hidden_probs(V, W, c)
    fantasy = np.asarray(chains).astype(V.dtype)
    for _ in range(k):
        P = rbm_hidden_probs(fantasy, W, c)
        hidden = (rng.random(P.shape) < P).astype(V.dtype)
        P_v = rbm_visible_probs(hidden, W, b)
        fantasy = (rng.random(P_v.shape) < P_v).astype(V.dtype)
    P_f = rbm_hidden_probs(fantasy, W, c)
    return (V.T @ P_data / len(V) - fantasy.T @ P_f / len(fantasy),
            V.mean(axis=0) - fantasy.mean(axis=0), P_data.mean(axis=0) - P_f.mean(axis=0),
            np.array(chains, dtype=V.dtype))
""",
          hint=('The chains you return are the ones you were given: return the advanced '
               'chains.')),
    Wrong("ex7_11_pcd_k", "divides the negative statistics by the batch size B instead of C", """
def pcd_k(V, W, b, c, chains, k, rng):
    if k < 1:
        raise ValueError("k must be at least 1")
    P_data = rbm_hidden_probs(V, W, c)
    fantasy = np.asarray(chains).astype(V.dtype)
    for _ in range(k):
        P = rbm_hidden_probs(fantasy, W, c)
        hidden = (rng.random(P.shape) < P).astype(V.dtype)
        P_v = rbm_visible_probs(hidden, W, b)
        fantasy = (rng.random(P_v.shape) < P_v).astype(V.dtype)
    P_f = rbm_hidden_probs(fantasy, W, c)
    B = len(V)
    return ((V.T @ P_data - fantasy.T @ P_f) / B, V.mean(axis=0) - fantasy.mean(axis=0),
            P_data.mean(axis=0) - P_f.mean(axis=0), fantasy)
""",
          hint=('The negative statistics are averaged over the wrong count: average over the '
               'chains.')),
    Wrong("ex7_11_pcd_k", "advances the chains k + 1 steps", """
def pcd_k(V, W, b, c, chains, k, rng):
    if k < 1:
        raise ValueError("k must be at least 1")
    P_data = rbm_hidden_probs(V, W, c)
    fantasy = np.asarray(chains).astype(V.dtype)
    for _ in range(k + 1):
        P = rbm_hidden_probs(fantasy, W, c)
        hidden = (rng.random(P.shape) < P).astype(V.dtype)
        P_v = rbm_visible_probs(hidden, W, b)
        fantasy = (rng.random(P_v.shape) < P_v).astype(V.dtype)
    P_f = rbm_hidden_probs(fantasy, W, c)
    return (V.T @ P_data / len(V) - fantasy.T @ P_f / len(fantasy),
            V.mean(axis=0) - fantasy.mean(axis=0), P_data.mean(axis=0) - P_f.mean(axis=0),
            fantasy)
""",
          hint='Your chains run one Gibbs step too many: count the steps.'),
    Wrong("ex7_11_pcd_k", "mean-field hidden units: the chains go down from probabilities", """
def pcd_k(V, W, b, c, chains, k, rng):
    if k < 1:
        raise ValueError("k must be at least 1")
    P_data = rbm_hidden_probs(V, W, c)
    fantasy = np.asarray(chains).astype(V.dtype)
    for _ in range(k):
        P_v = rbm_visible_probs(rbm_hidden_probs(fantasy, W, c), W, b)
        fantasy = (rng.random(P_v.shape) < P_v).astype(V.dtype)
    P_f = rbm_hidden_probs(fantasy, W, c)
    return (V.T @ P_data / len(V) - fantasy.T @ P_f / len(fantasy),
            V.mean(axis=0) - fantasy.mean(axis=0), P_data.mean(axis=0) - P_f.mean(axis=0),
            fantasy)
""",
          hint=('Inside the chains, the visible units are computed from hidden probabilities: '
               'sample the hidden states first.')),
    Wrong("ex7_11_pcd_k", "advances the chains in place, overwriting the caller's array", """
def pcd_k(V, W, b, c, chains, k, rng):
    if k < 1:
        raise ValueError("k must be at least 1")
    P_data = rbm_hidden_probs(V, W, c)
    for _ in range(k):
        P = rbm_hidden_probs(chains, W, c)
        hidden = (rng.random(P.shape) < P).astype(V.dtype)
        P_v = rbm_visible_probs(hidden, W, b)
        chains[...] = rng.random(P_v.shape) < P_v
    P_f = rbm_hidden_probs(chains, W, c)
    return (V.T @ P_data / len(V) - chains.T @ P_f / len(chains),
            V.mean(axis=0) - chains.mean(axis=0), P_data.mean(axis=0) - P_f.mean(axis=0),
            chains)
""",
          hint='Your function overwrites the chains array it was given: return new arrays.'),
    # Issue 20: boolean and integer 0/1 arrays, a negative number of sweeps, the history's
    # type.
    Wrong('ex7_8_train_rbm',
          'converts only boolean data: integer data give integer weights, all 0',
          '''
def train_rbm(V, n_hidden, *, epochs, lr, batch_size, k, rng):
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    V = np.asarray(V)
    dtype = np.float64 if V.dtype == bool else V.dtype
    V = V.astype(dtype, copy=False)
    n_samples, n_visible = V.shape
    W = rng.normal(0.0, 0.01, size=(n_visible, n_hidden)).astype(dtype)
    p = np.clip(V.mean(axis=0), 0.001, 0.999)
    b = np.log(p / (1 - p)).astype(dtype)
    c = np.zeros(n_hidden, dtype=dtype)
    history = {"reconstruction_error": []}
    for _ in range(epochs):
        perm = rng.permutation(n_samples)
        for start in range(0, n_samples, batch_size):
            dW, db, dc = cd_k(V[perm[start:start + batch_size]], W, b, c, k, rng)
            W += lr * dW
            b += lr * db
            c += lr * dc
        V_hat = rbm_visible_probs(rbm_hidden_probs(V, W, c), W, b)
        history["reconstruction_error"].append(float(np.mean((V - V_hat) ** 2)))
    return W, b, c, history
''',
          hint=('Integer training data give integer parameters: convert non-float data to '
               'float64, as the docstring says.')),
    Wrong('ex7_8_train_rbm',
          'records np.mean of the squared errors, a NumPy float, not a Python float',
          '''
def train_rbm(V, n_hidden, *, epochs, lr, batch_size, k, rng):
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    V = np.asarray(V)
    dtype = V.dtype if np.issubdtype(V.dtype, np.floating) else np.float64
    V = V.astype(dtype, copy=False)
    n_samples, n_visible = V.shape
    W = rng.normal(0.0, 0.01, size=(n_visible, n_hidden)).astype(dtype)
    p = np.clip(V.mean(axis=0), 0.001, 0.999)
    b = np.log(p / (1 - p)).astype(dtype)
    c = np.zeros(n_hidden, dtype=dtype)
    history = {"reconstruction_error": []}
    for _ in range(epochs):
        perm = rng.permutation(n_samples)
        for start in range(0, n_samples, batch_size):
            dW, db, dc = cd_k(V[perm[start:start + batch_size]], W, b, c, k, rng)
            W += lr * dW
            b += lr * db
            c += lr * dc
        V_hat = rbm_visible_probs(rbm_hidden_probs(V, W, c), W, b)
        history["reconstruction_error"].append(np.mean((V - V_hat) ** 2))
    return W, b, c, history
''',
          hint=('The errors in your history are NumPy floats: the docstring promises Python '
               'floats.')),
    Wrong('ex7_9_bm_gradient_exact',
          'counts pairs with S.T @ S, a logical OR for boolean S',
          '''
def bm_gradient_exact(S, W, b):
    states, probs = boltzmann_distribution(W, b)
    weighted = states * probs[:, None]
    dW = (S.T @ S).astype(W.dtype) / len(S) - states.T @ weighted
    db = S.mean(axis=0) - weighted.sum(axis=0)
    np.fill_diagonal(dW, 0.0)
    return dW.astype(W.dtype), db.astype(W.dtype)
''',
          hint=('For boolean S, your pair counts come out as logical values: convert S to '
               'numbers first.')),
    Wrong('ex7_9_bm_gradient_exact',
          'converts only boolean S: integer S give float64 gradients for float32 weights',
          '''
def bm_gradient_exact(S, W, b):
    if S.dtype == bool:
        S = S.astype(W.dtype)
    states, probs = boltzmann_distribution(W, b)
    states = states.astype(W.dtype)
    weighted = states * probs[:, None].astype(W.dtype)
    dW = S.T @ S / len(S) - states.T @ weighted
    np.fill_diagonal(dW, 0.0)
    return dW, S.mean(axis=0) - weighted.sum(axis=0)
''',
          hint=("Integer states give float64 gradients for float32 weights: convert S to W's "
               'dtype.')),
    Wrong('ex7_10_bm_gradient_gibbs',
          'refuses sweeps = 0 but not a negative number of sweeps',
          '''
def bm_gradient_gibbs(S, W, b, *, sweeps, rng):
    if sweeps == 0:
        raise ValueError("sweeps must be at least 1")
    S = np.asarray(S, dtype=W.dtype)
    chains = S.copy()
    for _ in range(sweeps):
        for i in range(S.shape[1]):
            chains[:, i] = rng.random(len(chains)) < gibbs_conditional(chains, i, W, b)
    dW = (S.T @ S - chains.T @ chains) / len(S)
    np.fill_diagonal(dW, 0.0)
    return dW.astype(W.dtype), np.mean(S - chains, axis=0).astype(W.dtype)
''',
          hint=('A negative number of sweeps is accepted: raise ValueError unless sweeps is '
               'at least 1.')),
    Wrong('ex7_11_pcd_k',
          'advances the chains in their own dtype: boolean chains come back boolean',
          '''
def pcd_k(V, W, b, c, chains, k, rng):
    if k < 1:
        raise ValueError("k must be at least 1")
    P_data = rbm_hidden_probs(V, W, c)
    fantasy = np.array(chains)
    for _ in range(k):
        P_fantasy = rbm_hidden_probs(fantasy, W, c)
        hidden = (rng.random(P_fantasy.shape) < P_fantasy).astype(V.dtype)
        P_visible = rbm_visible_probs(hidden, W, b)
        fantasy = (rng.random(P_visible.shape) < P_visible).astype(fantasy.dtype)
    P_fantasy = rbm_hidden_probs(fantasy, W, c)
    dW = V.T @ P_data / len(V) - fantasy.T @ P_fantasy / len(fantasy)
    db = V.mean(axis=0) - fantasy.mean(axis=0)
    dc = P_data.mean(axis=0) - P_fantasy.mean(axis=0)
    return dW.astype(V.dtype), db.astype(V.dtype), dc.astype(V.dtype), fantasy
''',
          hint=("Boolean chains come back boolean: the chains you return should be in V's "
               'dtype.')),
    Wrong('ex7_8_train_rbm',
          'never checks batch_size: a negative size trains on no batch at all',
          '''
def train_rbm(V, n_hidden, *, epochs, lr, batch_size, k, rng):
    V = np.asarray(V)
    dtype = V.dtype if np.issubdtype(V.dtype, np.floating) else np.float64
    V = V.astype(dtype, copy=False)
    n_samples, n_visible = V.shape
    W = rng.normal(0.0, 0.01, size=(n_visible, n_hidden)).astype(dtype)
    p = np.clip(V.mean(axis=0), 0.001, 0.999)
    b = np.log(p / (1 - p)).astype(dtype)
    c = np.zeros(n_hidden, dtype=dtype)
    history = {"reconstruction_error": []}
    for _ in range(epochs):
        perm = rng.permutation(n_samples)
        for start in range(0, n_samples, batch_size):
            dW, db, dc = cd_k(V[perm[start:start + batch_size]], W, b, c, k, rng)
            W += lr * dW
            b += lr * db
            c += lr * dc
        V_hat = rbm_visible_probs(rbm_hidden_probs(V, W, c), W, b)
        history["reconstruction_error"].append(float(np.mean((V - V_hat) ** 2)))
    return W, b, c, history
''',
          hint='A batch size below 1 is accepted: raise ValueError as the docstring says.'),
    Wrong('ex7_2_boltzmann_distribution',
          "casts the probabilities to W's dtype: integer weights give integer probabilities",
          '''
def boltzmann_distribution(W, b):
    n = len(b)
    if n > 16:
        raise ValueError("enumerate at most 16 units")
    k = np.arange(2**n)[:, None]
    states = ((k >> np.arange(n - 1, -1, -1)) & 1).astype(np.float64)
    probs = ch3.softmax(-energy(states, W, b))
    return states, probs.astype(np.asarray(W).dtype)
''',
          hint=('Integer weights give integer probabilities: the docstring promises float64 '
               'probabilities for integer weights.')),
]
