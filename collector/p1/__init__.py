"""P1 smart meter (DSMR 2.2 to 5, Belgian e-MUCS): serial, TCP, HomeWizard and file replay.

Transports deliver bytes; :mod:`collector.p1.framing` cuts telegrams out of them;
:mod:`collector.p1.decoder` checks and parses one telegram; :mod:`collector.p1.stream`
guards against bad data and turns telegrams into readings; :mod:`collector.p1.source`
ties it together for the collector.
"""
