"""Chapter 9: classic mistakes in convolution and pooling, each rejected by its exercise's tests.

The reference caches are `(X, K, cols, stride, padding)` for a convolution, `(X, size)` for a
pooling and `(conv1, Z1, pool1, conv2, Z2, pool2, pooled_shape, flat)` for the network, so a
wrong backward pass below reads the cache of the reference forward pass.
"""

from autograder.mistakes import Wrong

CHAPTER = "09_convolution"

_IM2COL_HEAD = '''
def im2col(X, kh, kw, *, stride=1, padding=0):
    if stride < 1 or padding < 0:
        raise ValueError("bad stride or padding")
    B, H, W, C = X.shape
    if kh > H + 2 * padding or kw > W + 2 * padding:
        raise ValueError("the kernel does not fit")
'''

_CONV_BACKWARD_HEAD = '''
def conv2d_backward(dY, cache):
    X, K, cols, stride, padding = cache
    kh, kw, c_in, c_out = K.shape
    B, H, W, _ = X.shape
    Ho, Wo = dY.shape[1], dY.shape[2]
    dY_mat = dY.reshape(-1, c_out)
'''

_POOL_BACKWARD_HEAD = '''
def maxpool2d_backward(dY, cache):
    X, q = cache
    B, H, W, C = X.shape
    Ho, Wo = H // q, W // q
    blocks = X[:, :Ho * q, :Wo * q, :].reshape(B, Ho, q, Wo, q, C)
'''

_CNN_BACKWARD_HEAD = '''
def cnn_loss_and_grads(params, X, y):
    logits, (c1, Z1, p1, c2, Z2, p2, shape, flat) = cnn_forward(X, params)
    loss = ch3.softmax_cross_entropy(logits, y)
    dlogits = ch3.softmax_cross_entropy_grad(logits, y)
'''

