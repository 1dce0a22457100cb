"""Carebot: tells care leavers what their council offers and connects them with their PA."""

__version__ = "0.1.0"
