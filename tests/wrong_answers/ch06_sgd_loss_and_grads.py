"""Chapter 6, issue 22: `train(..., loss_and_grads=None)`, the mistakes of the new argument."""

from catalogue import Wrong

CHAPTER = "06_sgd"

WRONG = [
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
'''),
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
'''),
]
