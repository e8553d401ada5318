"""Requests generated from BigCommerce's OpenAPI files (Schemathesis), sent to a sandbox on
loopback: never a 5xx, and every answer documented (status, content type, body schema), file
by file over the 96 operations the sandbox serves. The files are read where they are (see
contract.py); without a copy of bigcommerce/docs these tests skip and say why.

Bounded: the examples the files give, then SANDBOX_GENERATED_EXAMPLES fuzzed requests (valid
and invalid) per operation, seeded, without shrinking: about 1,000 requests in all, 2-3 minutes
on a busy two-core machine. `generated.excused` lists each failure dropped as the file's error
or a check stricter than BigCommerce's documentation, with its source."""

from __future__ import annotations

import os

import pytest

from sandbox.api.routes import build
from sandbox.tests import contract, generated
from sandbox.tests.test_orders import BILLING

pytestmark = pytest.mark.contract

EXAMPLES = int(os.environ.get("SANDBOX_GENERATED_EXAMPLES", "5"))
SERVED = {(route.method, generated.shape(route.pattern)) for route in build().routes}


@pytest.fixture
def target(sandbox):
    """A store for each file (its answers depend on nothing another file's requests left, with
    or without xdist), with records to find (ids 1, 2... exist), and no rate limit to hit."""
    try:
        contract.docs_location()
        contract.spec_text(generated.SPEC_FILES[0])
    except contract.SpecsMissing as exc:
        pytest.skip(str(exc))
    try:
        import schemathesis  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"schemathesis is needed for the generated contract tests: {exc}")
    store = sandbox.create_store(name="Generated requests")
    sandbox.set_rate_limit(store["hash"], quota=1_000_000, window_ms=1000)
    token = sandbox.api_account(store["hash"])["access_token"]
    from sandbox.tests.conftest import Api

    api = Api(sandbox.url, store["hash"], token)
    product = api.create_product(
        name="Seeded",
        sku="SEED",
        inventory_tracking="variant",
        variants=[
            {"sku": "SEED-S", "inventory_level": 5, "option_values": [{"option_display_name": "T", "label": "S"}]}
        ],
        custom_fields=[{"name": "Glaze", "value": "matte"}],
        videos=[{"video_id": "dQw4w9WgXcQ", "type": "youtube"}],
    )
    api.post("/v3/catalog/categories", json={"name": "Seeded", "parent_id": 0})
    order = api.post(
        "/v2/orders",
        json={
            "billing_address": BILLING,
            "products": [{"product_id": product["id"], "variant_id": product["variants"][0]["id"], "quantity": 1}],
        },
    )
    assert order.status_code == 200, order.text
    # A second location with stock there and a pickup method (ids 2): the locations, per-location
    # items and pickup methods operations meet records beyond the default location's.
    from sandbox.tests.test_locations import ADDRESS

    shop = {"code": "SEED-2", "label": "Seeded", "type_id": "PHYSICAL", "time_zone": "Etc/UTC", "address": ADDRESS}
    assert api.post("/v3/inventory/locations", json=[shop]).status_code == 200
    adjustment = {"location_id": 2, "variant_id": product["variants"][0]["id"], "quantity": 3}
    assert api.put("/v3/inventory/adjustments/absolute", json={"items": [adjustment]}).status_code == 200
    assert api.post("/v3/pickup/methods", json=[{"location_id": 2, "display_name": "Seeded"}]).status_code == 200
    return f"{sandbox.url}/stores/{store['hash']}", token


@pytest.mark.parametrize("spec", generated.SPEC_FILES, ids=lambda s: s.rsplit("/", 1)[-1])
def test_generated_requests(target, spec):
    origin, token = target
    outcome = generated.run(spec, served=SERVED, origin=origin, token=token, max_examples=EXAMPLES)
    print(
        f"\n{spec}: {outcome.operations} operations, {outcome.requests} requests {outcome.by_phase}, "
        f"{outcome.seconds:.1f} s; excused: {outcome.excused}"
    )
    assert outcome.operations > 0 and outcome.requests > 0
    assert not outcome.errors, "\n".join(outcome.errors)
    assert not outcome.failures, f"{len(outcome.failures)} answers BigCommerce would not give:\n" + "\n".join(
        outcome.failures
    )
