"""A local BigCommerce for Comptoir: its own server, its own SQLite storage.

Nothing here imports the Django project; the portal talks to it over HTTP only.
"""
