"""Hourly day-ahead prices: read a CSV from the market or a supplier, keep one price per hour.

Input CSV: a header row with a time column (``time``, ``timestamp``, ``datetime`` or ``start``)
and a price column (``eur_per_kwh`` or ``eur_per_mwh``); ``,`` or ``;`` between fields, a
decimal comma is accepted. Times are ISO 8601; a time without an offset is local time of the
site. Rows for quarter hours (the day-ahead market has 15-minute prices since October 2025)
are averaged into their hour, unweighted, which is what an hourly meter reading can be paid at.

Stored file (``[tariffs] prices_file``): ``start_utc,eur_per_kwh``, one row per hour, sorted.
Importing again replaces the hours the new file holds and keeps the others.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

HOUR = 3600
TIME_COLUMNS = ("time", "timestamp", "datetime", "start")
PRICE_COLUMNS = {"eur_per_kwh": 1.0, "eur_per_mwh": 0.001}


class PriceFileError(ValueError):
    def __init__(self, file: str, line: int | None, message: str) -> None:
        self.file, self.line = file, line
        where = f"{file}, line {line}" if line else file
        super().__init__(f"{where}: {message}")


def parse_price_csv(text: str, tz: ZoneInfo, file: str = "<csv>") -> dict[int, float]:
    """Hour start (UTC epoch seconds) -> EUR/kWh excl. BTW. Raises PriceFileError naming the line."""
    lines = text.splitlines()
    if not lines:
        raise PriceFileError(file, None, "the file is empty")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    time_col = next((header.index(c) for c in TIME_COLUMNS if c in header), None)
    price_name = next((c for c in PRICE_COLUMNS if c in header), None)
    if time_col is None or price_name is None:
        raise PriceFileError(
            file,
            1,
            f"the header needs a time column ({', '.join(TIME_COLUMNS)}) and a price column "
            f"(eur_per_kwh or eur_per_mwh); found {', '.join(header) or 'nothing'}",
        )
    price_col, scale = header.index(price_name), PRICE_COLUMNS[price_name]
    sums: dict[int, list[float]] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(time_col, price_col):
            raise PriceFileError(file, line, f"expected at least {max(time_col, price_col) + 1} fields")
        stamp, price_text = row[time_col].strip(), row[price_col].strip()
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            raise PriceFileError(
                file, line, f"time {stamp!r} is not ISO 8601 (e.g. 2026-03-01T13:00:00+01:00)"
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=tz)
        try:
            price = float(price_text.replace(",", ".")) * scale
        except ValueError:
            raise PriceFileError(file, line, f"price {price_text!r} is not a number") from None
        if not math.isfinite(price):
            raise PriceFileError(file, line, f"price {price_text!r} is not a finite number")
        ts = moment.timestamp()
        if ts % 900:
            raise PriceFileError(file, line, f"time {stamp} is not on a whole hour or quarter hour")
        hour = int(ts // HOUR * HOUR)
        sums.setdefault(hour, []).append(price)
    if not sums:
        raise PriceFileError(file, None, "no price rows after the header")
    return {hour: sum(v) / len(v) for hour, v in sorted(sums.items())}


def read_prices(path: Path) -> dict[int, float]:
    """The stored hourly prices; an absent file is no prices."""
    if not path.exists():
        return {}
    out: dict[int, float] = {}
    with path.open(encoding="utf-8") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if number == 1 or not row:
                continue
            try:
                out[int(datetime.fromisoformat(row[0]).timestamp())] = float(row[1])
            except (ValueError, IndexError):
                raise PriceFileError(str(path), number, "bad row in the stored price file") from None
    return out


def write_prices(path: Path, prices: Mapping[int, float]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["start_utc", "eur_per_kwh"])
        for hour in sorted(prices):
            out.writerow([datetime.fromtimestamp(hour, UTC).isoformat(), f"{prices[hour]:.6f}"])
    tmp.replace(path)  # never leave half a file behind


def import_prices(csv_path: Path, store_path: Path, tz: ZoneInfo) -> tuple[int, int, int]:
    """Merge a CSV into the stored prices. Returns (hours read, first hour, last hour)."""
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise PriceFileError(str(csv_path), None, f"cannot read: {exc.strerror}") from None
    new = parse_price_csv(text, tz, str(csv_path))
    merged = read_prices(store_path)
    merged.update(new)
    write_prices(store_path, merged)
    return len(new), min(new), max(new)
