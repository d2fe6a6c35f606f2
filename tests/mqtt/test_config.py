"""The mqtt device type in a site config: what is accepted and what the errors say."""

from __future__ import annotations

import pytest

from buurtwatt.config import ConfigError, parse_config
from buurtwatt.registry import Registry
from collector.mqtt.config import MqttConfig, Subscription
from collector.mqtt.formats import FORMATS, PayloadFormat, format_names, register
from collector.mqtt.mapped import Mapped
from sim.mqtt import Simulator

SITE = """
[site]
name = "Werkplaats"
[store]
type = "sqlite"
"""


def _problems(device_toml: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(SITE + device_toml)
    return caught.value.render()


def test_full_example_parses() -> None:
    config = parse_config(
        SITE
        + """
[[devices]]
type = "mqtt"
name = "mqtt"
broker = "mqtts://broker.local:8883"
ca_file = "/etc/ssl/werkplaats-ca.pem"
username = "buurtwatt"
password = { env = "BUURTWATT_MQTT_PASSWORD" }

[[devices.subscriptions]]
topic = "tele/+/SENSOR"
format = "tasmota"
device = "{1}"
stale_after = 600

[[devices.subscriptions]]
topic = "esphome/+/sensor/+/state"
format = "esphome"
device = "{1}"
series = { energy_kwh = "total_energy" }
units = { energy_kwh = "Wh" }

[devices.publish]
enabled = true
homeassistant_discovery = true
"""
    )
    device = config.devices[0]
    assert isinstance(device, MqttConfig)
    assert device.subscriptions[1].units == {"energy_kwh": "Wh"}
    assert device.publish.homeassistant_discovery


def test_simulator_subscriptions_are_a_valid_config() -> None:
    MqttConfig.model_validate(
        {
            "type": "mqtt",
            "name": "mqtt",
            "broker": "mqtt://localhost",
            "subscriptions": Simulator.subscriptions(),
        }
    )


@pytest.mark.parametrize(
    ("device", "says"),
    [
        ('broker = "tcp://x:1883"\n', "must look like mqtt://HOST:1883"),
        ('broker = "mqtt://x:99999"\n', "bad port"),
        ('broker = "mqtt://x"\nca_file = "/ca.pem"\n', "only used with an mqtts://"),
        ('broker = "mqtt://x"\npassword = "secret"\n', "devices[0].password"),
    ],
)
def test_connection_errors(device: str, says: str) -> None:
    text = _problems(
        f'[[devices]]\ntype = "mqtt"\nname = "m"\n{device}'
        '[[devices.subscriptions]]\ntopic = "a/#"\nformat = "zigbee2mqtt"\n'
    )
    assert says in text


@pytest.mark.parametrize(
    ("subscription", "says"),
    [
        ('topic = "a/#/b"\nformat = "tasmota"\n', "'#' must be the last level"),
        ('topic = "a/b+"\nformat = "tasmota"\n', "'+' must fill a whole level"),
        ('topic = "a/+"\nformat = "json"\ndevice = "x"\n', "needs series"),
        ('topic = "a/+"\nformat = "json"\nseries = { power_w = "p" }\n', "finds no device name"),
        ('topic = "a/+"\nformat = "value"\ndevice = "{1}"\n', "needs quantity"),
        (
            'topic = "a/+"\nformat = "tasmota"\nseries = { watts = "ENERGY.Power" }\n',
            "unknown quantity 'watts'",
        ),
        ('topic = "a/+"\nformat = "tasmota"\nunits = { power_w = "Wh" }\n', "cannot convert 'Wh' to 'W'"),
        ('topic = "a/+"\nformat = "mqtt-magic"\n', "format"),
    ],
)
def test_subscription_errors(subscription: str, says: str) -> None:
    text = _problems(
        '[[devices]]\ntype = "mqtt"\nname = "m"\nbroker = "mqtt://x"\n'
        f"[[devices.subscriptions]]\n{subscription}"
    )
    assert says in text and "devices[0].subscriptions[0]" in text


def test_unknown_format_names_the_registered_ones() -> None:
    text = _problems(
        '[[devices]]\ntype = "mqtt"\nname = "m"\nbroker = "mqtt://x"\n'
        '[[devices.subscriptions]]\ntopic = "a/#"\nformat = "mqtt-magic"\n'
    )
    assert "unknown MQTT format 'mqtt-magic'" in text
    assert all(name in text for name in format_names())


def test_a_registered_format_is_a_config_and_cli_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Config and CLI read the registry: registering is all a new format needs."""
    import argparse

    from collector.mqtt import formats
    from collector.mqtt.cli import register as register_cli

    scratch: Registry[PayloadFormat] = Registry("MQTT format")  # the real one stays as it was
    for name in FORMATS:
        scratch.register(name, FORMATS.get(name))
    monkeypatch.setattr(formats, "FORMATS", scratch)
    register(PayloadFormat("test-only", lambda topic, payload, sub: Mapped(), summary="for this test"))
    Subscription(topic="t/#", format="test-only")
    parser = argparse.ArgumentParser()
    register_cli(parser.add_subparsers())
    argv = ["mqtt", "listen", "--broker", "mqtt://x", "--topic", "t/#", "--format", "test-only"]
    assert parser.parse_args(argv).format == "test-only"
    assert "test-only" not in FORMATS


def test_session_and_limit_defaults() -> None:
    config = MqttConfig.model_validate(
        {
            "type": "mqtt",
            "name": "mqtt",
            "broker": "mqtt://localhost",
            "subscriptions": [{"topic": "a/#", "format": "zigbee2mqtt"}],
        }
    )
    assert (config.protocol, config.session_expiry) == ("3.1.1", 86400)
    assert config.subscriptions[0].qos == 1
    assert (config.subscriptions[0].max_devices, config.subscriptions[0].max_series) == (200, 2000)
