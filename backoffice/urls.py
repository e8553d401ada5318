from django.urls import path

from backoffice import dashboard, merchant_settings

app_name = "backoffice"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("settings/", merchant_settings.merchant_settings, name="merchant_settings"),
]
