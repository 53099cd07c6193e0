"""Relay: new human-rights material from the international bodies to Norway's municipalities."""

__version__ = "0.1.0"
