"""Handlers: one small function per thing the bot can do, chosen by the engine."""
