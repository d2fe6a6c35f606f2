"""``/coach/spreekuur``: the energy coach's consultation hour, behind the coach login.

Enter a bill, see the comparison and the savings, tick measures, print the sheet, save the
visit (a code, no name), and compare a follow-up with the weather taken out. The maths is
buurtwatt.coach; this page only collects the inputs and shows the answers.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import dash
import flask
from dash import Input, Output, State, callback, dcc, html

from buurtwatt.coach.advice import Consultation, consult, payback_text, saving_text, sentence
from buurtwatt.coach.advice import number as coach_number
from buurtwatt.coach.advice import t as coach_t
from buurtwatt.coach.data import load_averages
from buurtwatt.coach.degreedays import follow_up, load_normals
from buurtwatt.coach.household import (
    DWELLINGS,
    HEATING,
    PERIODS,
    Household,
    HouseholdError,
    MeterReading,
    Prices,
    from_bill,
    from_readings,
)
from buurtwatt.coach.sheet import advice_sheet
from buurtwatt.coach.visits import FollowUpRecord, Visit, coach_db_path, new_code, open_book
from buurtwatt.timeutil import local_date
from dashboard.coach_auth import HOME, coach_name
from dashboard.components import frame
from dashboard.context import current
from dashboard.i18n import pick_language, t
from dashboard.lang import page_language, request_language

FOLLOW_UP_DAYS = 91  # about three months


def title(**_: str) -> str:
    return t("title.spreekuur", request_language())


dash.register_page(__name__, path=HOME, title=title, order=31)


def _number(id_: str, label: str, value: float | None = None) -> html.Div:
    return html.Div(
        [
            html.Label(label, htmlFor=id_),
            dcc.Input(id=id_, type="number", value=value, min=0, className="form-control"),
        ],
        className="sp-field",
    )


def _login(lang: str, error: str | None) -> html.Div:
    error = error if error in {"wrong", "blocked", "nocoach"} else None
    return html.Div(
        [
            html.P(t("sp.login_explain", lang)),
            html.P(t(f"sp.login_error.{error}", lang), className="stale-note") if error else None,
            html.Form(
                [
                    html.Label(t("sp.coach_name", lang), htmlFor="sp-coach"),
                    dcc.Input(id="sp-coach", name="coach", type="text", className="form-control"),
                    html.Label(t("sp.password", lang), htmlFor="sp-password"),
                    dcc.Input(id="sp-password", name="password", type="password", className="form-control"),
                    html.Button(
                        t("sp.login", lang), type="submit", id="sp-login", className="btn btn-primary mt-2"
                    ),
                ],
                method="POST",
                action=HOME + "/login",
            ),
        ]
    )


def _overview(lang: str) -> html.Div:
    with open_book(coach_db_path(current().config)) as book:
        planned, per_coach = book.planned(), book.per_coach()
    return html.Div(
        [
            html.H2(t("sp.team_heading", lang)),
            html.Ul(
                [html.Li(f"{due.strftime('%d-%m-%Y')}: {code} ({coach})") for due, code, coach in planned]
            )
            if planned
            else html.P(t("sp.no_followups", lang)),
            html.P(
                ", ".join(f"{c}: {n}" for c, n in per_coach.items()) or t("sp.no_visits", lang),
                id="sp-per-coach",
            ),
            html.A(t("sp.export", lang), href=HOME + "/export.json", id="sp-export"),
        ],
        className="bw-section",
    )


def layout(lang: str | None = None, error: str | None = None, **_: str) -> html.Div:
    lang = page_language(lang)
    name = coach_name()
    if name is None:
        return frame(lang, HOME, [html.H1(t("sp.heading", lang)), _login(lang, error)])
    dwelling = [{"label": coach_t(f"coach.dwelling.{d}", lang), "value": d} for d in DWELLINGS]
    heating = [{"label": coach_t(f"coach.heating.{h}", lang), "value": h} for h in HEATING]
    return frame(
        lang,
        HOME,
        [
            html.H1(t("sp.heading", lang)),
            html.Form(
                [
                    html.Span(t("sp.logged_in", lang, name=name)),
                    dcc.Input(type="hidden", name="csrf", value=flask.session.get("csrf", "")),
                    html.Button(t("sp.logout", lang), type="submit", className="btn btn-link"),
                ],
                method="POST",
                action=HOME + "/logout",
            ),
            html.Section(
                [
                    html.H2(t("sp.household_heading", lang)),
                    _number("sp-persons", t("sp.persons", lang), 2),
                    html.Label(t("sp.dwelling", lang)),
                    dcc.RadioItems(
                        id="sp-dwelling", options=dwelling, value="terraced", className="bw-check"
                    ),
                    html.Label(t("sp.heating", lang)),
                    dcc.RadioItems(
                        id="sp-heating", options=heating, value="gas_boiler", className="bw-check"
                    ),
                    html.Label(t("sp.period", lang)),
                    dcc.RadioItems(
                        id="sp-period",
                        options=[{"label": t(f"sp.period.{p}", lang), "value": p} for p in PERIODS],
                        value="1975_1991",
                        className="bw-check",
                    ),
                    html.H2(t("sp.bill_heading", lang)),
                    _number("sp-kwh-normal", t("sp.kwh_normal", lang)),
                    _number("sp-kwh-low", t("sp.kwh_low", lang), 0),
                    _number("sp-kwh-returned", t("sp.kwh_returned", lang), 0),
                    _number("sp-gas", t("sp.gas", lang), 0),
                    _number("sp-advance", t("sp.advance", lang)),
                    _number(
                        "sp-price-kwh", t("sp.price_kwh", lang), current().config.dashboard.price_eur_per_kwh
                    ),
                    _number(
                        "sp-price-gas",
                        t("sp.price_gas", lang),
                        current().config.dashboard.gas_price_eur_per_m3,
                    ),
                    html.H2(t("sp.earlier_heading", lang)),
                    html.P(t("sp.earlier_explain", lang)),
                    html.Label(t("sp.earlier_date", lang), htmlFor="sp-e-date"),
                    dcc.Input(
                        id="sp-e-date", type="text", placeholder="JJJJ-MM-DD", className="form-control"
                    ),
                    _number("sp-e-normal", t("sp.kwh_normal", lang)),
                    _number("sp-e-low", t("sp.kwh_low", lang)),
                    _number("sp-e-gas", t("sp.gas", lang)),
                    html.Button(t("sp.calculate", lang), id="sp-calc", className="btn btn-primary mt-2"),
                ],
                className="bw-section",
            ),
            html.Section(html.Div(id="sp-result", **{"aria-live": "polite"}), className="bw-section"),
            html.Section(
                [
                    html.H2(t("sp.measures_heading", lang)),
                    html.P(t("sp.done", lang)),
                    dcc.Checklist(id="sp-done", options=[], value=[], className="bw-check"),
                    html.P(t("sp.planned", lang)),
                    dcc.Checklist(id="sp-planned", options=[], value=[], className="bw-check"),
                    html.Div(id="sp-totals"),
                ],
                className="bw-section",
            ),
            html.Section(
                [
                    html.H2(t("sp.meter_heading", lang)),
                    html.P(t("sp.meter_explain", lang)),
                    _number("sp-r-normal", t("sp.kwh_normal", lang)),
                    _number("sp-r-low", t("sp.kwh_low", lang)),
                    _number("sp-r-gas", t("sp.gas", lang)),
                    html.H2(t("sp.sheet_heading", lang)),
                    dcc.RadioItems(
                        id="sp-sheet-lang",
                        options=[
                            {"label": t(f"sp.sheet_lang.{x}", lang), "value": x} for x in ("nl", "en", "tr")
                        ],
                        value=lang,
                        className="bw-check",
                    ),
                    html.Label(t("sp.optional_name", lang), htmlFor="sp-name"),
                    dcc.Input(id="sp-name", type="text", className="form-control"),
                    html.Label(t("sp.optional_address", lang), htmlFor="sp-address"),
                    dcc.Input(id="sp-address", type="text", className="form-control"),
                    html.Button(t("sp.save", lang), id="sp-save", className="btn btn-primary mt-2 me-2"),
                    html.Button(t("sp.sheet", lang), id="sp-sheet", className="btn btn-secondary mt-2"),
                    html.Div(id="sp-saved", **{"aria-live": "polite"}),
                    dcc.Store(id="sp-code"),
                    dcc.Download(id="sp-download"),
                ],
                className="bw-section",
            ),
            html.Section(
                [
                    html.H2(t("sp.followup_heading", lang)),
                    html.Label(t("sp.code", lang), htmlFor="sp-fu-code"),
                    dcc.Input(id="sp-fu-code", type="text", className="form-control"),
                    html.Label(t("sp.fu_date", lang), htmlFor="sp-fu-date"),
                    dcc.Input(
                        id="sp-fu-date", type="text", placeholder="JJJJ-MM-DD", className="form-control"
                    ),
                    _number("sp-fu-normal", t("sp.kwh_normal", lang)),
                    _number("sp-fu-low", t("sp.kwh_low", lang)),
                    _number("sp-fu-gas", t("sp.gas", lang)),
                    html.Button(t("sp.compare", lang), id="sp-fu-go", className="btn btn-primary mt-2 me-2"),
                    html.Button(
                        t("sp.delete", lang), id="sp-delete", className="btn btn-outline-danger mt-2"
                    ),
                    html.Div(id="sp-fu-result", **{"aria-live": "polite"}),
                ],
                className="bw-section",
            ),
            _overview(lang),
        ],
    )


def _today() -> date:
    return local_date(time.time(), current().tz)


FIELDS = (
    "persons", "dwelling", "heating", "period", "kwh-normal", "kwh-low", "kwh-returned", "gas", "advance",
    "price-kwh", "price-gas", "e-date", "e-normal", "e-low", "e-gas", "r-normal", "r-low", "r-gas",
)  # fmt: skip
INPUTS = [State(f"sp-{name}", "value") for name in FIELDS]


def _fields(values: list[Any]) -> dict[str, Any]:
    return dict(zip(FIELDS, values, strict=True))


def _float(value: Any) -> float:
    return float(value or 0)


def _today_reading(f: dict[str, Any]) -> MeterReading | None:
    """The meters on the day of the visit, when the coach filled them in."""
    if f["r-normal"] is None:
        return None
    return MeterReading(_today(), _float(f["r-normal"]), _float(f["r-low"]), 0.0, 0.0, _float(f["r-gas"]))


def _consult(values: list[Any]) -> Consultation:
    """From the bill, or, when an earlier reading is given, from it and today's readings."""
    f = _fields(values)
    household = Household(int(f["persons"] or 1), f["dwelling"], f["heating"], f["period"])
    today = _today_reading(f)
    if f["e-date"] and f["e-normal"] is not None and today is not None:
        earlier = MeterReading(
            date.fromisoformat(f["e-date"]),
            _float(f["e-normal"]),
            _float(f["e-low"]),
            0.0,
            0.0,
            _float(f["e-gas"]),
        )
        use = from_readings(earlier, today)
    else:
        use = from_bill(
            _float(f["kwh-normal"]), _float(f["kwh-low"]), _float(f["kwh-returned"]), _float(f["gas"])
        )
    prices = Prices(_float(f["price-kwh"]), None, None, _float(f["price-gas"]))
    return consult(household, prices, use, _today().year, float(f["advance"]) if f["advance"] else None)


