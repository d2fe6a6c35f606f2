"""Devices read through a register map (``type = "modbus"``): Huawei, GoodWe, Growatt, SDM630, ...

The map (config/registers/<name>.toml) says which register feeds which series;
this module only reads the planned groups over the device's one connection and
turns them into readings in the unit the map gives (the collector's gate converts
and checks them). UINT16/UINT32 counters carry their wrap, 2**bits x scale.
A map's ``[workarounds]`` (Telegraf's ``pause_after_connect`` /
``pause_between_requests``) apply unless the device config sets
``connect_delay`` / ``request_delay`` itself.
"""

from __future__ import annotations

from buurtwatt.config import SiteConfig
from buurtwatt.readings import Reading
from buurtwatt.vocabulary import quantity
from collector.modbus.config import ModbusMapConfig
from collector.modbus.link import DeviceException, ModbusLink
from collector.modbus.polling import DeviceFault, Poll, run_polling
from collector.modbus.registermap import MapField, RegisterMap, group_values, load_map, plan_reads
from collector.modbus.sunspec_models import ASLEEP_STATES
from collector.source import SourceContext


def with_map_workarounds(config: ModbusMapConfig, register_map: RegisterMap) -> ModbusMapConfig:
    """Apply the map's connect/request delays where the device config does not set its own."""
    update = {k: v for k, v in register_map.workarounds.items() if k not in config.model_fields_set}
    return config.model_copy(update=update) if update else config


def field_unit(f: MapField) -> str:
    """The unit a field's value is in: its ``unit`` key, else the unit of the series it feeds."""
    assert f.series is not None
    return f.unit if f.unit is not None else quantity(f.series).unit


def field_wrap(f: MapField) -> float | None:
    """Where a counter register rolls over, in the field's unit: 2**bits x scale for UINT16/UINT32.

    Signed and 64-bit registers, floats and gauges get none: they do not roll over to 0.
    """
    bits = {"uint16": 16, "uint32": 32}.get(f.type)
    if bits is None or f.series is None or f.values is not None or not quantity(f.series).is_counter:
        return None
    return 2.0**bits * abs(f.scale)


class MappedSource:
    """Source for ``type = "modbus"`` devices."""

    def __init__(
        self, config: ModbusMapConfig, site: SiteConfig | None = None, register_map: RegisterMap | None = None
    ) -> None:
        self.register_map = register_map or load_map(config.map_path())
        self.config = with_map_workarounds(config, self.register_map)
        self.site = site
        self.name = config.name
        self.link = ModbusLink(self.config)
        self.groups = plan_reads(
            self.register_map.fields, self.config.max_registers_per_read, self.register_map.max_register_fill
        )

    def read_fields(self) -> dict[MapField, float | str | None]:
        """One read of every group; raises LinkError or DeviceFault."""
        values: dict[MapField, float | str | None] = {}
        for group in self.groups:
            try:
                registers = self.link.read(group.address, group.count, group.register)  # type: ignore[arg-type]
            except DeviceException as exc:
                if exc.quiet:
                    raise
                last = group.address + group.count - 1
                raise DeviceFault(
                    f"{group.register} registers {group.address}..{last}"
                    f" of map {self.register_map.name}: {exc}"
                ) from exc
            values.update(group_values(group, registers))
        return values

    @property
    def channel_names(self) -> list[str]:
        return [self.name]

    def readings_from(self, fields: dict[MapField, float | str | None], now: float) -> list[Reading]:
        """Readings as the device said them, with their unit; "not implemented" values left out."""
        readings: list[Reading] = []
        for f, value in fields.items():
            if f.series is None or value is None or isinstance(value, str):
                continue
            readings.append(
                Reading(
                    self.name,
                    f.series,
                    now,
                    round(value, 9),  # drop the float noise of raw * scale
                    unit=field_unit(f),
                    wrap=field_wrap(f),
                )
            )
        return readings

    def poll(self, now: float) -> Poll:
        readings = self.readings_from(self.read_fields(), now)
        status = next((r.value for r in readings if r.quantity == "status"), None)
        return Poll(readings, asleep=status in ASLEEP_STATES)

    def forget(self) -> None:
        self.link.close()

    def close(self) -> None:
        self.link.close()

    def run(self, ctx: SourceContext) -> None:
        run_polling(ctx, self, self.config, self.site)
