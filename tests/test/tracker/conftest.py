"""Tracker tests run torch on one thread: on a busy shared CPU, two intra-op threads wait on each other
at every operator and a tracking step becomes an order of magnitude slower (results agree to ~1e-6)."""
import pytest
import torch


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