def _chosen(done: list[str] | None, planned: list[str] | None) -> dict[str, str]:
    out = {k: "planned" for k in planned or []}
    out.update({k: "done" for k in done or []})  # done today wins over planned
    return out


@callback(
    Output("sp-result", "children"),
    Output("sp-done", "options"),
    Output("sp-planned", "options"),
    Input("sp-calc", "n_clicks"),
    *INPUTS,
    State("page-lang", "data"),
    prevent_initial_call=True,
)
def _calculate(_n: int | None, *values: Any):
    lang = pick_language(values[-1])
    if coach_name() is None:
        return html.P(t("sp.login_needed", lang)), [], []
    try:
        c = _consult(list(values[:-1]))
    except (HouseholdError, ValueError, TypeError) as exc:
        return html.P(t("sp.bad_input", lang, problem=str(exc)), className="stale-note"), [], []
    lines = [sentence(c.comparison.electricity, lang)]
    if c.comparison.gas is not None:
        lines.append(sentence(c.comparison.gas, lang))
    options = []
    rows = []
    for a in c.advice:
        name = coach_t(f"coach.measure.{a.key}", lang)
        options.append({"label": name, "value": a.key})
        if a.kind == "subsidy":
            continue
        rows.append(
            html.Tr(
                [
                    html.Th(name),
                    html.Td(saving_text(a, lang)),
                    html.Td(f"€ {coach_number(a.eur, lang)}"),
                    html.Td(f"{coach_number(a.kg_co2, lang)} kg"),
                    html.Td(f"€ {coach_number(a.cost_eur, lang)}"),
                    html.Td(payback_text(a, lang)),
                ]
            )
        )
    head = html.Tr(
        [html.Th(t(f"sp.col.{k}", lang)) for k in ("measure", "saves", "eur", "co2", "cost", "payback")]
    )
    return (
        html.Div(
            [
                html.H2(t("sp.compare_heading", lang)),
                *[html.P(x, className="plug-sentence sp-sentence") for x in lines],
                html.P(t("sp.cost", lang, eur=coach_number(c.cost_eur, lang)), id="sp-cost"),
                html.Table([html.Thead(head), html.Tbody(rows)], className="table", id="sp-table"),
            ]
        ),
        options,
        options,
    )


