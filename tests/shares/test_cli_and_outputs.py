"""The CLI, the supplier report, the PDF statement and the dashboard summary, on the example register."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from buurtwatt.config import load_config
from buurtwatt.readings import Reading
from buurtwatt.shares.ledger import ProductionSource, open_register
from buurtwatt.shares.register import RegisterError
from buurtwatt.shares.roof import roof_totals
from buurtwatt.shares.statement import NoStatement, build_statement, shares_line, statement_heading
from buurtwatt.shares.summary import participant_summary
from buurtwatt.shares.tokens import TokenStore, verify_link
from buurtwatt.store.sqlite import SqliteStore
from buurtwatt_app import main

EXAMPLES = Path(__file__).resolve().parents[2] / "config" / "shares"
FACTORS = Path(__file__).resolve().parents[2] / "config" / "factors" / "nl.toml"
TODAY = date(2026, 3, 15)
TZ = "Europe/Amsterdam"


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """These tests read the English texts; test_cli_language checks the Dutch ones."""
    monkeypatch.setenv("BUURTWATT_LANG", "en")


@pytest.fixture
def site(tmp_path):
    for name in ("participants.example.csv", "holdings.example.csv"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    example = (EXAMPLES / "example.toml").read_text(encoding="utf-8")
    installations = example[example.index("[[installations]]") :]
    (tmp_path / "site.toml").write_text(
        '[site]\nname = "Buurtwerkplaats Moerwijk"\n[store]\ntype = "sqlite"\npath = "store.sqlite"\n'
        '[shares]\nparticipants = "participants.example.csv"\nholdings = "holdings.example.csv"\n'
        f'factors = "{FACTORS}"\n' + installations,
        encoding="utf-8",
    )
    with open(tmp_path / "production.csv", "w", encoding="utf-8") as f:
        f.write("date,kwh\n")
        day = date(2020, 6, 15)
        while day <= TODAY:
            f.write(f"{day},{150 + (day.toordinal() % 7) * 10}.125\n")
            day += timedelta(1)
    return tmp_path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_check_prints_a_summary(site, capsys):
    code, out, _err = run(
        capsys, "shares", "check", "--config", str(site / "site.toml"), "--today", "2025-06-01"
    )
    assert code == 0
    assert "Participants  60" in out and "220 shares issued" in out and "unsold" in out


def test_check_refuses_a_bad_register(site, capsys):
    with open(site / "holdings.example.csv", "a", encoding="utf-8") as f:
        f.write("P999,moerwijk-dak,1,2025-01-01,\n")
    code, _out, err = run(capsys, "shares", "check", "--config", str(site / "site.toml"))
    assert code == 1
    assert (
        "NOT loaded" in err and "line 64, column 1 (participant_id): error: unknown participant 'P999'" in err
    )


def test_allocate_json_format(site, capsys):
    code, out, _err = run(
        capsys,
        "shares",
        "allocate",
        "--config",
        str(site / "site.toml"),
        "--installation",
        "moerwijk-dak",
        "--from",
        "2025-01-01",
        "--to",
        "2025-12-31",
        "--production",
        str(site / "production.csv"),
        "--format",
        "json",
    )
    assert code == 0
    data = json.loads(out)
    assert list(data) == [
        "installation",
        "from",
        "to",
        "total_kwh",
        "unallocated_kwh",
        "estimated_days",
        "participants",
    ]
    assert list(data["participants"][0]) == ["participant_id", "share_days", "kwh", "eur"]
    assert data["from"] == "2025-01-01" and data["estimated_days"] == 0
    kwh = sum(Decimal(p["kwh"]) for p in data["participants"]) + Decimal(data["unallocated_kwh"])
    assert kwh == Decimal(data["total_kwh"]) and data["total_kwh"].split(".")[1].__len__() == 3
    assert all(len(p["eur"].split(".")[1]) == 2 for p in data["participants"])


def test_allocate_precision_and_csv(site, capsys):
    code, out, _err = run(
        capsys,
        "shares",
        "allocate",
        "--config",
        str(site / "site.toml"),
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-31",
        "--precision",
        "1",
        "--production",
        str(site / "production.csv"),
        "--format",
        "csv",
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "participant_id,share_days,kwh,eur" and lines[-1].startswith("(total),,")
    assert len(lines[-1].split(",")[2].split(".")[1]) == 1


def test_confirm_report_and_statement(site, capsys, tmp_path):
    cfg = str(site / "site.toml")
    prod = str(site / "production.csv")
    code, out, _ = run(
        capsys,
        "shares",
        "confirm",
        "--config",
        cfg,
        "--year",
        "2025",
        "--production",
        prod,
        "--today",
        TODAY.isoformat(),
    )
    assert code == 0 and (site / "locked" / "moerwijk-dak-2025.json").exists()
    code, _, err = run(
        capsys,
        "shares",
        "confirm",
        "--config",
        cfg,
        "--year",
        "2025",
        "--production",
        prod,
        "--today",
        TODAY.isoformat(),
    )
    assert code == 1 and "already confirmed" in err
    code, out, err = run(
        capsys,
        "shares",
        "report",
        "--config",
        cfg,
        "--year",
        "2025",
        "--production",
        prod,
        "--out",
        str(tmp_path / "reports"),
    )
    assert code == 0
    eneco = (tmp_path / "reports" / "ledenverklaring-moerwijk-dak-2025-eneco.csv").read_text()
    assert eneco.splitlines()[0].startswith("naam,straat_huisnummer,postcode,plaats,ean,leverancier")
    assert "P038: EAN ontbreekt" in err and "P023: leverancier onbekend" in err
    code, out, _ = run(
        capsys,
        "shares",
        "statement",
        "--config",
        cfg,
        "--participant",
        "P017",
        "--year",
        "2025",
        "--production",
        prod,
        "--out",
        str(tmp_path / "p017.pdf"),
        "--today",
        TODAY.isoformat(),
    )
    assert code == 0 and (tmp_path / "p017.pdf").read_bytes().startswith(b"%PDF")


def test_links_show_new_tokens_once_and_verify(site, capsys):
    cfg = str(site / "site.toml")
    code, out, _ = run(capsys, "shares", "links", "--config", cfg, "--base-url", "https://zon.example.nl/")
    assert code == 0
    first = out.splitlines()[0].split("\t")
    assert first[0] == "P001" and first[2].startswith("https://zon.example.nl/mijn/")
    token = first[2].rsplit("/", 1)[1]
    config = load_config(cfg)
    assert verify_link(config, token) == "P001"
    assert verify_link(config, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    code, out, _ = run(capsys, "shares", "links", "--config", cfg, "--rotate", "P001")
    assert verify_link(config, token) is None
    assert "(link given out before" in out.splitlines()[1]


def test_participant_summary_and_public_totals(site):
    config = load_config(site / "site.toml")
    tz = ZoneInfo("Europe/Amsterdam")
    store = SqliteStore(site / "store.sqlite", site="t", tz="Europe/Amsterdam")
    try:
        t0 = datetime(2026, 3, 15, 8, tzinfo=tz).timestamp()
        store.write([Reading("dak", "energy_kwh", t0 + 3600 * i, 50000.0 + 12.5 * i) for i in range(5)])
        source = ProductionSource(csv=site / "production.csv")
        s = participant_summary(config, store, "P017", TODAY, source=source)
        assert s is not None and s.name == "Quinten Bakker" and s.shares_held == 4
        inst = s.installations[0]
        assert [m.month for m in inst.months] == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
        assert sum(m.kwh for m in inst.months) == inst.this_year_kwh > 0
        assert inst.last_year_eur > 0 and s.repayment is not None
        r = s.repayment
        assert r.stake_eur == Decimal("900.00") and r.repaid_eur + r.left_eur == r.stake_eur
        assert r.payoff_date is not None and r.payoff_date > TODAY
        assert participant_summary(config, store, "nobody", TODAY, source=source) is None
        register = open_register(config)
        totals = roof_totals(store, ["dak:energy_kwh"], config.installations, register, TODAY, TZ)
        assert totals.today_kwh == Decimal("50.000") and totals.year_kwh == Decimal("50.000")
        assert totals.shares_issued == 220 and totals.participants > 50
        pdf = build_statement(config, store, "P042", 2025, TODAY, source=source)
        assert pdf is not None and pdf.startswith(b"%PDF")
    finally:
        store.close()
    assert TokenStore(site / "tokens.json").verify_token("x" * 43) is None


def test_statement_of_a_running_year_is_provisional_and_an_empty_year_gets_none(site):
    # the year 2026 is running on 15 March: "voorlopig", shares on 15 March (not 31 December)
    assert statement_heading(2026, TODAY)[0] == "Jaaroverzicht 2026 (voorlopig)"
    assert "tot en met 15 maart 2026" in statement_heading(2026, TODAY)[1]
    assert statement_heading(2025, date(2025, 12, 31)) == ("Jaaroverzicht 2025", "")
    assert shares_line(TODAY, 4) == "Delen op 15 maart 2026: 4"
    config = load_config(site / "site.toml")
    source = ProductionSource(csv=site / "production.csv")
    pdf = build_statement(config, None, "P017", 2026, TODAY, source=source)
    assert pdf is not None and pdf.startswith(b"%PDF")
    # the roof first delivered on 2020-06-15: nobody held shares or kWh in 2019
    with pytest.raises(NoStatement):
        build_statement(config, None, "P017", 2019, TODAY, source=source)


def test_building_shares_counted_twice_is_refused(site):
    # the example register holds at most 203 of the 220 shares; a [balance.collective] that
    # credits the building with 22 more makes 203 + 22 = 225 > 220: the same kWh twice
    text = (site / "site.toml").read_text(encoding="utf-8")
    collective = (
        '[balance.collective]\ninstallation = "moerwijk-dak"\nproduction = ["dak:energy_kwh"]\n'
        "shares_held = 22\nshares_total = 220\n"
    )
    (site / "site.toml").write_text(text.replace("[[installations]]", collective + "[[installations]]", 1))
    config = load_config(site / "site.toml")
    with pytest.raises(RegisterError) as caught:
        open_register(config)
    message = caught.value.render()
    assert "shares_held = 22" in message and "'moerwijk-dak'" in message
    assert "up to 203 of its 220 shares" in message
    # 17 is what is left over: 203 + 17 = 220 is allowed
    (site / "site.toml").write_text(
        text.replace("[[installations]]", collective.replace("= 22", "= 17") + "[[installations]]", 1)
    )
    assert open_register(load_config(site / "site.toml")).participants
