"""Mappers: pure functions between Comptoir's objects and BigCommerce payloads, one module per direction."""
