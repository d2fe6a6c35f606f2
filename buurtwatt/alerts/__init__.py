"""Alerts for the volunteer who looks after the building: something stopped, and when it is over.

``rules`` turns what is observed into problems (pure), ``book`` decides which messages to send
(one when a problem starts, one when it is over, none repeated within a quiet period),
``channels`` sends them (e-mail, HTTP push), ``runner`` ties these together in a thread.
"""
