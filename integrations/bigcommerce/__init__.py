"""The BigCommerce connector, one room a job (README.md, "Product sync"): ``api`` (the transport,
the only place that knows BigCommerce's paths), ``mappers`` (pure payload functions), ``binder``
(the one writer of bindings), ``products`` (export, import), ``stock`` (outbox and push, orders,
manual edits, the stock check, starting stock), ``connection`` (setup, app callbacks) and
``inbox`` (webhook deliveries: receive, handlers, the table of scopes)."""
