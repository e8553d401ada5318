"""Keys for searching and sorting names the way a French reader expects.

``search_key`` folds case and accents ("Grès" → "gres", "Œuf" → "oeuf"), so that "gres"
finds "grès" and "Écharpe" sorts with the e's, before "Zèbre". Products keep theirs in
``Product.name_key``, computed in Python on save: the same key on SQLite and PostgreSQL,
indexable, and no database extension (unaccent, ICU collations) to depend on.
"""

import re
import unicodedata

# Letters that Unicode does not decompose into a base letter and an accent.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l"})


def search_key(text: str) -> str:
    """``text`` without accents, case or repeated spaces: what searches and sorts compare."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


# French typography ------------------------------------------------------------------------
# Text built from parts ("Stock compté de " + "Ardoise", "<strong>Couleur</strong>: Sable")
# misses what a French translator would write: elision before a vowel (d'Ardoise) and the
# non-breaking space before two-part punctuation. ``typeset`` puts them back.

NBSP, NNBSP = "\u00a0", "\u202f"  # before ":" and inside « »; before ";", "!" and "?" (narrow)
_VOWEL = "aeiouàâäéèêëîïôöùûüœæAEIOUÀÂÄÉÈÊËÎÏÔÖÙÛÜŒÆ"  # not "h" or "y": "de hêtre", "de yaourt"
# Not after a hyphen: the pronoun of an imperative stays whole ("Vendez-le à", "Donnez-la au").
_ELISION = re.compile(rf"(?<!-)\b(de|De|que|Que|le|Le|la|La|ne|Ne|se|Se|jusque|lorsque|puisque) (?=[{_VOWEL}])")
# Punctuation that ends a phrase (followed by a space, the end, or a closing mark), not the
# colon of "14:02", "https://" or "?q=".
_BEFORE_SPACE = re.compile(r"[ \u00a0\u202f]*([:;!?])(?=\s|$|[»”)\]]|[!?])")


def _elide(match: re.Match) -> str:
    word = match.group(1)
    return word[:-1] + "'"


def _space(match: re.Match) -> str:
    mark = match.group(1)
    start = match.start()
    before = match.string[start - 1] if start else ""
    # At the start of a text node the mark follows an inline element ("<strong>Couleur</strong>:").
    if before in ("\n", "\t") or (before and before in ":;!?" and match.group(0) == mark):
        return match.group(0)
    return (NBSP if mark == ":" else NNBSP) + mark


def typeset(text: str) -> str:
    """French typography on plain text: "Stock compté de Ardoise" → "Stock compté d'Ardoise",
    "Couleur: Sable" / "Couleur : Sable" → "Couleur\u00a0: Sable", « and » held to their words."""
    text = _ELISION.sub(_elide, text)
    text = _BEFORE_SPACE.sub(_space, text)
    return text.replace("« ", "«" + NBSP).replace(" »", NBSP + "»")


# Text nodes only: never tags and their attributes, entities, comments, or what a script,
# style, textarea (the merchant's own text, sent back on save), pre or code holds.
_HTML_PARTS = re.compile(r"(<(script|style|textarea|pre|code)\b.*?</\2\s*>|<!--.*?-->|<[^>]*>|&[#\w]+;)", re.S | re.I)


def typeset_html(html: str) -> str:
    """``typeset`` applied to the text of an HTML document, leaving its markup alone."""
    out = []
    position = 0
    for match in _HTML_PARTS.finditer(html):
        out.append(typeset(html[position : match.start()]))
        out.append(match.group(0))
        position = match.end()
    out.append(typeset(html[position:]))
    return "".join(out)
