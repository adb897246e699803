"""ofpra-assistant: a consented local agent that watches an OFPRA account for new letters."""

__version__ = "0.1.0"
