"""Energy and CO2 balance of the building: pure functions over hourly increases."""
