from django.conf import settings


def portal(request):
    return {
        "current_merchant": getattr(request, "merchant", None),
        "support_url": settings.COMPTOIR_SUPPORT_URL,
    }
