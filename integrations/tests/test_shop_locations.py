"""Which shop is which BigCommerce location: the binder's rows and the primary shop's default."""

import pytest
from django.db import IntegrityError, transaction

from integrations.models import BigCommerceConnection, ShopLocation, SyncState
from integrations.models.locations import DEFAULT_LOCATION_ID
from integrations.selectors import location_shops, shop_locations
from portal.services import shop_primary
from portal.tests.factories import MerchantFactory, ShopFactory

pytestmark = pytest.mark.django_db

Origin = ShopLocation.Origin


@pytest.fixture
def connection():
    merchant = MerchantFactory()
    return BigCommerceConnection.objects.create(
        merchant=merchant, store_hash="abc", status=BigCommerceConnection.Status.CONNECTED
    )


def test_the_primary_shop_without_a_row_is_the_default_location(connection):
    primary = shop_primary(merchant=connection.merchant)
    ShopFactory(merchant=connection.merchant)  # a second shop, not mapped yet: moves nothing
    assert shop_locations(connection=connection) == {primary.pk: DEFAULT_LOCATION_ID}
    assert location_shops(connection=connection) == {DEFAULT_LOCATION_ID: primary.pk}


def test_synced_rows_map_shops_and_a_pending_or_failed_one_maps_nothing(connection):
    primary = shop_primary(merchant=connection.merchant)
    second, third, fourth = (ShopFactory(merchant=connection.merchant) for _ in range(3))
    ShopLocation.objects.create(
        connection=connection, shop=second, remote_location_id=7, origin=Origin.CREATED, state=SyncState.SYNCED
    )
    ShopLocation.objects.create(connection=connection, shop=third, origin=Origin.CREATED)
    ShopLocation.objects.create(
        connection=connection, shop=fourth, origin=Origin.CREATED, state=SyncState.FAILED, last_error="Refused"
    )
    assert shop_locations(connection=connection) == {primary.pk: DEFAULT_LOCATION_ID, second.pk: 7}


def test_the_primary_shop_linked_elsewhere_leaves_the_default_location_unmapped_until_synced(connection):
    primary = shop_primary(merchant=connection.merchant)
    row = ShopLocation.objects.create(connection=connection, shop=primary, origin=Origin.LINKED)
    assert shop_locations(connection=connection) == {}
    row.remote_location_id, row.state = 4, SyncState.SYNCED
    row.save()
    assert shop_locations(connection=connection) == {primary.pk: 4}


def test_another_shop_on_the_default_location_takes_it_from_the_primary(connection):
    second = ShopFactory(merchant=connection.merchant)
    ShopLocation.objects.create(
        connection=connection,
        shop=second,
        remote_location_id=DEFAULT_LOCATION_ID,
        origin=Origin.LINKED,
        state=SyncState.SYNCED,
    )
    assert shop_locations(connection=connection) == {second.pk: DEFAULT_LOCATION_ID}


def test_one_row_per_shop_and_per_location(connection):
    second, third = ShopFactory(merchant=connection.merchant), ShopFactory(merchant=connection.merchant)
    ShopLocation.objects.create(
        connection=connection, shop=second, remote_location_id=7, origin=Origin.CREATED, state=SyncState.SYNCED
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ShopLocation.objects.create(connection=connection, shop=third, remote_location_id=7, origin=Origin.LINKED)
    with pytest.raises(IntegrityError), transaction.atomic():
        ShopLocation.objects.create(connection=connection, shop=second, remote_location_id=8, origin=Origin.LINKED)
    # Two rows still being created (no location yet) do not collide.
    ShopLocation.objects.create(connection=connection, shop=third, origin=Origin.CREATED)
    assert ShopLocation.objects.filter(connection=connection).count() == 2
