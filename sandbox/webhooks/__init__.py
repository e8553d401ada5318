"""Webhooks: subscriptions (api/hooks.py), events and their delivery."""
