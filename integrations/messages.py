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


# -- messages stored as a code and its parameters (STYLE rule 17) ------------------------------
# A journal entry keeps ``code`` and ``params`` (plain JSON: ids, names, numbers, other codes); the
# page renders them in the reader's language with the renderer registered for the code. The text
# is also stored once per language when written (search, CSV, support), as for the other entries.
_renderers: dict[str, Callable[[dict], str]] = {}


def message_register(code: str):
    """Decorator: ``render(params) -> str`` for a code, called in the reader's active language."""

    def register(render: Callable[[dict], str]) -> Callable[[dict], str]:
        _renderers[code] = render
        return render

    return register


def message_render(code: str, params: dict, *, fallback: str = "") -> str:
    """The message of ``code`` in the active language, or ``fallback`` for a code nobody renders."""
    render = _renderers.get(code)
    if render is None:
        return fallback
    try:
        return str(render(params or {}))
    except (KeyError, TypeError, ValueError):  # parameters from an older version of the message
        return fallback


def message_of(code: str, params: dict) -> Callable[[], str]:
    """A message callable (see ``message_translations``) for a code and its parameters."""
    return lambda: message_render(code, params, fallback=code)
