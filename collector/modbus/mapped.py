"""Devices read through a register map (``type = "modbus"``): Huawei, GoodWe, Growatt, SDM630, ...

The map (config/registers/<name>.toml) says which register feeds which series;
this module only reads the planned groups over the device's one connection and
turns them into readings. A map's ``[workarounds]`` (Telegraf's
``pause_after_connect`` / ``pause_between_requests``) apply unless the device
config sets ``connect_delay`` / ``request_delay`` itself.
"""

from __future__ import annotations

from buurtwatt.config import SiteConfig
from buurtwatt.readings import Reading
from buurtwatt.units import UnitError, convert
from buurtwatt.vocabulary import quantity
from collector.modbus.config import ModbusMapConfig
from collector.modbus.link import DeviceException, ModbusLink
from collector.modbus.polling import DeviceFault, Poll, run_polling
from collector.modbus.registermap import MapError, MapField, RegisterMap, group_values, load_map, plan_reads
from collector.modbus.sunspec_models import ASLEEP_STATES
from collector.source import SourceContext


def with_map_workarounds(config: ModbusMapConfig, register_map: RegisterMap) -> ModbusMapConfig:
    """Apply the map's connect/request delays where the device config does not set its own."""
    update = {k: v for k, v in register_map.workarounds.items() if k not in config.model_fields_set}
    return config.model_copy(update=update) if update else config


def to_vocabulary(f: MapField, value: float) -> float:
    """Convert a field's device unit (``unit = "Wh"``) to the series' unit."""
    assert f.series is not None
    return convert(value, f.unit, quantity(f.series).unit)


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
        for f in self.register_map.fields:
            if f.series and f.unit:
                try:
                    to_vocabulary(f, 1.0)
                except UnitError as exc:
                    raise MapError(f"{self.register_map.path} field {f.name}: {exc}") from None

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

    def readings_from(self, fields: dict[MapField, float | str | None], now: float) -> list[Reading]:
        """Readings from read fields: units converted, missing values and zero counters left out."""
        readings: list[Reading] = []
        for f, value in fields.items():
            if f.series is None or value is None or isinstance(value, str):
                continue
            number = to_vocabulary(f, value)
            if quantity(f.series).is_counter and number <= 0:
                continue  # a lifetime counter of 0 is a device that does not know, never data
            readings.append(Reading(self.name, f.series, now, round(number, 9)))  # drop float noise
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
