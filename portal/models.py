"""Merchants (the tenants), their users, their shops, and the POS devices that sell for them."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.iso import country_validate, currency_validate


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who logs in with an email address. Staff users are support agents."""

    username = None
    email = models.EmailField(_("email address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    def __str__(self):
        return self.email


class Merchant(models.Model):
    """A business using Comptoir: the tenant every merchant-reachable row belongs to."""

    name = models.CharField(_("business name"), max_length=200)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2 code, e.g. FR"))
    currency = models.CharField(_("currency"), max_length=3, help_text=_("ISO 4217 code, e.g. EUR"))
    default_vat_rate = models.DecimalField(
        _("default VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    # Bumped by every save of the settings page: the form carries the version it was opened at
    # (portal.edits), so a save from an older tab keeps what it did not change.
    settings_version = models.PositiveBigIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")

    def __str__(self):
        return self.name

    def clean(self):
        # Django admin's check; the portal's forms and services validate the same way.
        errors = {}
        for field, validate in (("country", country_validate), ("currency", currency_validate)):
            try:
                setattr(self, field, validate(getattr(self, field)))
            except ValidationError as exc:
                errors[field] = exc.messages
        if errors:
            raise ValidationError(errors)


class Membership(models.Model):
    """Ties a user to the one merchant they work for."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        STAFF = "staff", _("Staff")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.OWNER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")

    def __str__(self):
        return f"{self.user} @ {self.merchant}"


class Shop(models.Model):
    """A place where the merchant sells and keeps stock (a location).

    Every merchant has exactly one *primary* shop (created with the merchant; the database keeps
    one per merchant and refuses to deactivate it). Until issue 19 maps each shop to a BigCommerce
    inventory location, the BigCommerce connector reads and writes the primary shop's stock only.
    A deactivated shop sells nothing (no Register, no device); its stock and history stay readable.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="shops")
    name = models.CharField(_("name"), max_length=100)
    address_line1 = models.CharField(_("address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address (line 2)"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2 code, e.g. FR"))
    is_primary = models.BooleanField(_("primary shop"), default=False, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        ordering = ["-is_primary", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant"], condition=models.Q(is_primary=True), name="shop_one_primary_per_merchant"
            ),
            models.CheckConstraint(
                condition=~models.Q(is_primary=True, is_active=False), name="shop_primary_stays_active"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def address_text(self) -> str:
        """The address on one line, without the country ("" when none was given)."""
        town = f"{self.postal_code} {self.city}".strip()
        return ", ".join(part for part in (self.address_line1, self.address_line2, town) if part)


def device_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Device(models.Model):
    """A POS device (till, tablet) that calls the JSON API with its own bearer token.

    Only a hash of the token is stored; the token itself is shown once, when issued.
    """

    TOKEN_PREFIX = "cpt_"

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="devices")
    # The shop it sells in: its sales and refunds move that shop's stock.
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="devices", verbose_name=_("shop"))
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField(max_length=12, editable=False, help_text=_("Last characters of the token"))
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("POS device")
        verbose_name_plural = _("POS devices")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    @classmethod
    def new_token(cls) -> str:
        return cls.TOKEN_PREFIX + secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
