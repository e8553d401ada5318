"""What every admin of the integrations app shares: read only, JSON shown readably, actions that call a service."""

import json

from django.contrib import admin, messages
from django.utils.html import format_html

from integrations.errors import ConnectRefused
from integrations.redaction import size_bounded


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable only: no add, change or delete, for superusers too."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def pretty_json(value) -> str:
    if not value:
        return "—"
    # Bounded as the journal shows it: an entry written before the bound may hold megabytes.
    return format_html("<pre>{}</pre>", json.dumps(size_bounded(value), indent=2, ensure_ascii=False))


def run_action(modeladmin, request, queryset, call, done_message) -> None:
    """``call(row)`` for each selected row; refusals are reported per row, the rest counted."""
    done = 0
    for row in queryset:
        try:
            call(row)
        except ConnectRefused as exc:
            modeladmin.message_user(request, f"{row}: {exc.message}", messages.WARNING)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message(done), messages.SUCCESS)
