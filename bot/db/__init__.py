"""Persistence: the schema (`models`), named queries (`queries`) and the engine (`engine`)."""

from bot.db.engine import Database

__all__ = ["Database"]
