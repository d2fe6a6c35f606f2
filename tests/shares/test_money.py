"""Issue 16 items 2-5 and 9: scheme rules, payments, cents, double counting, statements.

Hand-computed cases; the arithmetic is in each test.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from fractions import Fraction as F

import pytest
from pydantic import ValidationError

from buurtwatt.config import ConfigError, parse_config
from buurtwatt.shares.endview import end_of_project
from buurtwatt.shares.pcr import pcr_years
from buurtwatt.shares.register import RegisterError, parse_register
from buurtwatt.shares.sce import sce_years
from buurtwatt.shares.settle import settle
from buurtwatt.shares.statement import StatementPart, money_line
from buurtwatt.shares.summary import repayment_status, year_euros
from buurtwatt.shares.tariffs import Tariffs, load_tariffs, scheme_end
from tests.shares.helpers import flat, hold, roof

PEOPLE = (
    "participant_id,name,email,postcode,house_number,ean,repay_from_yield,stake_eur,consumption_kwh\n"
    "A,Anna,,2532 AB,1,,true,5000,\n"
    "B,Bert,,2532 AB,2,,false,0,1500\n"
)


def test_postcoderoos_roof_started_in_2025_is_refused_with_key_and_line() -> None:
    text = """
[site]
name = "t"
timezone = "Europe/Amsterdam"
[store]
type = "sqlite"
path = "x.sqlite"
[[installations]]
name = "dak-2025"
scheme = "postcoderoos"
production = "dak:energy_kwh"
shares_issued = 10
delivery_start = 2025-11-01
pc4 = "2532"
"""
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    message = str(caught.value.render())
    assert "installations[0].delivery_start (regel 13)" in message
    assert "'dak-2025'" in message and "2021-04-01" in message and 'scheme = "sce"' in message
    # before 1 April 2021 the same roof is fine
    assert roof(delivery=date(2021, 3, 31)).scheme == "postcoderoos"


def test_sce_needs_the_basisenergieprijs() -> None:
    with pytest.raises(ValidationError, match="basisenergieprijs"):
        roof(scheme="sce", delivery=date(2022, 1, 1), sce={"basisbedrag": "0.124"})


def _sce_roof():
    return roof(
        scheme="sce",
        delivery=date(2022, 1, 1),
        sce={"basisbedrag": "0.124", "basisenergieprijs": "0.05", "source": "beschikking"},
    )


def test_sce_in_a_low_price_year_is_floored_and_a_missing_year_is_not_filled() -> None:
    tariffs = Tariffs({}, sce_correction={2022: (D("0.037"), True), 2024: (D("0.122"), False)})
    production = flat(date(2022, 1, 1), date(2025, 12, 31), 10)
    holdings = [hold("A", 10, "2022-01-01")]
    inst = _sce_roof()
    s22 = settle(inst, holdings, production, tariffs, date(2022, 1, 1), date(2022, 12, 31))
    # 2022: correctiebedrag 0.037 is below the floor 0.05, so 0.124 - 0.05 = 0.074 per kWh
    # (not 0.124 - 0.037 = 0.087); 365 days x 10 kWh = 3,650 kWh -> 3,650 x 0.074 = 270.10
    assert s22.participant_eur("A") == F(3650) * F("0.074")
    assert s22.rounded().rows[0].eur == D("270.10")
    # 2024: 0.122 is above the floor: 0.124 - 0.122 = 0.002; 366 x 10 x 0.002 = 7.32
    s24 = settle(inst, holdings, production, tariffs, date(2024, 1, 1), date(2024, 12, 31))
    assert s24.rounded().rows[0].eur == D("7.32")
    # 2025 has no published correctiebedrag: no euros, said so, never 2024's figure reused
    s25 = settle(inst, holdings, production, tariffs, date(2025, 1, 1), date(2025, 12, 31))
    assert s25.participant_eur("A") == 0 and s25.unpriced_years == (2025,)
    assert any("no published SCE correctiebedrag for 2025" in n for n in s25.notes)


def test_discount_capped_by_own_consumption() -> None:
    register = parse_register(
        PEOPLE, "participant_id,installation,shares,start,end\nB,dak,1,2020-01-01,\n", [roof(1)]
    )
    assert register.participants["B"].consumption_kwh == D(1500)
    use = {pid: F(v) for pid, v in register.consumption().items()}
    # 2024, 10 kWh a day = 3,660 kWh allocated, but Bert uses 1,500 kWh a year:
    # discount on 1,500 kWh x 0.10880 x 1.21 = 197.472 -> 197.47
    s = settle(
        roof(1),
        list(register.holdings),
        flat(date(2024, 1, 1), date(2024, 12, 31)),
        load_tariffs(),
        date(2024, 1, 1),
        date(2024, 12, 31),
        consumption=use,
    )
    assert s.participant_kwh("B") == F(3660)
    assert s.participant_eur("B") == F(1500) * F("0.10880") * F("1.21")
    assert s.rounded().rows[0].eur == D("197.47")


def test_cents_add_up_across_years() -> None:
    # exact year amounts 82.813 and 4.274 round half-up to 82.81 + 4.27 = 87.08, but their
    # exact sum 87.087 rounds to 87.09 (the mismatch). Rounded once by largest
    # remainder: floors 82.81 + 4.27 = 87.08, one cent missing, it goes to the larger
    # remainder (4.274: 0.4 cent > 82.813: 0.3 cent): 82.81 + 4.28 = 87.09
    class S:  # a settlement as year_euros reads it: only .installation.name and .eur
        installation = roof()
        eur = {"A": {date(2025, 12, 1): F("82.813"), date(2026, 1, 1): F("4.274")}}

    parts = year_euros([S()], "A")  # type: ignore[list-item]
    assert parts == {("dak", 2025): D("82.81"), ("dak", 2026): D("4.28")}
    r = repayment_status(D(5000), [S()], "A", date(2026, 1, 31))  # type: ignore[list-item]
    assert r.repaid_eur == sum(v for _y, v in r.from_yield) == D("87.09")


def test_payments_and_payoff_beyond_the_scheme_end() -> None:
    payments = "date,participant,amount,kind\n2026-01-10,A,100.00,instalment\n2026-02-01,A,12,refund\n"
    with pytest.raises(RegisterError) as caught:
        parse_register(
            PEOPLE, "participant_id,installation,shares,start,end\n", [roof()], payments_text=payments
        )
    assert "payments.csv, line 3" in caught.value.render() and "refund" in caught.value.render()
    register = parse_register(
        PEOPLE,
        "participant_id,installation,shares,start,end\n",
        [roof()],
        payments_text=payments.splitlines()[0] + "\n" + payments.splitlines()[1] + "\n",
    )
    [paid] = register.payments_of("A")
    assert paid.amount_eur == D("100.00") and paid.line == 2

    # 1 kWh a day 2025-01-01..2026-06-30 at 0.25 EUR/kWh; stake 5,000, 100 paid in.
    class S:
        installation = roof()
        eur = {"A": {date(2025, m, 1): F(30 * 25, 100) for m in range(1, 13)}}

    r = repayment_status(
        D(5000), [S()], "A", date(2025, 12, 31), register.payments_of("A"), date(2040, 12, 31)
    )
    # yield 12 x 7.50 = 90.00 (the payment is from 2026, not counted yet); left 4,910.00;
    # 90 a year -> 4,910 / 90 x 365 days = 19,913 days (54.6 years) -> 2080, long after the
    # end on 2040-12-31
    assert r.repaid_eur == D("90.00") and r.left_eur == D("4910.00")
    assert r.payoff_date is not None and r.payoff_date.year in (2079, 2080, 2081)
    assert r.beyond_end
    # at the end: 90 + 15 years x 90 = 1,440 of yield, less than the stake: 3,560 still owed;
    # both the payer and the repayer end with 1,440 - 5,000 = -3,560
    assert r.end is not None and r.end.repayer.still_owed_eur == D("5000") - r.end.expected_yield_eur
    assert r.end.same


def test_evenveel_over() -> None:
    # stake 900, 15 years x 120 = 1,800 yield, 100 paid in instalments:
    # payer: paid 900, received 1,800, left 900; repayer: paid 100, yield repays 800,
    # received 1,000, left 1,000 - 100 = 900
    end = end_of_project(D(900), D(1800), D(100), date(2040, 10, 31))
    assert (end.payer.left_over_eur, end.repayer.left_over_eur) == (D("900.00"), D("900.00"))
    assert end.repayer.received_eur == D("1000.00") and end.repayer.still_owed_eur == 0
    assert end.same


def test_holdings_above_the_issued_shares_and_the_organisation_flag() -> None:
    people = PEOPLE.replace("consumption_kwh", "consumption_kwh,organisation").replace(",\n", ",,\n")
    people = people.replace("1500\n", "1500,\n") + "ORG,Buurtwerkplaats,,2532 AB,3,,false,0,,true\n"
    holdings = (
        "participant_id,installation,shares,start,end\n"
        "A,dak,5,2024-01-01,\nB,dak,3,2024-01-01,\nORG,dak,3,2024-06-01,\n"
    )
    # 5 + 3 = 8 of 10 until June; with the organisation's 3: 11 > 10 from 2024-06-01
    with pytest.raises(RegisterError) as caught:
        parse_register(people, holdings, [roof(10)])
    text = caught.value.render()
    assert "from 2024-06-01" in text and "'dak'" in text and "11 shares" in text and "10 issued" in text
    ok = parse_register(people, holdings.replace("ORG,dak,3", "ORG,dak,2"), [roof(10)])
    assert ok.organisation == "ORG" and ok.shares_on("dak", date(2024, 6, 1))["ORG"] == 2


def test_scheme_end_is_15_years_less_a_day() -> None:
    assert scheme_end(roof(delivery=date(2020, 6, 15)), load_tariffs()) == date(2035, 6, 14)


def test_sce_figures_per_year_with_sources() -> None:
    tariffs = Tariffs(
        {},
        sce_correction={2022: (D("0.037"), True), 2024: (D("0.122"), False)},
        sce_sources={2022: "RVO 2022", 2024: "RVO 2024"},
    )
    years = {y.year: y for y in sce_years(_sce_roof(), tariffs, 2025)}
    # 2022 floored: 0.124 - max(0.037, 0.05) = 0.074; 2023 and 2025 not published;
    # 2024: 0.124 - 0.122 = 0.002, provisional
    assert (years[2022].subsidy, years[2022].floored, years[2022].final) == (D("0.074"), True, True)
    assert years[2022].source == "RVO 2022"
    assert years[2023].correctiebedrag is None and years[2023].subsidy is None
    assert (years[2024].subsidy, years[2024].final) == (D("0.002"), False)
    assert years[2025].subsidy is None


def test_statement_money_line_says_at_most_and_not_known() -> None:
    part = StatementPart("Dak", "postcoderoos", True, 4, D("812.5"), D("82.81"), {}, 0)
    assert money_line(part, "€").endswith("(incl. btw, via uw energieleverancier): € 82,81")
    at_most = StatementPart("Dak", "postcoderoos", True, 4, D("812.5"), D("82.81"), {}, 0, at_most=True)
    assert money_line(at_most, "€").startswith("Maximale korting")
    unknown = StatementPart("Dak", "sce", True, 4, D("812.5"), D("0"), {}, 0, unpriced=True)
    assert money_line(unknown, "€") == (
        "Uw deel van de SCE-subsidie: nog niet bekend "
        "(de cijfers van de overheid voor dit jaar zijn er nog niet)"
    )


def test_postcoderoos_figures_per_year_with_sources() -> None:
    tariffs = load_tariffs()
    years = {y.year: y for y in pcr_years(roof(delivery=date(2020, 6, 15)), tariffs, 2026)}
    assert sorted(years) == list(range(2020, 2027))
    assert years[2022].btw == (D(21), D(9)) and years[2022].reduction == D("0.03679")
    assert years[2025].verified is False and "gelijkvergelijk" in years[2025].source
    # a year missing from the table is said, not filled from another year
    gap = Tariffs({2024: tariffs.energy_tax[2024]})
    assert [y.reduction for y in pcr_years(roof(delivery=date(2020, 6, 15)), gap, 2025)][-2:] == [
        D("0.10880"),
        None,
    ]
