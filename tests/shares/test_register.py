"""Register validation: every error names file, line and column; a bad register is refused whole."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from buurtwatt.shares.allocate import allocate_shares
from buurtwatt.shares.register import Holding, RegisterError, load_register, parse_register
from tests.shares.helpers import flat, roof

HEADER_P = "participant_id,name,email,postcode,house_number,ean,repay_from_yield,stake_eur\n"
HEADER_H = "participant_id,installation,shares,start,end\n"
GOOD_P = HEADER_P + (
    "P1,Ann,ann@example.org,2532 AB,1,871600000000000001,false,450.00\nP2,Bob,,2533 CD,2,,true,900\n"
)
GOOD_H = HEADER_H + "P1,dak,2,2024-01-01,\nP2,dak,3,2024-01-01,2024-06-30\n"
INSTALLATIONS = [roof(issued=10)]
EXAMPLES = Path(__file__).resolve().parents[2] / "config" / "shares"


def problems(participants: str = GOOD_P, holdings: str = GOOD_H, installations=INSTALLATIONS) -> list[str]:
    with pytest.raises(RegisterError) as info:
        parse_register(participants, holdings, installations)
    return [str(p) for p in info.value.problems if p.severity == "error"]


def test_good_register_loads():
    register = parse_register(GOOD_P, GOOD_H, INSTALLATIONS)
    assert set(register.participants) == {"P1", "P2"}
    assert register.participants["P2"].repay_from_yield
    assert register.shares_on("dak", date(2024, 3, 1)) == {"P1": 2, "P2": 3}


def test_unknown_participant():
    assert problems(holdings=GOOD_H + "P9,dak,1,2024-01-01,\n") == [
        "holdings.csv, line 4, column 1 (participant_id): error: unknown participant 'P9'; "
        "add them to participants.csv first"
    ]


def test_issued_shares_exceeded_on_a_day():
    text = GOOD_H + "P1,dak,6,2024-03-01,2024-03-31\n"  # 2 + 3 + 6 = 11 > 10 in March
    assert problems(holdings=text) == [
        "holdings.csv, line 4, column 3 (shares): error: from 2024-03-01 the holdings of installation "
        "'dak' add up to 11 shares, more than the 10 issued (rows active that day: lines 2, 3, 4)"
    ]


def test_end_before_start():
    assert problems(holdings=HEADER_H + "P1,dak,2,2024-05-01,2024-04-30\n") == [
        "holdings.csv, line 2, column 5 (end): error: end 2024-04-30 is before start 2024-05-01"
    ]


def test_postcode_outside_the_rose_is_an_error_for_postcoderoos():
    text = HEADER_P + "P1,Ann,,1011 AB,1,,false,0\n"
    assert problems(participants=text, holdings=HEADER_H + "P1,dak,1,2024-01-01,\n") == [
        "participants.csv, line 2, column 4 (postcode): error: 1011 AB of P1 is outside the postcode rose "
        "of 'dak' (2531, 2532, 2533); postcoderoos members must live in the rose"
    ]


def test_postcode_outside_the_rose_is_a_warning_for_sce():
    sce = [
        roof(
            issued=10,
            scheme="sce",
            sce={"payout": "per_kwh", "basisbedrag": "0.124", "basisenergieprijs": "0.05"},
        )
    ]
    register = parse_register(
        HEADER_P + "P1,Ann,,1011 AB,1,,false,0\n", HEADER_H + "P1,dak,1,2024-01-01,\n", sce
    )
    assert [str(w) for w in register.warnings] == [
        "participants.csv, line 2, column 4 (postcode): warning: 1011 AB of P1 is outside the rose of 'dak' "
        "(2531, 2532, 2533); fine if they moved after joining, but a new SCE member must live in the rose"
    ]


def test_duplicate_ids():
    assert problems(participants=GOOD_P + "P1,Ann again,,2532 AB,3,,false,0\n") == [
        "participants.csv, line 4, column 1 (participant_id): error: duplicate id 'P1'; it is also on line 2"
    ]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            "P1,dak,2,2024-13-01,",
            "holdings.csv, line 2, column 4 (start): error: '2024-13-01' is not a real date",
        ),
        (
            "P1,dak,2,1-3-2024,",
            "holdings.csv, line 2, column 4 (start): error: '1-3-2024' is not a date; "
            "write it as YYYY-MM-DD, e.g. 2025-03-01",
        ),
        (
            "P1,dak,two,2024-01-01,",
            "holdings.csv, line 2, column 3 (shares): error: 'two' is not a whole number of shares above 0",
        ),
        (
            "P1,dak,0,2024-01-01,",
            "holdings.csv, line 2, column 3 (shares): error: '0' is not a whole number of shares above 0",
        ),
        (
            "P1,roof,1,2024-01-01,",
            "holdings.csv, line 2, column 2 (installation): error: unknown installation "
            "'roof'; the config has: dak",
        ),
    ],
)
def test_bad_dates_and_numbers_in_holdings(row, expected):
    assert problems(holdings=HEADER_H + row + "\n") == [expected]


def test_bad_numbers_in_participants():
    text = HEADER_P + "P1,Ann,,2532 AB,1,87160000,maybe,12,50\n"
    assert problems(participants=text, holdings=HEADER_H) == [
        "participants.csv, line 2: error: 9 values but 8 columns (a missing or extra comma?)"
    ]
    text = HEADER_P + 'P1,Ann,,2532 AB,1,87160000,maybe,"12,50"\n'
    assert problems(participants=text, holdings=HEADER_H) == [
        "participants.csv, line 2, column 6 (ean): error: '87160000' is not an EAN code (18 digits)",
        "participants.csv, line 2, column 7 (repay_from_yield): error: 'maybe' is not true or false",
        "participants.csv, line 2, column 8 (stake_eur): error: '12,50' is not an amount in euros "
        "(use a dot for decimals: 1250.00)",
    ]


def test_unknown_column_is_caught():
    errors = problems(holdings=HEADER_H.replace("end", "einde"))
    assert errors[0].startswith("holdings.csv, line 1: error: column 'end' is missing")


def test_one_error_refuses_everything_and_all_errors_are_listed():
    holdings = GOOD_H + "P9,dak,1,2024-01-01,\nP1,dak,1,2024-02-30,\n"
    errors = problems(holdings=holdings)
    assert [e.split(":")[0] for e in errors] == [
        "holdings.csv, line 4, column 1 (participant_id)",
        "holdings.csv, line 5, column 4 (start)",
    ]


def test_files_on_disk_with_bom_and_semicolons(tmp_path):
    p, h = tmp_path / "participants.csv", tmp_path / "holdings.csv"
    p.write_text("\ufeff" + GOOD_P.replace(",", ";"), encoding="utf-8")
    h.write_text(GOOD_H, encoding="utf-8")
    register = load_register(p, h, INSTALLATIONS)
    assert len(register.holdings) == 2


def test_the_moerwijk_example_is_valid():
    import tomllib

    from buurtwatt.shares.config import InstallationConfig

    raw = tomllib.loads((EXAMPLES / "example.toml").read_text(encoding="utf-8"))
    installations = [InstallationConfig.model_validate(i) for i in raw["installations"]]
    register = load_register(
        EXAMPLES / "participants.example.csv", EXAMPLES / "holdings.example.csv", installations
    )
    assert len(register.participants) == 60
    assert sum(p.repay_from_yield for p in register.participants.values()) == 2
    assert installations[0].scheme == "postcoderoos" and installations[0].pc4 == "2532"


def test_a_duplicated_row_is_an_error_naming_both_lines():
    # read as it stands, P1 would hold 4 shares from 2024-01-01 instead of 2
    assert problems(holdings=GOOD_H + "P1,dak,2,2024-01-01,\n") == [
        "holdings.csv, line 4: error: line 4 is the same as line 2, so these shares would count twice; "
        "delete one of the two lines (for extra shares, write the new total on one line)"
    ]
    # a second purchase on another day is not a duplicate
    register = parse_register(GOOD_P, GOOD_H + "P1,dak,2,2024-02-01,\n", INSTALLATIONS)
    assert register.shares_on("dak", date(2024, 3, 1))["P1"] == 4


def test_problems_are_in_dutch_too():
    with pytest.raises(RegisterError) as info:
        parse_register(GOOD_P, GOOD_H + "P1,dak,2,2024-01-01,\n", INSTALLATIONS)
    (problem,) = info.value.problems
    assert problem.render("nl") == (
        "holdings.csv, regel 4: fout: regel 4 is gelijk aan regel 2. Deze delen tellen dan dubbel. "
        "Haal een van de twee regels weg (voor extra delen: zet het nieuwe totaal op één regel)"
    )
    assert info.value.render("nl").startswith("de deelnemerslijst is NIET geladen: 1 fout(en)")


@pytest.mark.parametrize("end", ["9999-12-31", "9999-01-01"])
def test_a_far_future_end_date_means_no_end(end):
    register = parse_register(GOOD_P, HEADER_H + f"P1,dak,2,2024-01-01,{end}\n", INSTALLATIONS)
    (holding,) = register.holdings
    assert holding.end is None and register.shares_on("dak", date(2099, 1, 1)) == {"P1": 2}
    # a plain far date stays a date
    register = parse_register(GOOD_P, HEADER_H + "P1,dak,2,2024-01-01,2999-12-31\n", INSTALLATIONS)
    assert register.holdings[0].end == date(2999, 12, 31)


def test_allocation_takes_an_end_of_date_max():
    """Holdings built in code (not read from CSV) may still carry the last date there is."""
    alloc = allocate_shares(
        flat(date(2024, 1, 1), date(2024, 1, 10)),
        [Holding("P1", "dak", 5, date(2024, 1, 1), date.max)],
        10,
        date(2024, 1, 1),
        date(2024, 1, 10),
    )
    assert alloc.participant_kwh("P1") == 50 and alloc.share_days["P1"] == 50
