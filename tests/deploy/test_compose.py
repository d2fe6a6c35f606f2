"""The deployment files: docker-compose.yml, the site config example, systemd units, Grafana.

docker-compose.yml is validated with Debian's `docker-compose config` (there is no Docker
engine here or in CI, so nothing is started). Every buurtwatt command the compose file and
the systemd units run is parsed by the real `buurtwatt` argument parser, so a renamed
subcommand or flag breaks this test rather than a deployment.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from buurtwatt.config import SiteConfig, load_config
from buurtwatt.config_base import SecretRef
from buurtwatt.vocabulary import QUANTITIES
from buurtwatt_app import build_parser
from tests.services import require_program

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
SITE_EXAMPLE = ROOT / "deploy" / "config" / "site.toml.example"
SYSTEMD = ROOT / "deploy" / "systemd"
GRAFANA = ROOT / "deploy" / "grafana"
BUURTWATT_SERVICES = ("collector", "dashboard")
ROLLUP_SUFFIXES = ("_n", "_sum", "_min", "_max", "_first", "_last", "_inc", "_last_ts")


def compose_config(tmp_path: Path, **overrides: str) -> dict[str, Any]:
    """`docker-compose config` of the real file, with a .env copied from .env.example."""
    program = require_program("docker-compose")
    env_text = ENV_EXAMPLE.read_text(encoding="utf-8")
    for key, value in overrides.items():
        env_text, count = re.subn(rf"(?m)^{key}=.*$", f"{key}={value}", env_text)
        assert count == 1, f"{key} is not in .env.example"
    env_file = tmp_path / ".env"
    env_file.write_text(env_text, encoding="utf-8")
    # a clean environment: variables of the machine running the test must not fill the file in
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    result = subprocess.run(
        [program, "--file", str(COMPOSE), "--env-file", str(env_file), "config"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, f"docker-compose config failed:\n{result.stderr}"
    assert "WARNING" not in result.stderr, result.stderr
    return yaml.safe_load(result.stdout)


@pytest.fixture(scope="module")
def compose(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return compose_config(tmp_path_factory.mktemp("compose"))


@pytest.fixture
def site_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "INFLUXDB_TOKEN": "t0ken",
        "MQTT_PASSWORD": "mqtt-secret",
        "BUURTWATT_ADMIN_HASH": "scrypt:32768:8:1$salt$hash",
        "BUURTWATT_SECRET_KEY": "k3y",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def secrets_in(value: Any) -> list[SecretRef]:
    """Every SecretRef anywhere in a config model."""
    if isinstance(value, SecretRef):
        return [value]
    if isinstance(value, BaseModel):
        return [s for name in type(value).model_fields for s in secrets_in(getattr(value, name))]
    if isinstance(value, list | tuple):
        return [s for item in value for s in secrets_in(item)]
    if isinstance(value, dict):
        return [s for item in value.values() for s in secrets_in(item)]
    return []


def parse_buurtwatt(argv: list[str]) -> Any:
    """argv as the buurtwatt command line parser sees it; fails the test on a parse error."""
    assert argv[0].endswith("buurtwatt"), argv
    try:
        args = build_parser().parse_args(argv[1:])
    except SystemExit:
        pytest.fail(f"`{' '.join(argv)}` is not a valid buurtwatt command (see the error above)")
    assert getattr(args, "func", None), f"`{' '.join(argv)}` names no subcommand"
    return args


# --- docker-compose.yml --------------------------------------------------------------
def test_compose_has_every_service_with_restart_and_healthcheck(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"mosquitto", "influxdb", "collector", "dashboard", "grafana", "caddy"}
    for name, service in services.items():
        assert service.get("restart") == "unless-stopped", name
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    assert services["mosquitto"]["image"] == "eclipse-mosquitto:2"
    assert services["influxdb"]["image"] == "influxdb:2.7"
    assert services["grafana"]["profiles"] == ["grafana"]
    # one image, two commands
    assert services["collector"]["image"] == services["dashboard"]["image"]
    assert "build" in services["collector"]


def test_influxdb_is_initialised_from_env(compose: dict[str, Any]) -> None:
    env = compose["services"]["influxdb"]["environment"]
    for key in ("MODE", "USERNAME", "PASSWORD", "ORG", "BUCKET", "RETENTION", "ADMIN_TOKEN"):
        assert f"DOCKER_INFLUXDB_INIT_{key}" in env, key
    assert env["DOCKER_INFLUXDB_INIT_ADMIN_TOKEN"] == "CHANGE-this-token"  # from the copied .env


def test_every_command_is_a_real_buurtwatt_subcommand(compose: dict[str, Any]) -> None:
    seen = {}
    for name in BUURTWATT_SERVICES:
        command = compose["services"][name]["command"]
        assert isinstance(command, list), f"{name}: give the command as a list"
        args = parse_buurtwatt(command)
        assert args.config == "/config/site.toml"
        mounts = compose["services"][name]["volumes"]
        assert any(str(m).endswith(":/config/site.toml:ro") for m in mounts), mounts
        seen[name] = args
    assert seen["collector"].command == "collect"
    assert seen["dashboard"].command == "dashboard"
    assert (seen["dashboard"].host, seen["dashboard"].port) == ("0.0.0.0", 8050)
    # every healthcheck that runs buurtwatt runs a real command too
    for service in compose["services"].values():
        test = service["healthcheck"]["test"]
        if isinstance(test, list) and len(test) > 1 and test[1].endswith("buurtwatt"):
            parse_buurtwatt(test[1:])


def test_healthchecks_use_the_configured_ports(compose: dict[str, Any], site_env: dict[str, str]) -> None:
    config = load_config(SITE_EXAMPLE)
    collector = " ".join(compose["services"]["collector"]["healthcheck"]["test"])
    assert f"127.0.0.1:{config.collector.health_port}/health" in collector
    dashboard = " ".join(compose["services"]["dashboard"]["healthcheck"]["test"])
    port = parse_buurtwatt(compose["services"]["dashboard"]["command"]).port
    assert f"127.0.0.1:{port}/" in dashboard
    (published,) = compose["services"]["dashboard"]["ports"]
    # docker-compose 1.x prints "host:published:target/tcp", Compose v2 a mapping
    target = published["target"] if isinstance(published, dict) else published.split(":")[-1].split("/")[0]
    assert int(target) == port


def test_serial_port_passes_through(compose: dict[str, Any], site_env: dict[str, str]) -> None:
    devices = compose["services"]["collector"]["devices"]
    assert devices == ["/dev/ttyUSB0:/dev/ttyP1"]
    config = load_config(SITE_EXAMPLE)
    assert [d.port for d in config.devices if d.type == "p1"] == ["/dev/ttyP1"]


def test_containers_get_the_secrets_the_config_names(
    compose: dict[str, Any], site_env: dict[str, str]
) -> None:
    config = load_config(SITE_EXAMPLE)
    needs = {
        "collector": secrets_in(config.store) + secrets_in(config.devices),
        "dashboard": secrets_in(config.store) + secrets_in(config.dashboard),
    }
    for name, refs in needs.items():
        env = compose["services"][name].get("environment", {})
        missing = {r.env for r in refs if r.env} - set(env)
        assert not missing, f"{name} does not pass {missing} into its container"


def test_influxdb_3_core_is_the_image_and_two_variables(tmp_path: Path) -> None:
    """docs/deploy.md: INFLUXDB_IMAGE, BUURTWATT_SITE_TOML and INFLUXDB_TOKEN; nothing else changes."""
    config = compose_config(
        tmp_path,
        INFLUXDB_IMAGE="influxdb:3-core",
        BUURTWATT_SITE_TOML="site-influxdb3.toml",
        INFLUXDB_TOKEN="apiv3_token",
    )
    services = config["services"]
    assert services["influxdb"]["image"] == "influxdb:3-core"
    assert services["influxdb"]["environment"]["INFLUXDB3_AUTH_TOKEN"] == "apiv3_token"
    assert services["influxdb"]["environment"]["INFLUXDB3_HTTP_BIND_ADDR"].endswith(":8086")
    for name in BUURTWATT_SERVICES:
        mounts = [str(m) for m in services[name]["volumes"]]
        assert any(m.endswith("site-influxdb3.toml:/config/site.toml:ro") for m in mounts), mounts
        assert services[name]["environment"]["INFLUXDB_TOKEN"] == "apiv3_token"


def test_compose_refuses_to_run_without_the_token(tmp_path: Path) -> None:
    program = require_program("docker-compose")
    env_file = tmp_path / ".env"
    env_file.write_text(re.sub(r"(?m)^INFLUXDB_TOKEN=.*\n", "", ENV_EXAMPLE.read_text()), encoding="utf-8")
    result = subprocess.run(
        [program, "--file", str(COMPOSE), "--env-file", str(env_file), "config"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)},
    )
    assert result.returncode != 0
    assert "INFLUXDB_TOKEN" in result.stderr


def test_env_file_is_not_committed() -> None:
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in ignored


# --- the site config example -----------------------------------------------------------
def test_site_example_validates_with_secrets_from_env(site_env: dict[str, str]) -> None:
    config: SiteConfig = load_config(SITE_EXAMPLE)
    assert config.store.type == "influxdb"
    assert config.store.url == "http://influxdb:8086"
    assert str(config.store.outbox) == "/data/outbox.sqlite"  # on the collector-data volume
    refs = secrets_in(config)
    assert refs and all(r.env for r in refs), "secrets come from the environment in the container"
    assert {r.env: r.require() for r in refs} == {r.env: site_env[r.env] for r in refs}


def test_site_example_matches_the_influxdb_setup(compose: dict[str, Any], site_env: dict[str, str]) -> None:
    config = load_config(SITE_EXAMPLE)
    env = compose["services"]["influxdb"]["environment"]
    assert config.store.org == env["DOCKER_INFLUXDB_INIT_ORG"]
    assert config.store.bucket == env["DOCKER_INFLUXDB_INIT_BUCKET"]
    assert config.store.token is not None and config.store.token.env == "INFLUXDB_TOKEN"


# --- systemd ---------------------------------------------------------------------------
def read_unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # keys are case-sensitive
    unit.read(SYSTEMD / name, encoding="utf-8")
    return unit


@pytest.mark.parametrize(
    ("unit_name", "subcommand"),
    [("buurtwatt-collector.service", "collect"), ("buurtwatt-dashboard.service", "dashboard")],
)
def test_systemd_units(unit_name: str, subcommand: str) -> None:
    unit = read_unit(unit_name)
    service = unit["Service"]
    assert service["Restart"] == "always"
    assert service["User"] == "buurtwatt"
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    args = parse_buurtwatt(shlex.split(service["ExecStart"]))
    assert args.command == subcommand
    assert args.config == "/etc/buurtwatt/site.toml"
    if subcommand == "collect":
        assert "dialout" in service["SupplementaryGroups"].split()


def test_systemd_units_pass_systemd_analyze(tmp_path: Path) -> None:
    # optional extra check: systemd is not among the test dependencies, so no CI failure without it
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    venv_buurtwatt = Path(sys.executable).with_name("buurtwatt")  # a real file for ExecStart
    units = []
    for unit in sorted(SYSTEMD.glob("*.service")):
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace("/opt/buurtwatt/.venv/bin/buurtwatt", str(venv_buurtwatt)))
        units.append(str(copy))
    result = subprocess.run([analyze, "verify", *units], capture_output=True, text=True, timeout=60)
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if any(u in line for u in ("buurtwatt-collector", "buurtwatt-dashboard"))
    ]
    assert not problems, "\n".join(problems)


# --- Grafana ---------------------------------------------------------------------------
def influxql_fields(query: str) -> set[str]:
    """Double-quoted identifiers a query selects (AS aliases left out)."""
    select = re.search(r"SELECT (.*?) FROM", query, re.S)
    assert select, query
    clause = re.sub(r'AS "[^"]*"', "", select.group(1))
    return set(re.findall(r'"([^"]+)"', clause))


def dashboard_queries() -> list[tuple[str, str]]:
    dashboard = json.loads((GRAFANA / "dashboards" / "buurtwatt.json").read_text())
    return [(p["title"], t["query"]) for p in dashboard["panels"] for t in p["targets"]]


def test_grafana_queries_name_real_measurements_and_fields() -> None:
    measurements = {"buurtwatt", "buurtwatt_1m", "buurtwatt_15m", "buurtwatt_1h", "buurtwatt_1d"}
    queries = dashboard_queries()
    assert len(queries) >= 8
    for title, query in queries:
        measurement = re.search(r'FROM "([^"]+)"', query)
        assert measurement and measurement.group(1) in measurements, (title, query)
        for field in influxql_fields(query):
            if measurement.group(1) == "buurtwatt":
                assert field in QUANTITIES, (title, field)
            else:
                base = next((field[: -len(s)] for s in ROLLUP_SUFFIXES if field.endswith(s)), None)
                assert base in QUANTITIES, (title, field)


def test_grafana_datasource_matches_the_site_example(site_env: dict[str, str]) -> None:
    config = load_config(SITE_EXAMPLE)
    datasources = GRAFANA / "provisioning" / "datasources" / "buurtwatt-influxdb.yaml"
    provisioning = yaml.safe_load(datasources.read_text())
    (source,) = provisioning["datasources"]
    assert source["type"] == "influxdb" and source["url"] == config.store.url
    assert source["jsonData"]["dbName"] == config.store.database
    assert source["secureJsonData"]["httpHeaderValue1"] == "Token ${INFLUXDB_TOKEN}"
    dashboard = json.loads((GRAFANA / "dashboards" / "buurtwatt.json").read_text())
    uids = {t["datasource"]["uid"] for p in dashboard["panels"] for t in p["targets"]}
    assert uids == {source["uid"]}


# --- safe by default (issue 18) ------------------------------------------------------------
def test_dashboard_is_published_on_loopback_only(compose: dict[str, Any]) -> None:
    published = compose["services"]["dashboard"]["ports"][0]
    host_ip = published["host_ip"] if isinstance(published, dict) else str(published).split(":")[0]
    assert host_ip == "127.0.0.1", published


def test_https_profile_puts_caddy_in_front_of_the_dashboard(compose: dict[str, Any]) -> None:
    caddy = compose["services"]["caddy"]
    assert caddy["profiles"] == ["https"]
    assert caddy["restart"] == "unless-stopped" and "healthcheck" in caddy
    caddyfile = (ROOT / "deploy" / "caddy" / "Caddyfile").read_text()
    assert "reverse_proxy dashboard:8050" in caddyfile
    assert "{$BUURTWATT_DOMAIN}" in caddyfile


def test_systemd_dashboard_takes_its_address_from_the_config() -> None:
    service = read_unit("buurtwatt-dashboard.service")["Service"]
    args = parse_buurtwatt(shlex.split(service["ExecStart"]))
    assert args.host is None, "the unit must not open the dashboard to every network by itself"
    from buurtwatt.config import DashboardConfig

    assert DashboardConfig().host == "127.0.0.1"
