from portal.text import search_key


def test_search_key_folds_accents_case_ligatures_and_spaces():
    assert search_key("  Vase en   GRÈS ") == "vase en gres"
    assert search_key("Œuf à la coque") == "oeuf a la coque"
    assert search_key("Façade ÉTÉ") == "facade ete"
    assert search_key("straße") == "strasse"
