"""The BigCommerce card on the merchant's dashboard: the connection's state and where to go."""

from django.template.loader import render_to_string

from integrations import selectors


def bigcommerce_card(request) -> str | None:
    merchant = request.merchant
    if merchant is None:
        return None
    connection = selectors.connection_for_merchant(merchant=merchant)
    status = selectors.connection_display_status(connection=connection)
    store = (connection.store_name or connection.store_hash) if connection else ""
    context = {"connection": connection, "status": status, "store": store}
    return render_to_string("integrations/_dashboard_card.html", context, request=request)
