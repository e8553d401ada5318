"""Keys for searching and sorting names the way a French reader expects.

``search_key`` folds case and accents ("Grès" → "gres", "Œuf" → "oeuf"), so that "gres"
finds "grès" and "Écharpe" sorts with the e's, before "Zèbre". Products keep theirs in
``Product.name_key``, computed in Python on save: the same key on SQLite and PostgreSQL,
indexable, and no database extension (unaccent, ICU collations) to depend on.
"""

import unicodedata

# Letters that Unicode does not decompose into a base letter and an accent.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l"})


def search_key(text: str) -> str:
    """``text`` without accents, case or repeated spaces: what searches and sorts compare."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())
