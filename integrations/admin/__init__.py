"""Django admin for support staff: read the connections, the journal and the webhook inbox.

Support reads; the flows write. Nothing here can be added, edited or deleted by hand (a hand
edit of a connection, a binding or a journal line would disagree with BigCommerce or with what
happened); what support may do is an admin action that calls the same service the merchant's
pages call, and so journals itself.
"""

from integrations.admin import connection, locations, sync  # noqa: F401  (they register their admins)
