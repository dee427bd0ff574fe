"""Central's settings and database URL: a mistake gets one sentence naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from central.cli import main
from central.config import CentralConfigError, load_config
from central.db import DatabaseUnavailable, open_database


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "central.toml"
    path.write_text(body)
    return path


def test_a_missing_or_unknown_setting_is_named(tmp_path: Path) -> None:
    with pytest.raises(CentralConfigError, match=r"central\.trust_dir is missing"):
        load_config(_write(tmp_path, '[central]\ndatabase = "sqlite:////tmp/x"\n'))
    body = (
        '[central]\ndatabase = "sqlite:////tmp/x"\ntrust_dir = "t"\nencryption_key = "e"\n'
        'reply_key = "r"\nwork_dir = "w"\nreply_budget = 5\n'
    )
    with pytest.raises(CentralConfigError, match="Unknown setting"):
        load_config(_write(tmp_path, body))


def test_paths_are_relative_to_the_settings_file_and_defaults_apply(tmp_path: Path) -> None:
    body = (
        '[central]\ndatabase = "sqlite:////tmp/x"\ntrust_dir = "t"\nencryption_key = "e"\n'
        'reply_key = "r"\nwork_dir = "w"\n'
    )
    config = load_config(_write(tmp_path, body))
    assert config.trust_dir == (tmp_path / "t").resolve()
    assert (config.reply_budget_mb, config.host, config.port) == (32, "127.0.0.1", 8090)


def test_a_wrong_database_setting_says_what_is_expected() -> None:
    with pytest.raises(DatabaseUnavailable, match="neither sqlite"):
        open_database("mysql://somewhere/db")
    with pytest.raises(DatabaseUnavailable) as info:
        open_database("postgresql://user:secret@127.0.0.1:9/db")
    assert "cannot be reached" in str(info.value) and "secret" not in str(info.value)


def test_the_command_line_explains_a_missing_settings_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(tmp_path / "none.toml"), "hubs"]) == 1
    assert "cannot be read" in capsys.readouterr().err
