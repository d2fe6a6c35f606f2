"""Plain-text rendering of a balance report for the terminal (Dutch or English, units always shown)."""

from __future__ import annotations

from buurtwatt.balance.api import BalanceReport
from buurtwatt.balance.factors import Factors, equivalents
from buurtwatt.balance.model import PeriodBalance
from buurtwatt.i18n import t


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _yes(flag: bool, lang: str) -> str:
    return t("balance.render.yes" if flag else "balance.render.no", lang)


COLUMNS = (
    "period",
    "import",
    "export",
    "solar",
    "use",
    "self_suff",
    "gas",
    "eplus",
    "emitted",
    "avoided",
    "net",
    "co2plus",
    "data",
)


def columns(lang: str) -> tuple[str, ...]:
    return tuple(t(f"balance.render.col.{key}", lang) for key in COLUMNS)


def _row(p: PeriodBalance, lang: str) -> list[str]:
    e, c, cov = p.energy, p.co2, p.coverage
    data = (
        f"{cov.fraction * 100:.0f}%"
        + (t("balance.render.partial", lang) if cov.partial else "")
        + (t("balance.render.in_progress", lang) if cov.in_progress else "")
    )
    return [
        p.period.label,
        f"{e.import_kwh:.1f}",
        f"{e.export_kwh:.1f}",
        f"{e.production_kwh:.1f}",
        f"{e.consumption_kwh:.1f}",
        _pct(e.self_sufficiency),
        f"{e.gas_m3:.1f}",
        _yes(e.energy_positive, lang),
        f"{c.emitted_kg:.1f}",
        f"{c.avoided_kg:.1f}",
        f"{c.net_kg:+.1f}",
        _yes(c.co2_positive, lang),
        data,
    ]


def table(rows: list[list[str]], header: tuple[str, ...]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(list(header)), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def render(report: BalanceReport, factors: Factors, lang: str = "nl") -> str:
    def say(key: str, **values: object) -> str:
        return t(f"balance.render.{key}", lang, **values)

    to = report.to_dict()["to"]
    out = [
        say(
            "title",
            site=report.site,
            start=report.start,
            to=to,
            tz=report.timezone,
            by=say(f"by.{report.by}"),
        ),
        "",
    ]
    out.append(
        table(
            [_row(p, lang) for p in report.periods]
            + ([_row(report.total, lang)] if report.by != "total" else []),
            columns(lang),
        )
    )
    e, c, cov = report.total.energy, report.total.co2, report.total.coverage
    out += ["", say("total"), *_details(e, c, lang)]
    out += ["", say("coverage")]
    out += [
        say(
            "with_data",
            series=str(s.series),
            present=s.present,
            expected=s.expected,
            unit=t(f"balance.unit.{s.unit}", lang),
        )
        for s in cov.series
    ]
    out += [f"  ! {p}" for p in cov.problems(lang)] or [say("complete")]
    if cov.partial:
        out.append(say("missing"))
    out += ["", say("boundary"), *(f"  {line}" for line in report.boundary_lines(lang))]
    out += ["", say("factors")]
    seen = set()
    for use in (u for p in [*report.periods, report.total] for u in p.co2.factors):
        key = (use.role, use.factor.category, use.factor.year)
        if key not in seen:
            seen.add(key)
            out.append(f"  {use.role:<7} {use.factor.describe()}")
    if c.hourly_intensity_hours:
        out.append(say("hourly", n=c.hourly_intensity_hours))
    out.append(
        say(
            "gas_kwh", value=f"{report.balance.gas_kwh_per_m3:g}", source=report.balance.gas_kwh_per_m3_source
        )
    )
    eq = equivalents(c.net_kg, factors)
    if eq:
        out += ["", say("equals_avoided" if c.net_kg >= 0 else "equals_emitted", kg=f"{abs(c.net_kg):.0f}")]
        out += [
            f"  {q.amount:,.0f} {q.comparison.label} ({q.comparison.value:g} {q.comparison.unit}; "
            f"{say('source')}: {q.comparison.source}{'' if q.comparison.verified else say('unverified')})"
            for q in eq
        ]
    if report.warnings:
        out += ["", say("warnings"), *(f"  {w}" for w in report.warnings)]
    return "\n".join(out)


def _details(e, c, lang: str) -> list[str]:  # noqa: ANN001
    rows = [
        ("import", e.import_kwh, "kWh"),
        ("export", e.export_kwh, "kWh"),
        ("production", e.production_kwh, "kWh"),
        ("consumption", e.consumption_kwh, "kWh"),
        ("self_consumed", e.self_consumed_kwh, "kWh"),
        ("gas", e.gas_m3, "m3"),
        ("gas", e.gas_kwh, "kWh"),
        ("collective_production", e.collective_production_kwh, "kWh"),
        ("collective_share", e.collective_share_kwh, "kWh"),
        ("generation", e.generation_kwh, "kWh"),
        ("demand", e.demand_kwh, "kWh"),
        ("surplus", e.surplus_kwh, "kWh"),
        ("emitted", c.emitted_kg, "kg CO2-eq"),
        ("electricity", c.emitted_electricity_kg, "kg CO2-eq"),
        ("gas_co2", c.emitted_gas_kg, "kg CO2-eq"),
        ("avoided", c.avoided_kg, "kg CO2-eq"),
        ("avoided_export", c.avoided_export_kg, "kg CO2-eq"),
        ("avoided_collective", c.avoided_collective_kg, "kg CO2-eq"),
        ("net", c.net_kg, "kg CO2-eq"),
    ]
    lines = [f"  {t(f'balance.render.{key}', lang):<28} {value:>12.2f} {unit}" for key, value, unit in rows]
    lines += [
        f"  {t('balance.render.self_sufficiency', lang):<28} {_pct(e.self_sufficiency):>12}",
        f"  {t('balance.render.self_consumption', lang):<28} {_pct(e.self_consumption_ratio):>12}",
        f"  {t('balance.render.energy_positive', lang):<28} {_yes(e.energy_positive, lang):>12}",
        f"  {t('balance.render.co2_positive', lang):<28} {_yes(c.co2_positive, lang):>12}",
    ]
    return lines
