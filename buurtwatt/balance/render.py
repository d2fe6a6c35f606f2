"""Plain-text rendering of a balance report for the terminal (English, units always shown)."""

from __future__ import annotations

from buurtwatt.balance.api import BalanceReport
from buurtwatt.balance.factors import Factors, equivalents
from buurtwatt.balance.model import PeriodBalance


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


COLUMNS = (
    "period",
    "import kWh",
    "export kWh",
    "solar kWh",
    "use kWh",
    "self-suff",
    "gas m3",
    "E+",
    "emitted kg",
    "avoided kg",
    "net kg",
    "CO2+",
    "data",
)


def _row(p: PeriodBalance) -> list[str]:
    e, c, cov = p.energy, p.co2, p.coverage
    data = (
        f"{cov.fraction * 100:.0f}%"
        + (" PARTIAL" if cov.partial else "")
        + (" (in progress)" if cov.in_progress else "")
    )
    return [
        p.period.label,
        f"{e.import_kwh:.1f}",
        f"{e.export_kwh:.1f}",
        f"{e.production_kwh:.1f}",
        f"{e.consumption_kwh:.1f}",
        _pct(e.self_sufficiency),
        f"{e.gas_m3:.1f}",
        _yes(e.energy_positive),
        f"{c.emitted_kg:.1f}",
        f"{c.avoided_kg:.1f}",
        f"{c.net_kg:+.1f}",
        _yes(c.co2_positive),
        data,
    ]


def table(rows: list[list[str]], header: tuple[str, ...]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(list(header)), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def render(report: BalanceReport, factors: Factors) -> str:
    out = [
        f"Energy and CO2 balance of {report.site}, {report.start} up to and including "
        f"{report.to_dict()['to']} ({report.timezone}), by {report.by}",
        "",
    ]
    out.append(
        table(
            [_row(p) for p in report.periods] + ([_row(report.total)] if report.by != "total" else []),
            COLUMNS,
        )
    )
    e, c, cov = report.total.energy, report.total.co2, report.total.coverage
    out += ["", "Total", *_details(report, e, c)]
    out += ["", "Data coverage"]
    out += [f"  {s.series:<28} {s.present}/{s.expected} {s.unit}s with data" for s in cov.series]
    out += [f"  ! {p}" for p in cov.problems()] or ["  complete"]
    if cov.partial:
        out.append("  Missing data make the figures too low; they are not counted as zero use.")
    out += ["", "System boundary (what is counted)", *(f"  {line}" for line in report.boundary_lines())]
    out += ["", "Factors used"]
    seen = set()
    for use in (u for p in [*report.periods, report.total] for u in p.co2.factors):
        key = (use.role, use.factor.category, use.factor.year)
        if key not in seen:
            seen.add(key)
            out.append(f"  {use.role:<7} {use.factor.describe()}")
    if c.hourly_intensity_hours:
        out.append(
            f"  grid    hourly intensity grid:co2_g_per_kwh in {c.hourly_intensity_hours} hours "
            "(the yearly factor in the other hours)"
        )
    out.append(
        f"  gas kWh {report.balance.gas_kwh_per_m3:g} kWh/m3; source: {report.balance.gas_kwh_per_m3_source}"
    )
    eq = equivalents(c.net_kg, factors)
    if eq:
        out += ["", f"The net {abs(c.net_kg):.0f} kg CO2 {'avoided' if c.net_kg >= 0 else 'emitted'} equals:"]
        out += [
            f"  {q.amount:,.0f} {q.comparison.label} ({q.comparison.value:g} {q.comparison.unit}; "
            f"source: {q.comparison.source}{'' if q.comparison.verified else ', unverified'})"
            for q in eq
        ]
    if report.warnings:
        out += ["", "Warnings", *(f"  {w}" for w in report.warnings)]
    return "\n".join(out)


def _details(report: BalanceReport, e, c) -> list[str]:  # noqa: ANN001
    rows = [
        ("import", e.import_kwh, "kWh"),
        ("export", e.export_kwh, "kWh"),
        ("own production", e.production_kwh, "kWh"),
        ("consumption", e.consumption_kwh, "kWh"),
        ("self-consumed", e.self_consumed_kwh, "kWh"),
        ("gas", e.gas_m3, "m3"),
        ("gas", e.gas_kwh, "kWh"),
        ("collective roof (whole)", e.collective_production_kwh, "kWh"),
        ("collective share", e.collective_share_kwh, "kWh"),
        ("renewable generation", e.generation_kwh, "kWh"),
        ("demand (electricity + gas)", e.demand_kwh, "kWh"),
        ("surplus", e.surplus_kwh, "kWh"),
        ("emitted", c.emitted_kg, "kg CO2-eq"),
        ("  electricity", c.emitted_electricity_kg, "kg CO2-eq"),
        ("  gas", c.emitted_gas_kg, "kg CO2-eq"),
        ("avoided", c.avoided_kg, "kg CO2-eq"),
        ("  export", c.avoided_export_kg, "kg CO2-eq"),
        ("  collective share", c.avoided_collective_kg, "kg CO2-eq"),
        ("net (avoided - emitted)", c.net_kg, "kg CO2-eq"),
    ]
    lines = [f"  {name:<28} {value:>12.2f} {unit}" for name, value, unit in rows]
    lines += [
        f"  {'self-sufficiency':<28} {_pct(e.self_sufficiency):>12}",
        f"  {'self-consumption ratio':<28} {_pct(e.self_consumption_ratio):>12}",
        f"  {'energy_positive':<28} {_yes(e.energy_positive):>12}",
        f"  {'co2_positive':<28} {_yes(c.co2_positive):>12}",
    ]
    return lines
