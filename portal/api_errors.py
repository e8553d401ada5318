"""The JSON API's address and error shape, for the POS device API (``inventory/api/``) and for
the site-wide middleware that answers before any view (a NUL refused under /api/ is JSON too)."""

from django.http import JsonResponse
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


def is_api_request(request) -> bool:
    """Answers under /api/ keep the API's JSON error shape, whatever goes wrong."""
    return request.path_info.startswith(API_PREFIX)


def error_response(status: int, code: str, message: str, field: str | None = None, **kwargs) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "field": field}}, status=status, **kwargs)


def invalid_characters(field: str | None) -> JsonResponse:
    """A NUL in the query string (refused for the whole site by portal's middleware)."""
    return error_response(
        400, "invalid_characters", _("The request contains a NUL character (%00), which no text may hold."), field
    )
