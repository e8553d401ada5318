"""Messages written by background work in every language of the portal, read in the reader's.

A journal line (or a stored error) is written by a task that does not know who will read it:
callers pass a callable that builds the message with gettext, and it is rendered once per
language, so that each merchant reads it in their own language. Imports nothing from the
app's models, which use ``message_localized`` for their ``text`` properties.
"""

from collections.abc import Callable

from django.conf import settings
from django.utils import translation

Message = str | Callable[[], str]


def message_translations(message: Message) -> dict[str, str]:
    """{"en": …, "fr": …} for a message callable; {} for text that is already final."""
    if not callable(message):
        return {}
    rendered = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            rendered[code] = str(message())
    return rendered


def message_default(message: Message, translations: dict[str, str]) -> str:
    """The text stored for searching and for support staff: the default language."""
    return translations.get(settings.LANGUAGE_CODE) or (str(message()) if callable(message) else str(message))


def message_localized(translations: dict[str, str], fallback: str) -> str:
    """The message in the reader's language, or the stored text."""
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return translations.get(language) or fallback
