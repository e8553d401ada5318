"""Categories and folders: Comptoir-only groupings, never synced."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from catalog.models import Category, Folder
from portal.models import Merchant


def category_create(*, merchant: Merchant, name: str) -> Category:
    """The merchant's category with this name (any letter case), created if needed."""
    return _grouping_create(model=Category, merchant=merchant, name=name)


def folder_create(*, merchant: Merchant, name: str) -> Folder:
    return _grouping_create(model=Folder, merchant=merchant, name=name)


def category_delete(*, category: Category) -> None:
    """Delete a category; its products stay, without a category."""
    category.delete()


def folder_delete(*, folder: Folder) -> None:
    folder.delete()


def _grouping_create(*, model, merchant: Merchant, name: str):
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("Enter a name."))
    if len(name) > 100:
        raise ValidationError(_("A name has at most 100 characters."))
    existing = model.objects.filter(merchant=merchant, name__iexact=name).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return model.objects.create(merchant=merchant, name=name)
    except IntegrityError:  # created concurrently
        return model.objects.get(merchant=merchant, name__iexact=name)
