"""Modbus devices: SunSpec inverters found by discovery, and vendor devices read through TOML maps."""
