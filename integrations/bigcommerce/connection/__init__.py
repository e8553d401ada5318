"""The connection's lifecycle with BigCommerce: setup, the app's callbacks, disconnect."""
