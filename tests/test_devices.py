"""The device choice of chapter 8, tested on the CPU with device lists that have GPUs."""

from __future__ import annotations

from collections import namedtuple
from types import SimpleNamespace

import pytest

from dlbook.devices import choose_device, prepare_device

Device = namedtuple("Device", "name device_type")  # the shape of tf.config.PhysicalDevice
CPU = Device("/physical_device:CPU:0", "CPU")
GPU0 = Device("/physical_device:GPU:0", "GPU")
GPU1 = Device("/physical_device:GPU:1", "GPU")


@pytest.mark.parametrize("devices, expected", [
    ([], "/CPU:0"),
    ([CPU], "/CPU:0"),
    ([GPU0], "/GPU:0"),
    ([CPU, GPU0, GPU1], "/GPU:0"),
    ([GPU1, GPU0], "/GPU:0"),
])
def test_choose_device_takes_the_first_gpu_else_the_cpu(devices, expected):
    assert choose_device(devices) == expected


class FakeConfig:
    """Stands in for tf.config: lists the given GPUs and records memory-growth calls."""

    def __init__(self, gpus, busy=()):
        self.gpus, self.busy, self.growth = list(gpus), set(busy), []
        self.experimental = SimpleNamespace(set_memory_growth=self._set_memory_growth)

    def list_physical_devices(self, kind):
        assert kind == "GPU"
        return self.gpus

    def _set_memory_growth(self, device, enable):
        if device.name in self.busy:
            raise RuntimeError("Physical devices cannot be modified after being initialized")
        self.growth.append((device.name, enable))


def test_prepare_device_enables_memory_growth_on_every_gpu_and_says_so():
    config = FakeConfig([GPU0, GPU1])
    choice = prepare_device(config)
    assert choice.device == "/GPU:0"
    assert config.growth == [(GPU0.name, True), (GPU1.name, True)]
    assert "Training on /GPU:0" in choice.description and "GPU:1" in choice.description


def test_prepare_device_reports_a_gpu_already_in_use_instead_of_failing():
    config = FakeConfig([GPU0], busy={GPU0.name})
    choice = prepare_device(config)
    assert choice.device == "/GPU:0"
    assert "memory growth not set" in choice.description


def test_prepare_device_without_a_gpu_says_it_runs_on_the_cpu():
    choice = prepare_device(FakeConfig([]))
    assert choice.device == "/CPU:0" and "no GPU" in choice.description


def test_prepare_device_with_the_real_tensorflow_agrees_with_its_device_list():
    tf = pytest.importorskip("tensorflow")
    choice = prepare_device()
    assert choice.device == choose_device(tf.config.list_physical_devices())
