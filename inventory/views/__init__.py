"""Inventory pages: the product stock section, the register, sales and refunds.

One view per URL: a full page normally, a fragment (a ``{% partialdef %}``) for htmx requests.
"""
