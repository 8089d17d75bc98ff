"""coach: a real-time, local call-coaching assistant."""

__version__ = "0.1.0"
