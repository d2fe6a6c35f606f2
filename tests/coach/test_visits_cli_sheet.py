"""Visits in a real SQLite file, the ``buurtwatt coach`` commands in a subprocess, and the
advice sheet as a real PDF rendered to PNG with Debian's pdftoppm."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from buurtwatt.coach.advice import consult
from buurtwatt.coach.household import Household, MeterReading, Prices, from_bill
from buurtwatt.coach.sheet import advice_sheet
from buurtwatt.coach.visits import Visit, coordinator_export, new_code, open_book
from tests.services import require_program

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "buurtwatt_app", *args], cwd=ROOT, capture_output=True, text=True
    )


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "site.toml"
    config.write_text(f'[site]\nname = "t"\n[store]\ntype = "sqlite"\npath = "{tmp_path / "store.sqlite"}"\n')
    return config


def _visit(code: str, coach: str = "An") -> Visit:
    household, use = Household(2, "corner"), from_bill(1500, 1200, 0, 1400)
    c = consult(household, Prices(), use, 2026)
    chosen = {"draught_strips": "done", "led": "planned"}
    return Visit(
        code,
        coach,
        date(2026, 1, 5),
        household,
        Prices(),
        use,
        MeterReading(date(2026, 1, 5), 10000, 8000, 0, 0, 4000),
        chosen,
        c.totals(chosen),
        date(2026, 4, 5),
    )


def test_visits_are_saved_listed_exported_without_personal_data_and_deleted(tmp_path: Path) -> None:
    config = _config(tmp_path)
    code = new_code()
    with open_book(tmp_path / "coach.sqlite") as book:
        book.save(_visit(code))
        book.save(_visit(new_code(), coach="Bo"))
        assert book.get(code.lower().replace("-", "")).measures["led"] == "planned"
        assert [c for _, c, _ in book.planned()][0] in {code, *[v.code for v in book.all()]}
        assert book.per_coach() == {"An": 1, "Bo": 1}
        export = coordinator_export(book)
    assert export["visits"] == 2 and export["measures"]["led"] == {"done": 0, "planned": 2}
    assert export["estimated_savings_per_year"]["done"]["m3"] > 0
    text = json.dumps(export)
    assert code not in text and "An" not in text and "10000" not in text

    out = _run("coach", "export", "--config", str(config))
    assert out.returncode == 0 and json.loads(out.stdout)["visits"] == 2
    gone = _run("coach", "delete", code, "--config", str(config))
    assert gone.returncode == 0, gone.stderr
    assert _run("coach", "delete", code, "--config", str(config)).returncode == 1
    with open_book(tmp_path / "coach.sqlite") as book:
        assert book.get(code) is None and len(book.all()) == 1


def test_degree_days_import_and_refusal(tmp_path: Path) -> None:
    config = _config(tmp_path)
    good = tmp_path / "dd.csv"
    good.write_text("month,degree_days,source\n2026-01,450.5,KNMI De Bilt\n2026-02,400\n")
    out = _run("coach", "degree-days", str(good), "--config", str(config))
    assert out.returncode == 0, out.stderr
    with open_book(tmp_path / "coach.sqlite") as book:
        assert book.degree_days() == {"2026-01": 450.5, "2026-02": 400.0}
    bad = tmp_path / "bad.csv"
    bad.write_text("2026-13,400\n")
    refused = _run("coach", "degree-days", str(bad), "--config", str(config))
    assert refused.returncode == 2 and "line 1" in refused.stderr


def test_advice_command_prints_the_comparison_and_json() -> None:
    args = ["coach", "advice", "--persons", "2", "--dwelling", "corner", "--kwh-normal", "1500"]
    args += ["--kwh-low", "1200", "--gas", "1400", "--year", "2026"]
    out = _run(*args)
    assert out.returncode == 0, out.stderr
    assert "U gebruikt ongeveer evenveel stroom als een gemiddeld huishouden van 2 personen." in out.stdout
    data = json.loads(_run(*args, "--json").stdout)
    assert data["comparison"]["electricity"]["verdict"] == "same"
    strips = next(m for m in data["measures"] if m["key"] == "draught_strips")
    assert strips["m3"] == pytest.approx(71.2, abs=0.1)  # 60 x 1330/1120 = 71.25


@pytest.mark.parametrize("lang", ["nl", "en", "tr"])
def test_the_sheet_is_a_pdf_of_at_most_two_pages(tmp_path: Path, lang: str) -> None:
    require_program("pdftoppm")
    c = consult(
        Household(3, "corner"), Prices(), from_bill(2000, 1500, 0, 1500), 2026, advance_eur_per_month=150
    )
    chosen = {
        "draught_strips": "done",
        "shower_head": "done",
        "thermostat_one_degree": "planned",
        "led": "planned",
    }
    pdf = advice_sheet(c, chosen, lang, date(2026, 1, 5), code="ABCD-2345")
    assert pdf.startswith(b"%PDF")
    (tmp_path / "sheet.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(tmp_path / "sheet.pdf"), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert 1 <= len(pages) <= 2
    artifacts = ROOT / "tests" / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    for i, page in enumerate(pages, 1):
        page.replace(artifacts / f"coach-sheet-{lang}-{i}.png")
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "sheet.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert "ABCD-2345" in text
    if lang == "tr":
        assert "Enerji tavsiyeniz" in text and "Bugün yapıldı" in text
