"""The journal's business messages, as codes and parameters rendered in the reader's language.

Each renderer takes the parameters the writer stored (ids, names, numbers, other codes) and says
what happened in the merchant's words: "Sale #2: Tote bag −2 → BigCommerce 30 → 28". Technical
facts (the webhook's scope, the payload) stay in the entry's detail. Registered on import
(``IntegrationsConfig.ready``).
"""

# Importing the rooms registers their renderers; every code and renderer is re-exported here so
# that a writer says ``journal_messages.STOCK_SENT`` without knowing which room holds it.
from integrations.journal_messages.connection import *  # noqa: F403
from integrations.journal_messages.inbox import *  # noqa: F403
from integrations.journal_messages.locations import *  # noqa: F403
from integrations.journal_messages.products import *  # noqa: F403
from integrations.journal_messages.stock import *  # noqa: F403
