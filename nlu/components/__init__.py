"""Rasa components of our own; imported by Rasa in .venv-rasa, never by the gateway."""
