"""The screen's words for small amounts and for a day that differs from the year (no browser)."""

from __future__ import annotations

import pytest

from dashboard import fmt
from dashboard.live import _today_co2_sentence, co2_advice, today_reason


def test_tiny_amounts_are_neither_praised_nor_blamed() -> None:
    # 00:01: 0.04 kg saved is no "Goed zo!", 0.3 kg caused is no reproach
    assert _today_co2_sentence(0.04, "nl") == "Vandaag bijna geen verschil: 0,0\u00a0kg CO₂."
    assert "Goed zo" not in _today_co2_sentence(0.49, "nl")
    assert "uitgestoten" not in _today_co2_sentence(-0.3, "nl")
    assert "Goed zo" in _today_co2_sentence(0.5, "nl")


@pytest.mark.parametrize(
    ("today", "year", "gas", "electricity", "sun", "reason"),
    [
        (-3.0, 1072.0, 4.0, 1.0, 0.0, "gas"),  # the electricity alone is fine: the gas tips it
        (-3.0, 1072.0, 0.0, -3.0, 0.0, "dark"),  # an evening: no sun, all from the grid
        (-3.0, 1072.0, 0.0, -3.0, 2500.0, "little_sun"),
        (2.0, 1072.0, 4.0, 6.0, 0.0, ""),  # today is as good as the year: nothing to explain
        (-0.3, 1072.0, 0.3, 0.0, 0.0, ""),  # tiny: not a difference
        (-3.0, -40.0, 4.0, 1.0, 0.0, ""),  # the year is not positive either
    ],
)
def test_the_reason_today_differs(
    today: float, year: float, gas: float, electricity: float, sun: float, reason: str
) -> None:
    assert today_reason(today, year, gas, electricity, sun) == reason


def test_ventilation_advice_at_800_and_1200_ppm() -> None:
    assert [co2_advice(v) for v in (None, 650, 799, 800, 1199, 1200)] == [
        "",
        "good",
        "good",
        "open",
        "open",
        "ventilate",
    ]


def test_small_powers_keep_a_decimal() -> None:
    assert [fmt.power(v, "nl") for v in (0.0, 0.4, 3.04, 9.96, 85.0)] == [
        "0\u00a0W",
        "0,4\u00a0W",
        "3,0\u00a0W",
        "10\u00a0W",
        "85\u00a0W",
    ]
    assert fmt.device_label("plug-koelkast") == "Koelkast" and fmt.device_label("zaal") == "Zaal"