@callback(
    Output("sp-totals", "children"),
    Input("sp-done", "value"),
    Input("sp-planned", "value"),
    *INPUTS,
    State("page-lang", "data"),
    prevent_initial_call=True,
)
def _totals(done: list[str], planned: list[str], *values: Any):
    lang = pick_language(values[-1])
    if coach_name() is None or not (done or planned):
        return None
    try:
        totals = _consult(list(values[:-1])).totals(_chosen(done, planned))
    except (HouseholdError, ValueError, TypeError):
        return None  # the calculate button says what is wrong
    eur = totals["done_eur"] + totals["planned_eur"]
    kg = totals["done_kg_co2"] + totals["planned_kg_co2"]
    return html.P(
        t("sp.totals", lang, eur=coach_number(eur, lang), kg=coach_number(kg, lang)),
        id="sp-total",
        className="plug-sentence",
    )


@callback(
    Output("sp-download", "data"),
    Input("sp-sheet", "n_clicks"),
    State("sp-done", "value"),
    State("sp-planned", "value"),
    State("sp-sheet-lang", "value"),
    State("sp-name", "value"),
    State("sp-address", "value"),
    State("sp-code", "data"),
    *INPUTS,
    prevent_initial_call=True,
)
def _sheet(_n, done, planned, sheet_lang, name, address, code, *values: Any):
    if coach_name() is None:
        return dash.no_update
    try:
        consultation = _consult(list(values))
    except (HouseholdError, ValueError, TypeError):
        return dash.no_update  # the calculate button says what is wrong
    pdf = advice_sheet(
        consultation,
        _chosen(done, planned),
        sheet_lang or "nl",
        _today(),
        code,
        name or "",
        address or "",
    )
    return dcc.send_bytes(pdf, "energie-advies.pdf")


