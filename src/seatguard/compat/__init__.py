"""Compatibility with the original backend: its environment names and its data."""
