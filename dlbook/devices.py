"""Where TensorFlow should run: the first GPU when there is one, else the CPU.

The decision is one small function of the list of devices (`choose_device`), so it is
tested on machines without a GPU by handing it a list that has one:

    >>> from collections import namedtuple
    >>> Device = namedtuple("Device", "name device_type")
    >>> choose_device([Device("/physical_device:GPU:0", "GPU")])
    '/GPU:0'
    >>> choose_device([])
    '/CPU:0'

`prepare_device()` asks TensorFlow for its GPUs, turns on memory growth for each (so
TensorFlow takes GPU memory as it needs it instead of all of it at once), and returns
the device string for `tf.device(...)` together with a sentence saying what was found.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

# Set before TensorFlow is imported: no C++ start-up messages on stderr (they would land
# in notebook outputs and fail nbgrader test cells), and no oneDNN rounding differences
# between machines. The Makefile exports the same two for `make notebooks` and `make test`.
TENSORFLOW_QUIET = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}


def quiet_tensorflow() -> None:
    """Apply `TENSORFLOW_QUIET` to this process (a setting already made is kept)."""
    for key, value in TENSORFLOW_QUIET.items():
        os.environ.setdefault(key, value)


@dataclass(frozen=True)
class DeviceChoice:
    """The device to train on and a sentence for the notebook's output."""

    device: str  # e.g. "/GPU:0" or "/CPU:0", for tf.device(...)
    description: str


def choose_device(devices: Sequence) -> str:
    """The TensorFlow device string to place work on.

    Args:
        devices: physical devices as `tf.config.list_physical_devices()` returns them
            (anything with a `device_type` attribute, "GPU" or "CPU").

    Returns:
        "/GPU:0" (the first GPU) if the list holds a GPU, else "/CPU:0".
    """
    gpus = [device for device in devices if getattr(device, "device_type", None) == "GPU"]
    return "/GPU:0" if gpus else "/CPU:0"


def prepare_device(config=None) -> DeviceChoice:
    """Find TensorFlow's GPUs, enable memory growth on them, and choose a device.

    Call it before anything else runs on a GPU: memory growth cannot be changed once
    TensorFlow has initialised the device (that case is reported, not raised).

    Args:
        config: the `tf.config` module (default); tests pass a stand-in.
    """
    if config is None:
        import tensorflow as tf

        config = tf.config
    gpus = list(config.list_physical_devices("GPU"))
    notes = []
    for gpu in gpus:
        try:
            config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # the GPU was initialised before this call
            notes.append(f"memory growth not set on {gpu.name}: it was already in use")
    device = choose_device(gpus)
    if gpus:
        names = ", ".join(gpu.name.removeprefix("/physical_device:") for gpu in gpus)
        text = f"Training on {device} ({len(gpus)} GPU(s) found: {names}; memory growth on)."
    else:
        text = (f"Training on {device}: TensorFlow sees no GPU here, so the same code runs "
                "on the CPU.")
    return DeviceChoice(device, " ".join([text, *notes]))
