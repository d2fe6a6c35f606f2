"""A physical what-if: the building's last 12 months replayed hour by hour with changes.

``simulate`` is pure (numpy arrays in, arrays out); ``config`` holds the ``[whatif]``
assumptions, each named so a coach can explain it.
"""
