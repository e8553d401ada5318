"""Writes of the integrations app: plain, keyword-only functions named ``<entity>_<verb>``."""
