"""What a sync session needs from the running hub, passed in explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hubd.bundle import HubIdentity as HubKeys
from hubd.bundle import TrustDocument
from hubd.config import Config
from hubd.errors import HubError
from hubd.fleet import current_trust
from hubd.storage.identity import HubIdentity
from hubd.storage.store import Store
from hubd.sync.hlc import HybridClock


class NotInFleet(HubError):
    """The hub cannot sync: it belongs to no fleet, or its trust names no central key."""

    status = 409
    code = "not_in_fleet"


@dataclass(frozen=True, slots=True)
class HubSync:
    """The hub's parts a sync session uses: in the web app they are the values under
    ``keys.CONFIG``, ``keys.STORE``, ``keys.CLOCK``, ``keys.IDENTITY``, ``keys.HUB_KEYS`` and
    ``keys.DEPS.wall_ms``."""

    config: Config
    store: Store
    clock: HybridClock
    identity: HubIdentity
    keys: HubKeys
    wall_ms: Callable[[], int]

    def trust(self) -> TrustDocument:
        """The fleet trust this hub checks bundles against, or NotInFleet."""
        trust = current_trust(self.config)
        if trust is None:
            raise NotInFleet(
                "This hub belongs to no programme (fleet.id is not set), so it cannot sync."
            )
        return trust