@callback(
    Output("sp-saved", "children"),
    Output("sp-code", "data"),
    Input("sp-save", "n_clicks"),
    State("sp-done", "value"),
    State("sp-planned", "value"),
    *INPUTS,
    State("page-lang", "data"),
    prevent_initial_call=True,
)
def _save(_n, done, planned, *values: Any):
    lang = pick_language(values[-1])
    name = coach_name()
    if name is None:
        return html.P(t("sp.login_needed", lang)), None
    try:
        c = _consult(list(values[:-1]))
    except (HouseholdError, ValueError, TypeError) as exc:
        return html.P(t("sp.bad_input", lang, problem=str(exc)), className="stale-note"), None
    chosen = _chosen(done, planned)
    today = _today()
    reading = _today_reading(_fields(list(values[:-1])))
    code = new_code()
    visit = Visit(
        code,
        name,
        today,
        c.household,
        c.prices,
        c.use,
        reading,
        chosen,
        c.totals(chosen),
        today + timedelta(days=FOLLOW_UP_DAYS) if reading else None,
    )
    with open_book(coach_db_path(current().config)) as book:
        book.save(visit)
    return html.P(t("sp.saved", lang, code=code), id="sp-saved-code", className="plug-sentence"), code


@callback(
    Output("sp-fu-result", "children"),
    Input("sp-fu-go", "n_clicks"),
    Input("sp-delete", "n_clicks"),
    State("sp-fu-code", "value"),
    State("sp-fu-date", "value"),
    State("sp-fu-normal", "value"),
    State("sp-fu-low", "value"),
    State("sp-fu-gas", "value"),
    State("page-lang", "data"),
    prevent_initial_call=True,
)
def _follow_up(_go, _delete, code, day, normal, low, gas, lang):
    lang = pick_language(lang)
    name = coach_name()
    if name is None:
        return html.P(t("sp.login_needed", lang))
    with open_book(coach_db_path(current().config)) as book:
        if dash.ctx.triggered_id == "sp-delete":
            gone = book.delete(code or "")
            return html.P(t("sp.deleted" if gone else "sp.not_found", lang, code=code or ""), id="sp-fu-text")
        visit = book.get(code or "")
        if visit is None:
            return html.P(t("sp.not_found", lang, code=code or ""), id="sp-fu-text")
        if visit.reading is None:
            return html.P(t("sp.no_reading", lang), id="sp-fu-text")
        try:
            second = MeterReading(
                date.fromisoformat(day or ""), float(normal), float(low or 0), 0, 0, float(gas or 0)
            )
        except (TypeError, ValueError):
            return html.P(t("sp.bad_followup", lang), id="sp-fu-text")
        hot_water = visit.household.persons * load_averages().hot_water_m3_per_person.value
        degree_days = load_normals().with_measured(book.degree_days())
        try:
            result = follow_up(
                visit.year_use.gas_m3, visit.year_use.kwh_used, hot_water, visit.reading, second, degree_days
            )
        except HouseholdError as exc:
            return html.P(t("sp.bad_input", lang, problem=str(exc)), id="sp-fu-text")
        book.add_followup(FollowUpRecord(visit.code, second.day, name, second, result.to_dict()))
    lines = [t("sp.fu_period", lang, days=result.days, dd=coach_number(result.degree_days, lang))]
    for key, change in (("coach.followup.gas", result.gas_change), ("coach.followup.kwh", result.kwh_change)):
        if change is not None:
            direction = coach_t("coach.followup.less" if change < 0 else "coach.followup.more", lang)
            lines.append(coach_t(key, lang, percent=round(abs(change) * 100), direction=direction))
    if not result.measured_weather:
        lines.append(coach_t("coach.followup.normals", lang))
    return html.Div([html.P(x, className="plug-sentence") for x in lines], id="sp-fu-text")
