"""Hub configuration: a TOML file with documented defaults.

Every setting is a field of one of the dataclasses below, and docs/configuration.md documents
each one (a test keeps the two in step).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hubd.errors import ConfigError

DEFAULT_CONFIG_PATH = Path("/etc/hubd/hubd.toml")


@dataclass(frozen=True, slots=True)
class HubSection:
    name: str = "Learning Hub"
    data_dir: Path = Path("/var/lib/hubd")
    default_language: str = "en"


@dataclass(frozen=True, slots=True)
class WebSection:
    host: str = "0.0.0.0"  # noqa: S104 - the hub serves its own Wi-Fi network
    port: int = 8080
    max_request_bytes: int = 1_048_576
    shutdown_grace_seconds: float = 10.0


@dataclass(frozen=True, slots=True)
class StorageSection:
    readers: int = 2
    max_batch: int = 2000
    min_free_mb: int = 50


@dataclass(frozen=True, slots=True)
class AdminSection:
    login_card_url: str = "http://hub.lan"
    # Printed under it: the hub's IP address, for phones that cannot resolve hub.lan.
    login_card_address: str = ""
    max_failed_logins: int = 10
    session_hours: int = 12


@dataclass(frozen=True, slots=True)
class FleetSection:
    id: str = ""
    root_public_key: str = ""


@dataclass(frozen=True, slots=True)
class DiscoverySection:
    enabled: bool = False
    host_name: str = "hub"
    interfaces: str = ""
    address_check_seconds: float = 10.0


@dataclass(frozen=True, slots=True)
class PortalSection:
    enabled: bool = False


@dataclass(frozen=True, slots=True)
class UsbSection:
    mounter: str = "socket"
    helper_socket: Path = Path("/run/hubd/stick.sock")
    helper_command: str = ""
    mount_root: Path = Path("/run/hubd/sticks")
    allow_devices: str = ""
    debounce_seconds: float = 1.0
    signal_command: str = ""


@dataclass(frozen=True, slots=True)
class OnlineSection:
    central_url: str = ""
    check_seconds: float = 60.0
    max_pause_seconds: float = 3600.0
    interval_seconds: float = 900.0


@dataclass(frozen=True, slots=True)
class LoggingSection:
    level: str = "INFO"


@dataclass(frozen=True, slots=True)
class Config:
    hub: HubSection = field(default_factory=HubSection)
    web: WebSection = field(default_factory=WebSection)
    storage: StorageSection = field(default_factory=StorageSection)
    admin: AdminSection = field(default_factory=AdminSection)
    logging: LoggingSection = field(default_factory=LoggingSection)
    fleet: FleetSection = field(default_factory=FleetSection)
    usb: UsbSection = field(default_factory=UsbSection)
    discovery: DiscoverySection = field(default_factory=DiscoverySection)
    portal: PortalSection = field(default_factory=PortalSection)
    online: OnlineSection = field(default_factory=OnlineSection)

    @property
    def data_dir(self) -> Path:
        return self.hub.data_dir

    @property
    def database_path(self) -> Path:
        return self.hub.data_dir / "hub.sqlite3"

    @property
    def blobs_dir(self) -> Path:
        return self.hub.data_dir / "blobs"


_SECTIONS: dict[str, type[Any]] = {
    "hub": HubSection,
    "web": WebSection,
    "storage": StorageSection,
    "admin": AdminSection,
    "logging": LoggingSection,
    "fleet": FleetSection,
    "discovery": DiscoverySection,
    "portal": PortalSection,
    "usb": UsbSection,
    "online": OnlineSection,
}

_LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR"}


def settings() -> list[tuple[str, str, object]]:
    """Every setting as (dotted name, type name, default): the list the docs must cover."""
    out: list[tuple[str, str, object]] = []
    for section_name, cls in _SECTIONS.items():
        for f in dataclasses.fields(cls):
            default = f.default
            type_name = f.type if isinstance(f.type, str) else f.type.__name__
            out.append((f"{section_name}.{f.name}", type_name, default))
    return out


def _coerce(where: str, type_name: str, value: object) -> object:
    if type_name == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"Setting {where} must be true or false, not {value!r}.")
        return value
    # bool is an int in Python: refuse it explicitly where a number belongs.
    if type_name == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"Setting {where} must be a whole number, not {value!r}.")
        return value
    if type_name == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"Setting {where} must be a number, not {value!r}.")
        return float(value)
    if type_name == "str":
        if not isinstance(value, str):
            raise ConfigError(f"Setting {where} must be text in quotes, not {value!r}.")
        return value
    if type_name == "Path":
        if not isinstance(value, str) or not value:
            raise ConfigError(f"Setting {where} must be a path in quotes, not {value!r}.")
        return Path(value)
    raise AssertionError(type_name)  # pragma: no cover - every field type is listed above


def config_from_dict(raw: dict[str, Any], *, base_dir: Path | None = None) -> Config:
    """Build a Config from parsed TOML, refusing unknown keys and wrong types."""
    sections: dict[str, object] = {}
    for section_name, values in raw.items():
        cls = _SECTIONS.get(section_name)
        if cls is None:
            known = ", ".join(f"[{s}]" for s in _SECTIONS)
            raise ConfigError(
                f"Unknown section [{section_name}] in the configuration (known: {known})."
            )
        if not isinstance(values, dict):
            raise ConfigError(f"[{section_name}] must be a table of settings.")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        kwargs: dict[str, object] = {}
        for key, value in values.items():
            f = fields.get(key)
            if f is None:
                raise ConfigError(f"Unknown setting {section_name}.{key} in the configuration.")
            type_name = f.type if isinstance(f.type, str) else f.type.__name__
            coerced = _coerce(f"{section_name}.{key}", type_name, value)
            if isinstance(coerced, Path) and not coerced.is_absolute() and base_dir is not None:
                coerced = base_dir / coerced
            kwargs[key] = coerced
        sections[section_name] = cls(**kwargs)
    config = Config(**sections)  # type: ignore[arg-type]
    _validate(config)
    return config


def _validate(config: Config) -> None:
    if not 0 <= config.web.port <= 65535:
        raise ConfigError(f"Setting web.port must be between 1 and 65535, not {config.web.port}.")
    if config.web.max_request_bytes < 1024:
        raise ConfigError("Setting web.max_request_bytes must be at least 1024.")
    if config.web.shutdown_grace_seconds < 0:
        raise ConfigError("Setting web.shutdown_grace_seconds cannot be negative.")
    if not 1 <= config.storage.readers <= 16:
        raise ConfigError("Setting storage.readers must be between 1 and 16.")
    if not 1 <= config.storage.max_batch <= 100_000:
        raise ConfigError("Setting storage.max_batch must be between 1 and 100000.")
    if config.storage.min_free_mb < 0:
        raise ConfigError("Setting storage.min_free_mb cannot be negative.")
    if not 1 <= config.admin.max_failed_logins <= 1000:
        raise ConfigError("Setting admin.max_failed_logins must be between 1 and 1000.")
    if not 1 <= config.admin.session_hours <= 24 * 30:
        raise ConfigError("Setting admin.session_hours must be between 1 and 720.")
    if not config.admin.login_card_url.startswith(("http://", "https://")):
        raise ConfigError("Setting admin.login_card_url must start with http:// or https://.")
    address = config.admin.login_card_address
    if address and not address.startswith(("http://", "https://")):
        raise ConfigError("Setting admin.login_card_address must start with http:// or https://.")
    if not (2 <= len(config.hub.default_language) <= 3 and config.hub.default_language.isalpha()):
        raise ConfigError("Setting hub.default_language must be a language code such as 'es'.")
    if bool(config.fleet.id) != bool(config.fleet.root_public_key):
        raise ConfigError("Settings fleet.id and fleet.root_public_key go together: set both.")
    key = config.fleet.root_public_key
    if key and (len(key) != 64 or any(c not in "0123456789abcdef" for c in key)):
        raise ConfigError("Setting fleet.root_public_key must be 64 lower-case hex digits.")
    _validate_discovery(config.discovery)
    if config.usb.mounter not in ("socket", "command", "off"):
        raise ConfigError("Setting usb.mounter must be socket, command or off.")
    if config.usb.mounter == "command" and not config.usb.helper_command:
        raise ConfigError("Setting usb.mounter = command needs usb.helper_command.")
    if not 0 <= config.usb.debounce_seconds <= 30:
        raise ConfigError("Setting usb.debounce_seconds must be between 0 and 30.")
    _validate_online(config.online)
    if config.logging.level.upper() not in _LOG_LEVELS:
        levels = ", ".join(sorted(_LOG_LEVELS))
        raise ConfigError(f"Setting logging.level must be one of {levels}.")


def _validate_discovery(discovery: DiscoverySection) -> None:
    if not re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", discovery.host_name):
        raise ConfigError(
            "Setting discovery.host_name must be one name of lower-case letters, digits and "
            "hyphens, such as 'hub' (the hub then answers as hub.local)."
        )
    for part in discovery.interfaces.split(","):
        if part.strip():
            try:
                ipaddress.IPv4Address(part.strip())
            except ValueError:
                raise ConfigError(
                    "Setting discovery.interfaces must be empty (every network) or IPv4 "
                    f"addresses separated by commas, such as '10.42.0.1', not {part.strip()!r}."
                ) from None
    if not 0.1 <= discovery.address_check_seconds <= 3600:
        raise ConfigError("Setting discovery.address_check_seconds must be between 0.1 and 3600.")


def _validate_online(online: OnlineSection) -> None:
    url = online.central_url
    if url and not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", url):
        raise ConfigError(
            "Setting online.central_url must be empty (no online sync) or central's address, "
            f"such as 'https://central.example/', not {url!r}."
        )
    if not 0.01 <= online.check_seconds <= 86400:
        raise ConfigError("Setting online.check_seconds must be between 0.01 and 86400.")
    if not online.check_seconds <= online.max_pause_seconds <= 7 * 86400:
        raise ConfigError(
            "Setting online.max_pause_seconds must be at least online.check_seconds and at "
            "most 604800 (a week)."
        )
    if not 0.01 <= online.interval_seconds <= 7 * 86400:
        raise ConfigError("Setting online.interval_seconds must be between 0.01 and 604800.")


def load_config(path: Path) -> Config:
    """Read and validate a TOML configuration file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"The configuration file {path} does not exist. "
            "Create it (see docs/configuration.md) or pass --config with the right path."
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"The configuration file {path} cannot be read: {exc.strerror}."
        ) from None
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"The configuration file {path} is not UTF-8 text.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The configuration file {path} is not valid TOML: {exc}.") from None
    try:
        return config_from_dict(raw, base_dir=path.parent)
    except ConfigError as exc:
        raise ConfigError(f"In {path}: {exc.message}") from None


def render_config(config: Config) -> str:
    """Write a Config back as TOML (for `hubd demo`, which makes its own)."""
    lines: list[str] = []
    for section_name in _SECTIONS:
        lines.append(f"[{section_name}]")
        section = getattr(config, section_name)
        for f in dataclasses.fields(section):
            value = getattr(section, f.name)
            if isinstance(value, bool):
                text = "true" if value else "false"
            elif isinstance(value, int | float):
                text = repr(value)
            else:
                text = '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
            lines.append(f"{f.name} = {text}")
        lines.append("")
    return "\n".join(lines)
