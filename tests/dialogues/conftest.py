"""Fixtures the dialogue tests share (the `staff` accounts fixture is in tests/conftest.py)."""
