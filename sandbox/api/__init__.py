"""The BigCommerce REST API as the sandbox serves it under /stores/{store_hash}/."""
