"""The appliance's settings ([discovery], [portal]) read from TOML with clear refusals."""

from __future__ import annotations

import pytest

from hubd.config import config_from_dict
from hubd.errors import ConfigError


def test_appliance_settings_are_read() -> None:
    config = config_from_dict(
        {
            "discovery": {"enabled": True, "host_name": "hub-2", "interfaces": "10.42.0.1"},
            "portal": {"enabled": True},
        }
    )
    assert config.discovery.enabled and config.portal.enabled
    assert config.discovery.host_name == "hub-2"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"portal": {"enabled": "yes"}}, "portal.enabled must be true or false"),
        ({"discovery": {"enabled": 1}}, "discovery.enabled must be true or false"),
        ({"discovery": {"host_name": "Hub.local"}}, "discovery.host_name must be one name"),
        ({"discovery": {"interfaces": "wlan0"}}, "discovery.interfaces must be empty"),
        ({"discovery": {"address_check_seconds": 0}}, "between 0.1 and 3600"),
    ],
)
def test_wrong_appliance_settings_are_refused_clearly(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config_from_dict(raw)
