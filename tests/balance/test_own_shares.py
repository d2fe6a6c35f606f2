"""The building's own part of the collective roof comes from the register (issue 16 item 5)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from buurtwatt.balance.own_shares import with_own_shares
from buurtwatt.config import load_config
from tests.dashboard.fill import write_config


def with_organisation(folder: Path, shares: int) -> None:
    """The example register (participants hold 203 of 220) plus the workshop's own row."""
    people = (folder / "participants.csv").read_text().splitlines()
    rows = [people[0] + ",organisation", *(line + "," for line in people[1:])]
    rows.append("ORG,Buurtwerkplaats Moerwijk,,2532 AB,3,,false,0.00,,,,,true")
    (folder / "participants.csv").write_text("\n".join(rows) + "\n")
    with open(folder / "holdings.csv", "a") as f:
        f.write(f"ORG,moerwijk-dak,{shares},2020-06-15,\n")


def test_the_organisations_holdings_are_the_buildings_shares(tmp_path: Path) -> None:
    path = write_config(tmp_path)
    with_organisation(tmp_path, 17)
    config = load_config(path)
    assert config.balance.collective.shares_held == 0  # nothing typed twice in the config
    own = with_own_shares(config, date(2026, 11, 29)).collective
    # 203 held by residents + 17 by the workshop = 220 issued: 17/220 of the roof is the building's
    assert (own.shares_held, own.shares_total) == (17, 220)
    assert own.fraction == 17 / 220


def test_without_an_organisation_row_the_config_stands(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path))
    assert with_own_shares(config, date(2026, 11, 29)) == config.balance
