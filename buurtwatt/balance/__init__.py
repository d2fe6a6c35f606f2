"""Energy and CO2 balance of the building: is it energy-positive and CO2-positive?

The method is written down in docs/co2-method.md. Layout, one job per module:

- ``config``: the [balance] section (device roles, system boundary, factor choices).
- ``factors``: reads config/factors/nl.toml (every value with its source) and comparisons.
- periods (hours, days, months, years in local time, 23- and 25-hour days) come from
  ``buurtwatt.timeutil``, the one calendar; device roles from ``buurtwatt.roles``.
- ``hourly``: hourly increases as plain arrays; a missing hour is a gap, never a zero.
- ``compute``: the pure maths (``energy_from_sums``, ``co2_from_sums``, ``compute_balance``).
- ``projection``: when the building becomes CO2-positive since the start at the current rate.
- ``reader``: the only I/O: reads the hourly increases from a store.
- ``intensity``: imports an hourly grid intensity CSV as ``grid:co2_g_per_kwh``.
- ``api``, ``render``, ``cli``: ``buurtwatt balance`` and ``buurtwatt import-intensity``.

Public API for the dashboard::

    from buurtwatt.balance import balance_for, projection

    report = balance_for(store, site_config, date(2025, 1, 1), date(2026, 1, 1), by="month")
    for p in report.periods:          # PeriodBalance
        p.period.label                # "2025-01"
        p.energy                      # EnergyBalance: import_kwh, export_kwh, production_kwh,
                                      #   consumption_kwh, self_consumed_kwh, self_sufficiency,
                                      #   self_consumption_ratio, gas_m3, gas_kwh, collective_share_kwh,
                                      #   generation_kwh, demand_kwh, surplus_kwh, energy_positive
        p.co2                         # Co2Balance: emitted_kg, avoided_kg, net_kg, co2_positive,
                                      #   factors (FactorUse: role, factor with year and source, hours)
        p.coverage                    # Coverage: partial, in_progress, fraction, problems()
    report.total                      # the same for the whole range
    report.boundary_lines()           # the system boundary in words; report.balance.boundary as flags
    report.to_dict()                  # JSON-ready

    today = today_so_far(store, site_config)      # PeriodBalance of today up to now
    live = live_now(store, roles)                 # LivePower: import_w, export_w, production_w,
                                                  #   consumption_w (same definitions as the kWh)
    energy_buckets(store, roles, start, end, Resolution.HOUR)  # [EnergyBucket] for charts
    power_history(store, roles, start, end)       # [LivePower] per 15 minutes: a 24-hour graph
    plug_energy(store, roles, start, end)         # {plug: kWh}: who used most today
    room_climate(store, roles)                    # [RoomClimate]: newest CO2 ppm, °C, % per room
    plug_history(store, roles, plug, start, end, Resolution.DAY)  # PlugHistory: kWh per bucket
    room_history(store, roles, room, start, end, Resolution.DAY)  # {quantity: [ClimateBucket]}
    roles = site_roles(site_config, store)        # buurtwatt.roles.Roles; pass roles= to reuse

    proj = projection(store, site_config)   # Projection: status, cumulative_net_kg,
                                            #   rate_kg_per_year, date, days, full_year
    equivalents(kg, factors_for(site_config))  # [Equivalent(comparison, amount)], e.g. km by car

Dates are local dates; ``end`` is exclusive. ``by`` is "hour", "day", "month", "year" or "total".
"""

from buurtwatt.balance.api import (
    BalanceReport,
    ClimateBucket,
    PlugHistory,
    RoomClimate,
    balance_for,
    energy_buckets,
    energy_of,
    factors_for,
    live_now,
    plug_energy,
    plug_history,
    power_history,
    projection,
    room_climate,
    room_history,
    site_roles,
    today_so_far,
)
from buurtwatt.balance.factors import Equivalent, Factor, Factors, equivalents, load_factors
from buurtwatt.balance.model import (
    Co2Balance,
    Coverage,
    EnergyBalance,
    EnergyBucket,
    FactorUse,
    LivePower,
    PeriodBalance,
)
from buurtwatt.balance.projection import Projection

__all__ = [
    "BalanceReport",
    "Co2Balance",
    "Coverage",
    "EnergyBalance",
    "EnergyBucket",
    "Equivalent",
    "Factor",
    "FactorUse",
    "LivePower",
    "Factors",
    "PeriodBalance",
    "Projection",
    "balance_for",
    "energy_buckets",
    "energy_of",
    "equivalents",
    "factors_for",
    "live_now",
    "plug_energy",
    "plug_history",
    "power_history",
    "room_climate",
    "room_history",
    "ClimateBucket",
    "PlugHistory",
    "RoomClimate",
    "load_factors",
    "projection",
    "site_roles",
    "today_so_far",
]
