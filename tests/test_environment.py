"""The machine probe: cores, CPU model, GPU and library versions recorded with every result."""

import importlib.metadata
import os

import torch

from posynda.environment import LIBRARIES, gpu_info, library_version, machine_info


def test_machine_info_records_what_a_result_needs():
    info = machine_info()
    assert info["cpu"] and info["cpu_count"] == os.cpu_count() and info["torch_threads"] == torch.get_num_threads()
    assert info["versions"]["torch"] == importlib.metadata.version("torch")
    assert set(info["versions"]) <= set(LIBRARIES) and info["python"].count(".") == 2
    assert info["gpu"] == gpu_info()["gpu_name"]


def test_library_versions_without_imports():
    assert library_version("numpy") and library_version("no-such-distribution-posynda") is None
