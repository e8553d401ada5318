"""The French locale: the catalog is complete and compiled, and pages actually render in French."""

import ast
import gettext
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"
PLACEHOLDER = re.compile(r"%\((\w+)\)[-+ #0]*\d*(?:\.\d+)?[sdifr]|\{\{\s*\w+\s*\}\}")


def parse_po(path: Path) -> list[dict]:
    """A tiny .po reader: one dict per entry (header included), enough for these checks."""
    entries, entry, field = [], None, None

    def close():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            close()
            entry, field = None, None
            continue
        if line.startswith("#~"):  # obsolete entry: not part of the catalog
            continue
        if entry is None:
            entry = {"flags": set(), "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(field, int):
                entry["msgstr"][field] += value
            else:
                entry[field] += value
        else:
            keyword, _, literal = line.partition(" ")
            value = ast.literal_eval(literal)
            if keyword.startswith("msgstr"):
                field = int(keyword[7:-1]) if "[" in keyword else 0
                entry["msgstr"][field] = value
            else:
                field = keyword
                entry[field] = value
    return entries


@pytest.fixture(scope="module")
def po_entries():
    assert PO_PATH.exists(), "locale/fr/LC_MESSAGES/django.po is missing: run `make messages`"
    entries = parse_po(PO_PATH)
    assert len(entries) > 100
    return entries


def label(entry: dict) -> str:
    return (entry.get("msgctxt", "") + "\x04" if "msgctxt" in entry else "") + entry["msgid"]


def test_no_fuzzy_or_empty_entries(po_entries):
    fuzzy = [label(e) for e in po_entries if "fuzzy" in e["flags"]]
    empty = [label(e) for e in po_entries[1:] if not all(e["msgstr"].values()) or not e["msgstr"]]
    assert fuzzy == [], f"fuzzy entries: {fuzzy}"
    assert empty == [], f"untranslated entries: {empty}"
    assert all(len(e["msgstr"]) == 2 for e in po_entries if "msgid_plural" in e), "French has two plural forms"


def test_placeholders_are_kept(po_entries):
    for entry in po_entries[1:]:
        expected = set(PLACEHOLDER.findall(entry["msgid"] + entry.get("msgid_plural", "")))
        for translated in entry["msgstr"].values():
            found = set(PLACEHOLDER.findall(translated))
            # A singular French form may leave the count out ("Ce produit…"), never invent one.
            assert found <= expected, f"{label(entry)!r}: {found} not in {expected}"
            if "msgid_plural" not in entry:
                assert found == expected, f"{label(entry)!r}: {found} != {expected}"


def test_compiled_catalog_matches_the_po(po_entries):
    assert MO_PATH.exists(), "locale/fr/LC_MESSAGES/django.mo is missing: run compilemessages"
    with MO_PATH.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    stale = []
    for entry in po_entries[1:]:
        key = label(entry)
        if "msgid_plural" in entry:
            if catalog.ngettext(key, entry["msgid_plural"], 1) != entry["msgstr"][0]:
                stale.append(key)
        elif catalog.gettext(key) != entry["msgstr"][0]:
            stale.append(key)
    assert stale == [], f"django.mo is older than django.po for: {stale[:10]}"


@pytest.mark.parametrize(
    ("english", "french"),
    [
        ("Integrations", "Intégrations"),
        ("Connect", "Connexion"),
        ("Finish setup", "Terminer la configuration"),
        ("Setup incomplete", "Configuration incomplète"),
        ("Sync journal", "Journal de synchronisation"),
        ("Include prices", "Inclure les prix"),
        ("Turn on stock tracking", "Activer le suivi de stock"),
        ("Register", "Caisse"),
        ("POS devices", "Appareils de caisse"),
        ("Barcode", "Code-barres"),
        ("SKU", "SKU"),
        ("Cost price", "Prix de revient"),
        ("Shipping weight", "Poids à l'expédition"),
        ("Disable stock split", "Désactiver la séparation des stocks"),
    ],
)
def test_help_article_wording(english, french):
    with translation.override("fr"):
        assert translation.gettext(english) == french


def test_login_page_in_french_from_accept_language(client, db):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="fr")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr"' in html
    assert "Se connecter" in html
    assert "Créer un compte" in html


def test_signup_page_in_french(client, db):
    response = client.get(reverse("account_signup"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    html = response.content.decode()
    assert "Créez votre compte" in html
    assert "Taux de TVA par défaut" in html


def test_catalog_and_navigation_in_french_from_the_language_cookie(merchant_client):
    merchant_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = merchant_client.get(reverse("catalog:product_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Produits" in html
    assert "Tableau de bord" in html
    assert "Caisse" in html
    assert "Appareils de caisse" in html
    assert "Intégrations" in html


def test_english_stays_the_default(merchant_client):
    html = merchant_client.get(reverse("catalog:product_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Products" in html and "Tableau de bord" not in html


def test_language_selector_switches_to_french(merchant_client):
    response = merchant_client.post(
        reverse("set_language"), {"language": "fr", "next": reverse("backoffice:dashboard")}
    )
    assert response.status_code == 302
    html = merchant_client.get(reverse("backoffice:dashboard")).content.decode()
    assert "Tableau de bord" in html
    assert "Recette du jour" in html


def test_money_tag_in_french():
    template = Template("{% load money %}{% money 1250 'EUR' %}")
    with translation.override("fr"):
        assert template.render(Context()).replace("\u00a0", " ") == "12,50 €"
    with translation.override("en"):
        assert template.render(Context()) == "€12.50"


def test_every_python_string_is_in_the_catalog(po_entries, tmp_path):
    """A string added to the code after the last ``make messages`` reads in English on a French
    page ("Stock check: … whose answer was lost is settled" did): every gettext call of the
    Python source has its entry, translated."""
    base = Path(settings.BASE_DIR)
    skip = {".venv", "sandbox", "bench", "scripts", "var", "node_modules", ".git"}
    sources = sorted(
        str(path.relative_to(base))
        for path in base.rglob("*.py")
        if not skip & set(path.relative_to(base).parts) and "tests" not in path.relative_to(base).parts
    )
    pot = tmp_path / "source.pot"
    keywords = ["gettext", "gettext_lazy", "gettext_noop", "_", "pgettext:1c,2", "pgettext_lazy:1c,2"]
    keywords += ["ngettext:1,2", "ngettext_lazy:1,2", "npgettext:1c,2,3", "npgettext_lazy:1c,2,3"]
    subprocess.run(
        ["xgettext", "--language=Python", "--from-code=UTF-8", "--no-location", "-o", str(pot)]
        + [f"--keyword={k}" for k in keywords]
        + sources,
        cwd=base,
        check=True,
    )
    translated = {label(e) for e in po_entries if any(e["msgstr"].values())}
    missing = [label(e) for e in parse_po(pot) if e["msgid"] and label(e) not in translated]
    assert missing == [], f"not in locale/fr/LC_MESSAGES/django.po (run `make messages`): {missing[:10]}"
