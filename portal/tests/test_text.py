import pytest

from portal.text import search_key, typeset, typeset_html


def test_search_key_folds_accents_case_ligatures_and_spaces():
    assert search_key("  Vase en   GRÈS ") == "vase en gres"
    assert search_key("Œuf à la coque") == "oeuf a la coque"
    assert search_key("Façade ÉTÉ") == "facade ete"
    assert search_key("straße") == "strasse"


@pytest.mark.parametrize(
    ("built", "expected"),
    [
        ("Stock compté de Ardoise", "Stock compté d'Ardoise"),
        ("Supprimer le article ? De Écharpe", "Supprimer l'article\u202f? D'Écharpe"),
        ("Couleur: Sable", "Couleur\u00a0: Sable"),
        ("Couleur : Sable ; Taille : M !", "Couleur\u00a0: Sable\u202f; Taille\u00a0: M\u202f!"),
        ("« Vase » supprimé", "«\u00a0Vase\u00a0» supprimé"),
        ("Stock de Mug, de hêtre, de yaourt", "Stock de Mug, de hêtre, de yaourt"),  # consonant, h, y
        ("à 14:02, voir https://x.test/?q=1", "à 14:02, voir https://x.test/?q=1"),
        ("Déjà\u00a0: rien", "Déjà\u00a0: rien"),  # idempotent
        # A pronoun after an imperative's hyphen is never elided: "Vendez-le à", "Donnez-la au".
        ("Vendez-le à un client, donnez-la à Anne", "Vendez-le à un client, donnez-la à Anne"),
        ("Vendez-le à\u00a0: de Ardoise", "Vendez-le à\u00a0: d'Ardoise"),
    ],
)
def test_typeset_french(built, expected):
    assert typeset(built) == expected
    assert typeset(typeset(built)) == expected


def test_typeset_html_touches_text_only():
    html = (
        '<p style="margin: 0" title="a : b"><b>Couleur</b>: <strong>Sable</strong> &amp; de Ardoise</p>'
        "<script>x = a ? b : c;</script><textarea>Mon texte: tel quel</textarea><!-- note: x -->"
    )
    assert typeset_html(html) == (
        '<p style="margin: 0" title="a : b"><b>Couleur</b>\u00a0: <strong>Sable</strong> &amp; d\'Ardoise</p>'
        "<script>x = a ? b : c;</script><textarea>Mon texte: tel quel</textarea><!-- note: x -->"
    )
