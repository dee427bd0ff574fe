"""A private network for mDNS tests: a network namespace of this test's own with a veth pair.

Multicast then never leaves the machine, and two hubs talk over a real link. The namespace is
entered by the calling thread only (Linux keeps network namespaces per thread), and left again
when the test ends; child processes and sockets made meanwhile belong to it.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class PrivateNetwork:
    """Two ends of one link: hub A's address and hub B's."""

    address_a: str = "10.77.0.1"
    address_b: str = "10.77.0.2"

    def ip(self, *args: str) -> None:
        subprocess.run(["ip", *args], check=True, capture_output=True)


@contextmanager
def private_network() -> Iterator[PrivateNetwork]:
    original = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        if _libc.unshare(CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET) failed (tests run as root)")
        network = PrivateNetwork()
        network.ip("link", "set", "lo", "up")
        network.ip("link", "add", "hub-a", "type", "veth", "peer", "name", "hub-b")
        for name, address in (("hub-a", network.address_a), ("hub-b", network.address_b)):
            network.ip("addr", "add", f"{address}/24", "dev", name)
            network.ip("link", "set", name, "up", "multicast", "on")
        yield network
    finally:
        if _libc.setns(original, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "could not return to the test's own network")
        os.close(original)
