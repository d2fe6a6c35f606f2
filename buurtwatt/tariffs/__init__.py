"""Tariffs and costs: the Dutch tax table, the [tariffs] config and the cost of hourly energy.

- ``tax``: energy tax, BTW and heffingskorting per year, each with its source (one owner).
- ``config``: the ``[tariffs]`` section: prices, standing charges, feed-in costs per period.
- ``prices``: hourly day-ahead prices imported from a CSV.
- ``costs``: a pure function from hourly import/export/gas to costs per day, month and year,
  with net metering up to 2026-12-31 and separate settlement from 2027-01-01.
"""
