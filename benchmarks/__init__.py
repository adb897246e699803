"""Benchmarks: how fast a check is, and what the agent costs while it waits (``make bench``)."""
