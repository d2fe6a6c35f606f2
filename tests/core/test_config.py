"""The site config: good files pass, every problem is named with its key and line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from buurtwatt.config import ConfigError, load_config, parse_config

GOOD = """
[site]
name = "Buurtwerkplaats Test"
latitude = 52.05

[store]
type = "sqlite"
path = "var/test.sqlite"

[dashboard]
port = 8050
"""


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The asserts read the English config messages; test_check_config_cli also reads the Dutch."""
    monkeypatch.setenv("BUURTWATT_LANG", "en")


def test_good_config_resolves_paths_relative_to_the_file(tmp_path: Path) -> None:
    file = tmp_path / "site.toml"
    file.write_text(GOOD)
    config = load_config(file)
    assert config.site.id == "buurtwerkplaats-test"
    assert config.site.timezone == "Europe/Amsterdam"
    assert config.store.path == tmp_path / "var" / "test.sqlite"


def test_typo_is_named_with_key_path_and_line() -> None:
    text = GOOD.replace("port = 8050", "prot = 8050")
    with pytest.raises(ConfigError) as err:
        parse_config(text, "site.toml")
    (problem,) = err.value.problems
    assert problem.path == "dashboard.prot"
    assert problem.line == 11
    assert "unknown key" in problem.message


def test_every_problem_is_reported_at_once() -> None:
    text = GOOD.replace('type = "sqlite"', 'type = "sqlite"\nheartbeat_s = -1').replace(
        "latitude = 52.05", "latitude = 152.05"
    )
    with pytest.raises(ConfigError) as err:
        parse_config(text, "site.toml")
    paths = sorted(p.path for p in err.value.problems)
    assert paths == ["site.latitude", "store.heartbeat_s"]
    assert all(p.line for p in err.value.problems)


def test_unknown_store_type_and_device_type_name_the_choices() -> None:
    text = GOOD.replace('type = "sqlite"', 'type = "postgres"')
    text += '\n[[devices]]\ntype = "zwave"\nname = "x"\n'
    with pytest.raises(ConfigError) as err:
        parse_config(text, "site.toml")
    rendered = err.value.render()
    assert "store" in rendered and "'sqlite'" in rendered and "'influxdb'" in rendered
    assert "devices[0].type" in rendered and "known types: modbus, mqtt, p1, sunspec" in rendered


def test_broken_toml_gives_the_line() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config("[site]\nname = \n", "bad.toml")
    assert err.value.problems[0].line == 2


def test_secrets_are_never_inline() -> None:
    text = GOOD.replace(
        '[store]\ntype = "sqlite"\npath = "var/test.sqlite"', '[store]\ntype = "influxdb"\ntoken = "abc123"'
    )
    with pytest.raises(ConfigError) as err:
        parse_config(text, "site.toml")
    assert err.value.problems[0].path == "store.token"


def run_cli(*args: str, lang: str = "en") -> subprocess.CompletedProcess:
    env = {**os.environ, "BUURTWATT_LANG": lang}  # the asserts read English; one test reads Dutch
    return subprocess.run(
        [sys.executable, "-m", "buurtwatt_app", *args], capture_output=True, text=True, timeout=60, env=env
    )


def test_check_config_cli(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text(GOOD)
    ok = run_cli("check-config", str(good))
    assert ok.returncode == 0, ok.stderr
    assert "Buurtwerkplaats Test" in ok.stdout and "OK" in ok.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD.replace("port = 8050", "prot = 8050"))
    res = run_cli("check-config", str(bad))
    assert res.returncode == 2
    assert f"{bad}: dashboard.prot (line 11): unknown key" in res.stderr
    dutch = run_cli("check-config", str(bad), lang="nl")
    assert dutch.returncode == 2
    assert f"{bad}: er is 1 probleem in de config" in dutch.stderr
    assert f"{bad}: dashboard.prot (regel 11): onbekende sleutel" in dutch.stderr


def test_demo_config_is_valid() -> None:
    config = load_config()
    assert config.site.timezone == "Europe/Amsterdam"


@pytest.mark.parametrize(
    "command", [["check-config"], ["collect", "--seconds", "1", "--config"], ["dashboard", "--config"]]
)
def test_a_config_that_is_not_utf8_names_the_byte(tmp_path: Path, command: list[str]) -> None:
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(GOOD.replace("Test", "Caf\u00e9").encode("latin-1"))
    res = run_cli(*command, str(bad))
    assert res.returncode == 2, res.stderr
    offset = GOOD.index("Test") + 3  # the é; everything before it is ASCII, one byte a character
    column = offset - GOOD.rindex("\n", 0, offset)  # line 3 is 'name = "Buurtwerkplaats Café"'
    assert f"byte {offset} (line 3, column {column}) is 0xe9, which is not UTF-8" in res.stderr
    assert "save the file as UTF-8" in res.stderr
    assert "Traceback" not in res.stderr