WRONG = [
    # Exercise 9.1: im2col
    Wrong("ex9_1_im2col", "flattens each window channel first, not in the kernel's (u, v, c) order",
          _IM2COL_HEAD + '''
    Ho, Wo = (H + 2 * padding - kh) // stride + 1, (W + 2 * padding - kw) // stride + 1
    Xp = np.pad(X, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    out = np.empty((B, Ho, Wo, C, kh, kw), dtype=X.dtype)
    for u in range(kh):
        for v in range(kw):
            out[:, :, :, :, u, v] = Xp[:, u:u + stride * Ho:stride, v:v + stride * Wo:stride, :]
    return out.reshape(B, Ho, Wo, -1)
''',
          hint=("Each window's entries are in the wrong order: the docstring flattens in "
               '(row, column, channel) order.')),
    Wrong("ex9_1_im2col", "pads the batch and channel axes too (np.pad with a single number)",
          _IM2COL_HEAD + '''
    Xp = np.pad(X, padding)
    B, Hp, Wp, Cp = Xp.shape
    Ho, Wo = (Hp - kh) // stride + 1, (Wp - kw) // stride + 1
    out = np.empty((B, Ho, Wo, kh, kw, Cp), dtype=X.dtype)
    for u in range(kh):
        for v in range(kw):
            out[:, :, :, u, v, :] = Xp[:, u:u + stride * Ho:stride, v:v + stride * Wo:stride, :]
    return out.reshape(B, Ho, Wo, -1)
''',
          hint=('Your padding also pads the batch and channel axes: pad only the height and '
               'width.')),
    Wrong("ex9_1_im2col", "counts (H + 2p - k + 1) // s windows: one too few with stride 2",
          _IM2COL_HEAD + '''
    Ho, Wo = (H + 2 * padding - kh + 1) // stride, (W + 2 * padding - kw + 1) // stride
    Xp = np.pad(X, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    out = np.empty((B, Ho, Wo, kh, kw, C), dtype=X.dtype)
    for u in range(kh):
        for v in range(kw):
            out[:, :, :, u, v, :] = Xp[:, u:u + stride * Ho:stride, v:v + stride * Wo:stride, :]
    return out.reshape(B, Ho, Wo, -1)
''',
          hint=('With a stride above 1 you get too few windows: check the output-size formula '
               'in the notes.')),
    Wrong("ex9_1_im2col", "fills a float64 array, so float32 images give float64 windows",
          _IM2COL_HEAD + '''
    Ho, Wo = (H + 2 * padding - kh) // stride + 1, (W + 2 * padding - kw) // stride + 1
    Xp = np.pad(X, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    out = np.zeros((B, Ho, Wo, kh, kw, C))
    for u in range(kh):
        for v in range(kw):
            out[:, :, :, u, v, :] = Xp[:, u:u + stride * Ho:stride, v:v + stride * Wo:stride, :]
    return out.reshape(B, Ho, Wo, -1)
''',
          hint=('Float32 images give float64 windows: the array you fill is float64; give it '
               "X's dtype.")),
    Wrong("ex9_1_im2col", "never checks that the kernel fits the padded image (no ValueError)",
          '''
def im2col(X, kh, kw, *, stride=1, padding=0):
    if stride < 1 or padding < 0:
        raise ValueError("bad stride or padding")
    B, H, W, C = X.shape
    Ho, Wo = (H + 2 * padding - kh) // stride + 1, (W + 2 * padding - kw) // stride + 1
    Xp = np.pad(X, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    out = np.empty((B, max(Ho, 0), max(Wo, 0), kh, kw, C), dtype=X.dtype)
    for u in range(kh):
        for v in range(kw):
            out[:, :, :, u, v, :] = Xp[:, u:u + stride * Ho:stride, v:v + stride * Wo:stride, :]
    return out.reshape(B, max(Ho, 0), max(Wo, 0), kh * kw * C)
''',
          hint=('A kernel larger than the padded image is accepted: raise ValueError as the '
               'docstring says.')),
    Wrong("ex9_1_im2col", "reads X as NCHW (B, C, H, W) instead of NHWC",
          '''
def im2col(X, kh, kw, *, stride=1, padding=0):
    if stride < 1 or padding < 0:
        raise ValueError("bad stride or padding")
    B, C, H, W = X.shape
    if kh > H + 2 * padding or kw > W + 2 * padding:
        raise ValueError("the kernel does not fit")
    Ho, Wo = (H + 2 * padding - kh) // stride + 1, (W + 2 * padding - kw) // stride + 1
    Xp = np.pad(X, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    out = np.empty((B, Ho, Wo, kh, kw, C), dtype=X.dtype)
    for u in range(kh):
        for v in range(kw):
            out[:, :, :, u, v, :] = Xp[:, :, u:u + stride * Ho:stride,
                                       v:v + stride * Wo:stride].transpose(0, 2, 3, 1)
    return out.reshape(B, Ho, Wo, -1)
''',
          hint=("You read the axes as channels-first: the course's images are channels last, "
               '(B, H, W, C).')),
    # Exercise 9.2: conv2d_forward
    Wrong("ex9_2_conv2d_forward", "flips the kernel: a true convolution, not the cross-correlation",
          '''
def conv2d_forward(X, K, b, *, stride=1, padding=0):
    kh, kw, c_in, c_out = K.shape
    if X.shape[-1] != c_in:
        raise ValueError("channels differ")
    cols = im2col(X, kh, kw, stride=stride, padding=padding)
    return cols @ K[::-1, ::-1].reshape(-1, c_out) + b, (X, K, cols, stride, padding)
''',
          hint=('Your kernel is flipped: this layer computes a cross-correlation, as Keras '
               'does.')),
    Wrong("ex9_2_conv2d_forward",
          "reshapes the kernel channel first, unlike im2col's (u, v, c) rows",
          '''
def conv2d_forward(X, K, b, *, stride=1, padding=0):
    kh, kw, c_in, c_out = K.shape
    if X.shape[-1] != c_in:
        raise ValueError("channels differ")
    cols = im2col(X, kh, kw, stride=stride, padding=padding)
    return cols @ K.transpose(2, 0, 1, 3).reshape(-1, c_out) + b, (X, K, cols, stride, padding)
''',
          hint=("Your kernel's entries are flattened in a different order from im2col's "
               'windows: use the same (row, column, channel) order.')),
    Wrong("ex9_2_conv2d_forward",
          "swaps rows and columns of the image (passes square, symmetric cases)",
          '''
def conv2d_forward(X, K, b, *, stride=1, padding=0):
    kh, kw, c_in, c_out = K.shape
    if X.shape[-1] != c_in:
        raise ValueError("channels differ")
    cols = im2col(X.transpose(0, 2, 1, 3), kh, kw, stride=stride, padding=padding)
    Y = (cols @ K.reshape(-1, c_out) + b).transpose(0, 2, 1, 3)
    return Y, (X, K, im2col(X, kh, kw, stride=stride, padding=padding), stride, padding)
''',
          hint=('Rows and columns are swapped somewhere: check your axes on a non-square '
               'image.')),
    Wrong("ex9_2_conv2d_forward", "forgets the bias",
          '''
def conv2d_forward(X, K, b, *, stride=1, padding=0):
    kh, kw, c_in, c_out = K.shape
    if X.shape[-1] != c_in:
        raise ValueError("channels differ")
    cols = im2col(X, kh, kw, stride=stride, padding=padding)
    return cols @ K.reshape(-1, c_out), (X, K, cols, stride, padding)
''',
          hint='The bias b has no effect on your output.'),
    Wrong("ex9_2_conv2d_forward", "ignores the stride (always stride 1)",
          '''
def conv2d_forward(X, K, b, *, stride=1, padding=0):
    kh, kw, c_in, c_out = K.shape
    if X.shape[-1] != c_in:
        raise ValueError("channels differ")
    cols = im2col(X, kh, kw, padding=padding)
    return cols @ K.reshape(-1, c_out) + b, (X, K, cols, 1, padding)
''',
          hint='The stride argument has no effect: pass it on to the window extraction.'),
    Wrong("ex9_2_conv2d_forward", "computes in float64, so float32 layers return float64",
          '''
def conv2d_forward(X, K, b, *, stride=1, padding=0):
    kh, kw, c_in, c_out = K.shape
    if X.shape[-1] != c_in:
        raise ValueError("channels differ")
    cols = im2col(X.astype(np.float64), kh, kw, stride=stride, padding=padding)
    return cols @ K.reshape(-1, c_out) + b, (X, K, cols, stride, padding)
''',
          hint="Float32 inputs give float64 outputs: keep the inputs' dtype."),
    # Exercise 9.3: conv2d_backward
    Wrong("ex9_3_conv2d_backward",
          "dK from dY^T @ windows: the transposed product, wrongly reshaped",
          _CONV_BACKWARD_HEAD + '''
    dK = (dY_mat.T @ cols.reshape(len(dY_mat), -1)).reshape(K.shape)
    dcols = (dY_mat @ K.reshape(-1, c_out).T).reshape(B, Ho, Wo, kh, kw, c_in)
    dXp = np.zeros((B, H + 2 * padding, W + 2 * padding, c_in), dtype=dY.dtype)
    for u in range(kh):
        for v in range(kw):
            dXp[:, u:u + stride * Ho:stride, v:v + stride * Wo:stride, :] += dcols[:, :, :, u, v]
    return dXp[:, padding:padding + H, padding:padding + W], dK, dY.sum(axis=(0, 1, 2))
''',
          hint=("Your kernel gradient's entries are misplaced: compare the shape of your "
               "product with the kernel's before reshaping.")),
    Wrong("ex9_3_conv2d_backward",
          "dX with the kernel flipped once more (a correlation, not a convolution)",
          _CONV_BACKWARD_HEAD + '''
    dK = (cols.reshape(len(dY_mat), -1).T @ dY_mat).reshape(K.shape)
    dcols = (dY_mat @ K[::-1, ::-1].reshape(-1, c_out).T).reshape(B, Ho, Wo, kh, kw, c_in)
    dXp = np.zeros((B, H + 2 * padding, W + 2 * padding, c_in), dtype=dY.dtype)
    for u in range(kh):
        for v in range(kw):
            dXp[:, u:u + stride * Ho:stride, v:v + stride * Wo:stride, :] += dcols[:, :, :, u, v]
    return dXp[:, padding:padding + H, padding:padding + W], dK, dY.sum(axis=(0, 1, 2))
''',
          hint=("Your input gradient uses the kernel flipped: check how each window's "
               'gradient is sent back to the pixels it came from.')),
    Wrong("ex9_3_conv2d_backward", "db sums over the batch only, not over the positions",
          _CONV_BACKWARD_HEAD + '''
    dK = (cols.reshape(len(dY_mat), -1).T @ dY_mat).reshape(K.shape)
    dcols = (dY_mat @ K.reshape(-1, c_out).T).reshape(B, Ho, Wo, kh, kw, c_in)
    dXp = np.zeros((B, H + 2 * padding, W + 2 * padding, c_in), dtype=dY.dtype)
    for u in range(kh):
        for v in range(kw):
            dXp[:, u:u + stride * Ho:stride, v:v + stride * Wo:stride, :] += dcols[:, :, :, u, v]
    return dXp[:, padding:padding + H, padding:padding + W], dK, dY.sum(axis=0)
''',
          hint=('Your bias gradient misses the sum over output positions: each bias is used '
               'at every position.')),
    Wrong("ex9_3_conv2d_backward", "db and dK averaged over the batch (divides by B again)",
          _CONV_BACKWARD_HEAD + '''
    dK = (cols.reshape(len(dY_mat), -1).T @ dY_mat).reshape(K.shape) / B
    dcols = (dY_mat @ K.reshape(-1, c_out).T).reshape(B, Ho, Wo, kh, kw, c_in)
    dXp = np.zeros((B, H + 2 * padding, W + 2 * padding, c_in), dtype=dY.dtype)
    for u in range(kh):
        for v in range(kw):
            dXp[:, u:u + stride * Ho:stride, v:v + stride * Wo:stride, :] += dcols[:, :, :, u, v]
    return dXp[:, padding:padding + H, padding:padding + W], dK, dY.sum(axis=(0, 1, 2)) / B
''',
          hint=('Your kernel and bias gradients are B times too small: dY already holds the '
               "batch mean's 1/B.")),
    Wrong("ex9_3_conv2d_backward",
          "overlapping windows overwrite each other's dX (= instead of +=)",
          _CONV_BACKWARD_HEAD + '''
    dK = (cols.reshape(len(dY_mat), -1).T @ dY_mat).reshape(K.shape)
    dcols = (dY_mat @ K.reshape(-1, c_out).T).reshape(B, Ho, Wo, kh, kw, c_in)
    dXp = np.zeros((B, H + 2 * padding, W + 2 * padding, c_in), dtype=dY.dtype)
    for u in range(kh):
        for v in range(kw):
            dXp[:, u:u + stride * Ho:stride, v:v + stride * Wo:stride, :] = dcols[:, :, :, u, v]
    return dXp[:, padding:padding + H, padding:padding + W], dK, dY.sum(axis=(0, 1, 2))
''',
          hint=('Where windows overlap, later windows overwrite the input gradient: the '
               'contributions must add up.')),
    Wrong("ex9_3_conv2d_backward", "keeps the padding's rows and columns in dX",
          _CONV_BACKWARD_HEAD + '''
    dK = (cols.reshape(len(dY_mat), -1).T @ dY_mat).reshape(K.shape)
    dcols = (dY_mat @ K.reshape(-1, c_out).T).reshape(B, Ho, Wo, kh, kw, c_in)
    dXp = np.zeros((B, H + 2 * padding, W + 2 * padding, c_in), dtype=dY.dtype)
    for u in range(kh):
        for v in range(kw):
            dXp[:, u:u + stride * Ho:stride, v:v + stride * Wo:stride, :] += dcols[:, :, :, u, v]
    return dXp, dK, dY.sum(axis=(0, 1, 2))
''',
          hint="Your input gradient includes the padding: dX must have X's shape."),
    Wrong("ex9_3_conv2d_backward",
          "dK sums over the wrong axes: the kernel's channels, not the positions",
          _CONV_BACKWARD_HEAD + '''
    dK = np.einsum("nijp,nijo->po", cols, dY).reshape(K.shape).sum(axis=2, keepdims=True)
    dK = np.broadcast_to(dK, K.shape).copy()
    dcols = (dY_mat @ K.reshape(-1, c_out).T).reshape(B, Ho, Wo, kh, kw, c_in)
    dXp = np.zeros((B, H + 2 * padding, W + 2 * padding, c_in), dtype=dY.dtype)
    for u in range(kh):
        for v in range(kw):
            dXp[:, u:u + stride * Ho:stride, v:v + stride * Wo:stride, :] += dcols[:, :, :, u, v]
    return dXp[:, padding:padding + H, padding:padding + W], dK, dY.sum(axis=(0, 1, 2))
''',
          hint=('Your kernel gradient sums over the wrong axes: it sums over the batch and '
               'the output positions.')),
    # Exercise 9.4: maxpool2d_forward
    Wrong("ex9_4_maxpool2d_forward",
          "reshapes to (B, H/q, W/q, q, q, C): windows of mixed-up pixels",
          '''
def maxpool2d_forward(X, *, size=2):
    B, H, W, C = X.shape
    Ho, Wo = H // size, W // size
    blocks = X[:, :Ho * size, :Wo * size, :].reshape(B, Ho, Wo, size, size, C)
    return blocks.max(axis=(3, 4)), (X, size)
''',
          hint=('Your windows mix pixels from different places: check the axes of your '
               "reshape against the image's layout.")),
    Wrong("ex9_4_maxpool2d_forward", "keeps partial windows at ragged edges (rounds the size up)",
          '''
def maxpool2d_forward(X, *, size=2):
    B, H, W, C = X.shape
    Ho, Wo = -(-H // size), -(-W // size)
    padded = np.full((B, Ho * size, Wo * size, C), -np.inf, dtype=X.dtype)
    padded[:, :H, :W, :] = X
    return padded.reshape(B, Ho, size, Wo, size, C).max(axis=(2, 4)), (X, size)
''',
          hint=('Partial windows at the edges are pooled: the docstring drops rows and '
               'columns that do not fill a window.')),
    Wrong("ex9_4_maxpool2d_forward", "averages each window (average pooling)",
          '''
def maxpool2d_forward(X, *, size=2):
    B, H, W, C = X.shape
    Ho, Wo = H // size, W // size
    blocks = X[:, :Ho * size, :Wo * size, :].reshape(B, Ho, size, Wo, size, C)
    return blocks.mean(axis=(2, 4)), (X, size)
''',
          hint='You average each window: max pooling takes the largest value.'),
    Wrong("ex9_4_maxpool2d_forward", "takes the maximum over the channels as well",
          '''
def maxpool2d_forward(X, *, size=2):
    B, H, W, C = X.shape
    Ho, Wo = H // size, W // size
    blocks = X[:, :Ho * size, :Wo * size, :].reshape(B, Ho, size, Wo, size, C)
    pooled = blocks.max(axis=(2, 4, 5), keepdims=True)[:, :, 0, :, 0, :]
    return np.broadcast_to(pooled, (B, Ho, Wo, C)).copy(), (X, size)
''',
          hint='Your maximum runs over the channels too: pool each channel separately.'),
    Wrong("ex9_4_maxpool2d_forward", "slides the window one pixel at a time (stride 1, not size)",
          '''
def maxpool2d_forward(X, *, size=2):
    windows = np.lib.stride_tricks.sliding_window_view(X, (size, size), axis=(1, 2))
    return windows.max(axis=(-2, -1)), (X, size)
''',
          hint='Your windows overlap: the stride equals the window size.'),
    # Exercise 9.5: maxpool2d_backward
    Wrong("ex9_5_maxpool2d_backward", "sends the whole gradient to every tied maximum (X == max)",
          _POOL_BACKWARD_HEAD + '''
    mask = blocks == blocks.max(axis=(2, 4), keepdims=True)
    routed = mask * dY[:, :, None, :, None, :]
    dX = np.zeros(X.shape, dtype=dY.dtype)
    dX[:, :Ho * q, :Wo * q, :] = routed.reshape(B, Ho * q, Wo * q, C)
    return dX
''',
          hint=('Where a window has several equal maxima, each gets the whole gradient: the '
               "docstring's rule for ties sends it to one of them.")),
    Wrong("ex9_5_maxpool2d_backward", "splits the gradient equally among tied maxima",
          _POOL_BACKWARD_HEAD + '''
    mask = blocks == blocks.max(axis=(2, 4), keepdims=True)
    share = mask / mask.sum(axis=(2, 4), keepdims=True)
    routed = share * dY[:, :, None, :, None, :]
    dX = np.zeros(X.shape, dtype=dY.dtype)
    dX[:, :Ho * q, :Wo * q, :] = routed.reshape(B, Ho * q, Wo * q, C)
    return dX.astype(dY.dtype)
''',
          hint=('Where a window has several equal maxima, you split the gradient: the '
               "docstring's rule for ties sends it to one of them.")),
    Wrong("ex9_5_maxpool2d_backward", "sends the gradient to the last of the tied maxima",
          _POOL_BACKWARD_HEAD + '''
    flat = blocks.transpose(0, 1, 3, 5, 2, 4).reshape(B, Ho, Wo, C, q * q)
    last = q * q - 1 - np.argmax(flat[..., ::-1], axis=-1)
    routed = (np.arange(q * q) == last[..., None]) * dY[..., None]
    routed = routed.reshape(B, Ho, Wo, C, q, q).transpose(0, 1, 4, 2, 5, 3)
    dX = np.zeros(X.shape, dtype=dY.dtype)
    dX[:, :Ho * q, :Wo * q, :] = routed.reshape(B, Ho * q, Wo * q, C)
    return dX
''',
          hint=("Ties go to the wrong maximum: check the docstring's rule for which of the "
               'tied entries receives the gradient.')),
    Wrong("ex9_5_maxpool2d_backward", "picks the first maximum in column-major order",
          _POOL_BACKWARD_HEAD + '''
    flat = blocks.transpose(0, 1, 3, 5, 4, 2).reshape(B, Ho, Wo, C, q * q)
    first = np.argmax(flat, axis=-1)
    routed = (np.arange(q * q) == first[..., None]) * dY[..., None]
    routed = routed.reshape(B, Ho, Wo, C, q, q).transpose(0, 1, 5, 2, 4, 3)
    dX = np.zeros(X.shape, dtype=dY.dtype)
    dX[:, :Ho * q, :Wo * q, :] = routed.reshape(B, Ho * q, Wo * q, C)
    return dX
''',
          hint=("Ties go to the wrong maximum: check the order in which the docstring's rule "
               'scans a window.')),
    Wrong("ex9_5_maxpool2d_backward", "returns dX without the dropped ragged rows and columns",
          _POOL_BACKWARD_HEAD + '''
    flat = blocks.transpose(0, 1, 3, 5, 2, 4).reshape(B, Ho, Wo, C, q * q)
    first = np.argmax(flat, axis=-1)
    routed = (np.arange(q * q) == first[..., None]) * dY[..., None]
    routed = routed.reshape(B, Ho, Wo, C, q, q).transpose(0, 1, 4, 2, 5, 3)
    return routed.reshape(B, Ho * q, Wo * q, C).astype(dY.dtype)
''',
          hint=('Your input gradient is smaller than X when the size does not divide it: dX '
               "has X's shape, with zeros where pixels were dropped.")),
    # Exercise 9.6: cnn_forward
    Wrong("ex9_6_cnn_forward", "leaves out the ReLUs",
          '''
def cnn_forward(X, params):
    (K1, b1), (K2, b2), (W3, b3) = params
    Z1, c1 = conv2d_forward(X, K1, b1, padding=2)
    P1, p1 = maxpool2d_forward(Z1)
    Z2, c2 = conv2d_forward(P1, K2, b2, padding=1)
    P2, p2 = maxpool2d_forward(Z2)
    flat = P2.reshape(len(X), -1)
    return flat @ W3 + b3, (c1, Z1, p1, c2, Z2, p2, P2.shape, flat)
''',
          hint=("No ReLU is applied after the convolutions: check the network's layers in the "
               'notes.')),
    Wrong("ex9_6_cnn_forward", "flattens in NCHW order (channels first), not NHWC",
          '''
def cnn_forward(X, params):
    (K1, b1), (K2, b2), (W3, b3) = params
    Z1, c1 = conv2d_forward(X, K1, b1, padding=2)
    P1, p1 = maxpool2d_forward(np.maximum(Z1, 0))
    Z2, c2 = conv2d_forward(P1, K2, b2, padding=1)
    P2, p2 = maxpool2d_forward(np.maximum(Z2, 0))
    flat = P2.transpose(0, 3, 1, 2).reshape(len(X), -1)
    return flat @ W3 + b3, (c1, Z1, p1, c2, Z2, p2, P2.shape, flat)
''',
          hint=('The feature maps are flattened channels first: flatten them in their own '
               '(height, width, channel) order.')),
    Wrong("ex9_6_cnn_forward", "applies a ReLU to the logits too",
          '''
def cnn_forward(X, params):
    (K1, b1), (K2, b2), (W3, b3) = params
    Z1, c1 = conv2d_forward(X, K1, b1, padding=2)
    P1, p1 = maxpool2d_forward(np.maximum(Z1, 0))
    Z2, c2 = conv2d_forward(P1, K2, b2, padding=1)
    P2, p2 = maxpool2d_forward(np.maximum(Z2, 0))
    flat = P2.reshape(len(X), -1)
    return np.maximum(flat @ W3 + b3, 0), (c1, Z1, p1, c2, Z2, p2, P2.shape, flat)
''',
          hint='The logits go through a ReLU: the last layer has none.'),
    Wrong("ex9_6_cnn_forward", "swaps the paddings (1 for the 5x5 kernel, 2 for the 3x3)",
          '''
def cnn_forward(X, params):
    (K1, b1), (K2, b2), (W3, b3) = params
    Z1, c1 = conv2d_forward(X, K1, b1, padding=1)
    P1, p1 = maxpool2d_forward(np.maximum(Z1, 0))
    Z2, c2 = conv2d_forward(P1, K2, b2, padding=2)
    P2, p2 = maxpool2d_forward(np.maximum(Z2, 0))
    flat = P2.reshape(len(X), -1)
    return flat @ W3 + b3, (c1, Z1, p1, c2, Z2, p2, P2.shape, flat)
''',
          hint=('The paddings of the two convolutions are swapped: check which padding keeps '
               "each layer's size.")),
    # Exercise 9.7: cnn_loss_and_grads
    Wrong("ex9_7_cnn_loss_and_grads", "skips the ReLUs' backward passes",
          _CNN_BACKWARD_HEAD + '''
    dflat, dW3, db3 = ch5.dense_backward(dlogits, flat, params[2][0])
    dP1, dK2, db2 = conv2d_backward(maxpool2d_backward(dflat.reshape(shape), p2), c2)
    _, dK1, db1 = conv2d_backward(maxpool2d_backward(dP1, p1), c1)
    return loss, [(dK1, db1), (dK2, db2), (dW3, db3)]
''',
          hint='Your gradient skips the ReLUs: each one masks the gradient on its way back.'),
    Wrong("ex9_7_cnn_loss_and_grads",
          "spreads each pooled gradient over its whole window (np.kron)",
          _CNN_BACKWARD_HEAD + '''
    dflat, dW3, db3 = ch5.dense_backward(dlogits, flat, params[2][0])
    spread = np.ones((1, 2, 2, 1), dtype=dflat.dtype)
    dZ2 = ch5.relu_backward(np.kron(dflat.reshape(shape), spread), Z2)
    dP1, dK2, db2 = conv2d_backward(dZ2, c2)
    _, dK1, db1 = conv2d_backward(ch5.relu_backward(np.kron(dP1, spread), Z1), c1)
    return loss, [(dK1, db1), (dK2, db2), (dW3, db3)]
''',
          hint=("The pooling's gradient goes to every pixel of a window: it goes to the "
               "maximum only (use the chapter's maxpool2d_backward).")),
    Wrong("ex9_7_cnn_loss_and_grads", "gradient of the summed loss: forgets the 1/B of the mean",
          _CNN_BACKWARD_HEAD + '''
    dflat, dW3, db3 = ch5.dense_backward(dlogits * len(y), flat, params[2][0])
    dZ2 = ch5.relu_backward(maxpool2d_backward(dflat.reshape(shape), p2), Z2)
    dP1, dK2, db2 = conv2d_backward(dZ2, c2)
    _, dK1, db1 = conv2d_backward(ch5.relu_backward(maxpool2d_backward(dP1, p1), Z1), c1)
    return loss, [(dK1, db1), (dK2, db2), (dW3, db3)]
''',
          hint='Your gradients are B times too large: the loss is a mean over the batch.'),
    Wrong("ex9_7_cnn_loss_and_grads", "returns the gradients in backward order (dense layer first)",
          _CNN_BACKWARD_HEAD + '''
    dflat, dW3, db3 = ch5.dense_backward(dlogits, flat, params[2][0])
    dZ2 = ch5.relu_backward(maxpool2d_backward(dflat.reshape(shape), p2), Z2)
    dP1, dK2, db2 = conv2d_backward(dZ2, c2)
    _, dK1, db1 = conv2d_backward(ch5.relu_backward(maxpool2d_backward(dP1, p1), Z1), c1)
    return loss, [(dW3, db3), (dK2, db2), (dK1, db1)]
''',
          hint=('Your gradients come back in reverse order: return them in the order of '
               'params.')),
    Wrong("ex9_7_cnn_loss_and_grads", "undoes the flatten in NCHW order (channels first)",
          _CNN_BACKWARD_HEAD + '''
    dflat, dW3, db3 = ch5.dense_backward(dlogits, flat, params[2][0])
    B, h, w, c = shape
    dP2 = dflat.reshape(B, c, h, w).transpose(0, 2, 3, 1)
    dZ2 = ch5.relu_backward(maxpool2d_backward(dP2, p2), Z2)
    dP1, dK2, db2 = conv2d_backward(dZ2, c2)
    _, dK1, db1 = conv2d_backward(ch5.relu_backward(maxpool2d_backward(dP1, p1), Z1), c1)
    return loss, [(dK1, db1), (dK2, db2), (dW3, db3)]
''',
          hint=("The gradient is unflattened channels first: undo the forward pass's flatten "
               'in the same order.')),
]
