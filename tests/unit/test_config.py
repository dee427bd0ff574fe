"""The configuration: defaults, documentation, and clear refusals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hubd.config import Config, config_from_dict, load_config, render_config, settings
from hubd.errors import ConfigError

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_every_setting_is_documented_with_its_default() -> None:
    text = DOCS.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \| `([^`]*)` \|", text, flags=re.M))
    for name, _type, default in settings():
        assert name in rows, f"{name} is not documented in docs/configuration.md"
        shown = rows[name]
        expected = f'"{default}"' if isinstance(default, str | Path) else repr(default)
        if isinstance(default, bool):  # as it is written in TOML
            expected = "true" if default else "false"
        assert shown == expected, f"{name}: documented default {shown}, real {expected}"
    assert set(rows) == {name for name, _, _ in settings()}, (
        "docs list a setting that does not exist"
    )


def test_empty_file_gives_defaults(tmp_path: Path) -> None:
    path = tmp_path / "hubd.toml"
    path.write_text("")
    assert load_config(path) == Config()


def test_written_config_reads_back_the_same(tmp_path: Path) -> None:
    config = config_from_dict(
        {"hub": {"name": 'Escuela "14"', "data_dir": str(tmp_path)}, "web": {"port": 9000}}
    )
    path = tmp_path / "hubd.toml"
    path.write_text(render_config(config))
    assert load_config(path) == config


def test_relative_data_dir_is_taken_from_the_config_folder(tmp_path: Path) -> None:
    path = tmp_path / "hubd.toml"
    path.write_text('[hub]\ndata_dir = "data"\n')
    assert load_config(path).data_dir == tmp_path / "data"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[web]\nport = 'eighty'\n", "web.port must be a whole number"),
        ("[web]\nport = true\n", "web.port must be a whole number"),
        ("[web]\nport = 8080.0\n", "web.port must be a whole number"),
        ("[web]\nport = 70000\n", "web.port must be between 1 and 65535"),
        ("[web]\nprot = 80\n", "Unknown setting web.prot"),
        ("[wbe]\nport = 80\n", "Unknown section [wbe]"),
        ("[logging]\nlevel = 'LOUD'\n", "logging.level must be one of"),
        ("[hub\nname = 1\n", "is not valid TOML"),
        ("web = 3\n", "[web] must be a table"),
        ("[admin]\nlogin_card_address = '10.42.0.1'\n", "must start with http:// or https://"),
    ],
)
def test_bad_config_is_refused_with_one_clear_sentence(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "hubd.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert message in caught.value.message
    assert str(path) in caught.value.message


def test_missing_config_names_the_file_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.toml")
    assert "does not exist" in caught.value.message
    assert "--config" in caught.value.message


def test_binary_config_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "hubd.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)
