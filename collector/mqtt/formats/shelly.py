"""Shelly Gen2/Gen3/Gen4: ``<prefix>/status/<component>``, ``<prefix>/events/rpc``, ``<prefix>/online``.

``status/switch:0`` carries a component's full status (needs "Generic status update"
on). ``events/rpc`` NotifyStatus frames carry only the changed keys; they come back
marked partial and the source merges them into the last full state per component.
Energy counters arrive in Wh and are passed on with ``unit="Wh"``. Component id 0
is the device itself; id N > 0 becomes device ``<name>-N`` (Plus 2PM, Pro 4PM).
The ``temperature`` inside a switch, pm1, cover or light status (and in ``sys``) is
the relay's own heat: ``device_temperature_c``. Only a ``temperature:N`` component
(a room sensor such as the Plus H&T or an add-on probe) gives ``temperature_c``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from collector.mqtt.formats import PayloadFormat, register
from collector.mqtt.mapped import (
    BadPayload,
    Found,
    Mapped,
    Value,
    known_values,
    load_object,
    online_word,
    text,
    values_at_paths,
    with_overrides,
)

if TYPE_CHECKING:
    from collector.mqtt.config import Subscription

_DEVICE_HEAT = {"temperature.tC": ("device_temperature_c", None)}
_SWITCH = {
    "apower": ("power_w", None),
    "voltage": ("voltage_v", None),
    "current": ("current_a", None),
    "freq": ("frequency_hz", None),
}
# component type -> {key: (quantity, unit)}; nested keys are flattened with "."
COMPONENT_KEYS: dict[str, dict[str, tuple[str, str | None]]] = {
    "switch": {**_SWITCH, "aenergy.total": ("energy_kwh", "Wh"), **_DEVICE_HEAT},
    "pm1": {**_SWITCH, "aenergy.total": ("energy_kwh", "Wh"), **_DEVICE_HEAT},
    "em1": {
        "act_power": ("power_w", None),
        "voltage": ("voltage_v", None),
        "current": ("current_a", None),
        "freq": ("frequency_hz", None),
    },
    "em1data": {"total_act_energy": ("import_kwh", "Wh"), "total_act_ret_energy": ("export_kwh", "Wh")},
    "em": {
        "total_act_power": ("power_w", None),
        **{f"{p}_voltage": (f"voltage_l{n}_v", None) for n, p in enumerate("abc", 1)},
        **{f"{p}_current": (f"current_l{n}_a", None) for n, p in enumerate("abc", 1)},
    },
    "emdata": {"total_act": ("import_kwh", "Wh"), "total_act_ret": ("export_kwh", "Wh")},
    "cover": {**_SWITCH, "aenergy.total": ("energy_kwh", "Wh"), **_DEVICE_HEAT},
    "light": _DEVICE_HEAT,
    "sys": _DEVICE_HEAT,
    "temperature": {"tC": ("temperature_c", None)},
    "humidity": {"rh": ("humidity_pct", None)},
    "illuminance": {"lux": ("illuminance_lx", None)},
}
MARKERS = ("/status/", "/events/rpc", "/online")


def _flatten(block: dict[str, Any]) -> dict[str, Any]:
    flat = {}
    for key, value in block.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{k}": v for k, v in value.items() if not isinstance(v, (dict, list))})
        else:
            flat[key] = value
    return flat


def component_values(component: str, block: Any, sub: Subscription) -> Found:
    """Values of one component (``switch:0``) from its (possibly partial) status."""
    if not isinstance(block, dict):
        return Found()
    kind, _, ident = component.partition(":")
    keys = COMPONENT_KEYS.get(kind)
    channel = ident if ident not in ("", "0") else ""
    flat = _flatten(block)
    defaults = known_values(flat, keys, component, group=component, channel=channel) if keys else Found()
    # configured series name "switch:0.temperature.tC": only those of this component apply
    prefix = component + "."
    mine = {q: path[len(prefix) :] for q, path in sub.series.items() if path.startswith(prefix)}
    overrides = values_at_paths(block, mine, sub.units, group=component)[0]
    overrides.values = [Value(v.quantity, v.value, v.unit, channel, component) for v in overrides.values]
    return with_overrides(defaults, overrides)


def parse(topic: str, payload: bytes, sub: Subscription) -> Mapped:
    marker = next((m for m in MARKERS if m in topic), None)
    if marker is None:
        return Mapped(ignored="not a Shelly status, event or online topic")
    device, _, rest = topic.partition(marker)
    if marker == "/online":
        online = online_word(text(payload))
        if rest or online is None:
            raise BadPayload("unknown availability word", text(payload)[:40])
        return Mapped(device, online=online)
    data = load_object(payload)
    if marker == "/status/":
        found = component_values(rest, data, sub)
        return Mapped(
            device,
            tuple(found.values),
            ignored="" if found.values or found.bad else f"no readings in {rest}",
            bad=tuple(found.bad),
        )
    method = data.get("method")
    params = data.get("params")
    if method not in ("NotifyStatus", "NotifyFullStatus") or not isinstance(params, dict):
        return Mapped(device, ignored=f"Shelly event {str(method)[:40]} carries no status")
    found = Found()
    for component, block in params.items():
        if ":" in component or component == "sys":
            found.extend(component_values(component, block, sub))
    return Mapped(
        device,
        tuple(found.values),
        partial=method == "NotifyStatus",
        ignored="" if found.values or found.bad else "no readings in this update",
        bad=tuple(found.bad),
    )


def availability_topics(topic_filter: str) -> list[str]:
    for marker in ("/status/", "/events/rpc"):
        if marker in topic_filter:
            return [topic_filter.partition(marker)[0] + "/online"]
    return []


FORMAT = register(
    PayloadFormat(
        "shelly-gen2",
        parse,
        availability_topics,
        merges_partials=True,
        summary="Shelly Gen2/3/4 <prefix>/status/<component> and <prefix>/events/rpc",
    )
)
