from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from portal.models import Device, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    max_num = 1


class DeviceInline(admin.TabularInline):
    model = Device
    extra = 0
    fields = ["name", "token_hint", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["token_hint", "created_at", "last_used_at"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "merchant_name", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name", "membership__merchant__name"]
    list_select_related = ["membership__merchant"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    inlines = [MembershipInline]

    @admin.display(description=_("merchant"))
    def merchant_name(self, obj):
        membership = getattr(obj, "membership", None)
        return membership.merchant.name if membership else "—"


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["name", "merchant", "token_hint", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at", ("merchant", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "merchant__name", "merchant__memberships__user__email", "token_hint"]
    readonly_fields = ["token_hint", "created_at", "last_used_at"]
    exclude = ["token_hash"]
    list_select_related = ["merchant"]
