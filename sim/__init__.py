"""Simulated devices and the demo workshop: a P1 meter, Modbus inverters and MQTT plugs.

Used by ``buurtwatt demo``, the tests and the benchmarks; nothing in production imports them.
"""
