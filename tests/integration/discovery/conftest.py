from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.discovery.netns import PrivateNetwork, private_network


@pytest.fixture
def network() -> Iterator[PrivateNetwork]:
    with private_network() as net:
        yield net
