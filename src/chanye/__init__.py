"""chanye (产业): a city's modern industrial system as data you can load, query, map and act on."""

__version__ = "0.1.0"
