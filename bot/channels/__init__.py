"""Channel adapters: web chat (Rasa REST), terminal, Telegram, WhatsApp."""

from bot.channels.base import Button, Channel, Incoming, Outgoing

__all__ = ["Button", "Channel", "Incoming", "Outgoing"]
