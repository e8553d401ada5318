from django.shortcuts import render

from portal.decorators import merchant_required
from portal.selectors import merchant_dashboard_figures


@merchant_required
def dashboard(request):
    figures = merchant_dashboard_figures(merchant=request.merchant)
    return render(request, "portal/dashboard.html", {"figures": figures})
