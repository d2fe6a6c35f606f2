"""buurtwatt: energy and CO2 for a neighbourhood workshop and its collective solar roof."""

__version__ = "0.1.0"
