"""Requests generated from BigCommerce's OpenAPI files (Schemathesis) against a running sandbox.

The files are read as the other contract tests read them (`contract.spec_text`: a copy of
bigcommerce/docs, never copied here). Each file is cut down to the operations the sandbox
serves (its routes table), then Schemathesis sends its examples, its coverage cases (valid
and invalid values at the edges of each schema) and fuzzed requests, and checks each answer:
no 5xx, a status the file documents, a documented content type, a body its schema accepts.

Where the file itself is wrong, or a check is stricter than BigCommerce's own documentation,
`excused` drops that one failure and says why (each rule below cites its source). Everything
else is a difference from BigCommerce to mend in the sandbox.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from sandbox.tests import contract

# The files behind the sandbox's routes (README, "Sources"): 96 operations in all.
SPEC_FILES = (
    "reference/catalog/products_catalog.v3.yml",
    "reference/catalog/product-variants_catalog.v3.yml",
    "reference/catalog/product-variant-options_catalog.v3.yml",
    "reference/catalog/categories_catalog.v3.yml",
    "reference/catalog/category-trees_catalog.v3.yml",
    "reference/channels.v3.yml",
    "reference/inventory.v3.yml",
    "reference/locations.v3.yml",
    "reference/pickup_methods.v3.yml",
    "reference/webhooks.v3.yml",
    "reference/orders.v2.oas2.yml",
    "reference/orders.v3.yml",
    "reference/store_information.v2.yml",
    "reference/settings.v3.yml",
)
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance")
METHODS = ("get", "put", "post", "delete", "patch")

# docs/start/about/status-codes.mdx gives these for any REST request that is itself at fault,
# whatever one operation's responses list: 401 "failed to provide credentials or its
# credentials were invalid", 415 "issues with the Content-Type header".
_TEMPLATE = re.compile(r"\{[^}]+\}")


def shape(path: str) -> str:
    return _TEMPLATE.sub("{}", path)


def served_document(relative: str, served: set[tuple[str, str]]) -> tuple[dict, str]:
    """(the OpenAPI document cut down to the operations the sandbox serves, its version
    prefix such as "/v3"). `served`: (METHOD, path with {} for each parameter)."""
    import yaml

    document = contract.honour_x_nullable(yaml.safe_load(contract.spec_text(relative)))
    prefix = re.sub(r"^https://[^/]+/stores/\{store_hash\}", "", document["servers"][0]["url"])
    for path in list(document["paths"]):
        item = document["paths"][path]
        for method in METHODS:
            if method in item and (method.upper(), shape(prefix + path)) not in served:
                del item[method]
        if not any(method in item for method in METHODS):
            del document["paths"][path]
    return document, prefix


def excused(failure, case, response, *, token: str) -> str | None:
    """Why this failure is not the sandbox's, or None when it is. Each reason names its source."""
    from schemathesis.openapi.checks import JsonSchemaError, UndefinedContentType, UndefinedStatusCode

    if isinstance(failure, UndefinedStatusCode):
        return _documented_elsewhere(case, response, token)
    if isinstance(failure, UndefinedContentType) and "plain/text" in str(failure.defined_content_types):
        # The files' 401/403 responses say "plain/text", which is no media type (text/plain
        # reversed); BigCommerce's v3 errors are JSON ({status, title, type}).
        return "the file documents 'plain/text', which is no media type"
    if isinstance(failure, JsonSchemaError):
        field = str(failure.schema_path[-2]) if len(failure.schema_path) > 1 else ""
        if failure.instance is None and field == "base_variant_id":
            return "products_catalog.v3.yml types base_variant_id as an integer and says: null for complex products"
        if field in ("date_earliest_value", "date_latest_value") and list(failure.schema_path)[-1] == "format":
            # product-variant-options_catalog.v3.yml types these `format: date-time` (example
            # "2018-08-31T00:00:00+00:00") on writes and `format: date` on some reads, whose own
            # example is "2022-08-24T00:00:00+00:00": the sandbox answers the date-time it was given.
            return "product-variant-options_catalog.v3.yml types the option dates as date-time and date"
        if failure.instance is None and field == "sku_id":
            return "inventory.v3.yml types sku_id as an integer and says: `null` if the item is a base variant"
        overlapping = field in ("consignments", "line_items") and list(failure.schema_path)[-1] == "oneOf"
        if overlapping and "/orders" in case.operation.path:
            # orders.v2.oas2.yml's consignments and line_items oneOfs overlap: a link ({resource, url})
            # also matches the object form, a list of lines both list forms (their properties are all
            # optional). test_contract checks each form exactly (the form the request asked for).
            return "orders.v2.oas2.yml's consignments and line_items oneOfs overlap (a valid answer matches two)"
        if failure.instance == [] and list(failure.schema_path)[-1] == "minItems" and "/hooks" in case.operation.path:
            return "webhooks.v3.yml gives the hook list minItems 1: a store without hooks has an empty list"
    return None


def _documented_elsewhere(case, response, token: str) -> str | None:
    """A status the operation does not list that docs/start/about/status-codes.mdx gives for
    any REST request in that situation, or None."""
    sent = {k.lower(): v for k, v in response.request.headers.items()}
    status = response.status_code
    negative = case.meta is not None and case.meta.generation.mode.is_negative
    content_type = (sent.get("content-type") or "").split(";")[0].strip().lower()
    body = response.request.body
    if status == 401 and sent.get("x-auth-token") != token:
        return "401: the client failed to provide credentials or they were invalid"
    if status == 415 and body and content_type != "application/json":
        return "415: issues with the Content-Type header (a body that is not JSON)"
    beyond = _beyond_64_bits(response.request.url) or _beyond_64_bits(body)
    if status == 400 and (negative or not body and case.operation.body or beyond):
        return "400: a malformed request (invalid values, no body, or an id beyond 64 bits)"
    if status == 404 and "{" in case.operation.path:
        return "404: the requested entity does not exist (the path names it)"
    if status in (409, 422):
        return "409/422: data the store refuses (a duplicate, an unknown reference, an invalid value)"
    if status == 400 and case.operation.path.startswith("/orders") and response.request.method != "GET":
        return "400: v2 refuses invalid order data with 400 (orders guide; status-codes.mdx)"
    if status == 204 and response.request.method == "GET" and not response.content:
        return "204: a successful request that produced no response (v2's empty page)"
    return None


def _beyond_64_bits(text) -> bool:
    """Whether a URL or body holds an integer no id, level or count can be (the sandbox's 400)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return any(abs(int(n)) > 2**63 - 1 for n in re.findall(r"(?<![\d.eE])-?\d{19,}(?![\d.eE])", text or ""))


@dataclass
class Outcome:
    spec: str
    operations: int = 0
    requests: int = 0
    by_phase: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    excused: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def run(
    relative: str,
    *,
    served: set,
    origin: str,
    token: str,
    max_examples: int,
    phases: tuple[str, ...] = ("examples", "fuzzing"),
    seed: int = 17,
) -> Outcome:
    """One file's generated run against the sandbox at `origin` (http://host:port/stores/{hash})."""
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import events, from_schema

    document, prefix = served_document(relative, served)
    outcome = Outcome(spec=relative)
    config = SchemathesisConfig()
    config.update(seed=seed, max_failures=None)
    schema = schemathesis.openapi.from_dict(document, config=config)
    schema.config.update(
        base_url=origin + prefix, headers={"X-Auth-Token": token}, workers=1, request_timeout=30, max_redirects=0
    )
    schema.config.phases.update(phases=list(phases))
    schema.config.checks.update(included_check_names=list(CHECKS))
    # No shrinking: a failure is reported as drawn, so a failing run takes no longer than a passing one.
    schema.config.generation.update(max_examples=max_examples, database="none", deterministic=True, no_shrink=True)
    # When asked for, the coverage phase (every schema's edges, thousands of requests per file:
    # too many for the suite) sends the valid values; the fuzzing phase sends both kinds.
    schema.config.phases.coverage.generation.update(modes=["positive"])

    @schema.hook
    def filter_failure(context, failure, case, response):
        reason = excused(failure, case, response, token=token)
        if reason is not None:
            outcome.excused[reason] = outcome.excused.get(reason, 0) + 1
        return reason is None

    started = time.monotonic()
    operations = set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            operations.add(event.recorder.label)
            outcome.requests += len(event.recorder.interactions)
            phase = str(getattr(event.phase, "value", event.phase))
            outcome.by_phase[phase] = outcome.by_phase.get(phase, 0) + len(event.recorder.interactions)
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.failure_info is None:
                        continue
                    failure = check.failure_info.failure
                    outcome.failures.append(
                        f"{event.recorder.label}: [{failure.code}] {failure.title}: {_one_line(failure.message)}"
                        f"\n    {_one_line(check.failure_info.code_sample.replace(token, '…'), 600)}"
                    )
        elif isinstance(event, events.NonFatalError):
            outcome.errors.append(f"{event.label}: {type(event.value).__name__}: {_one_line(str(event.value))}")
        elif isinstance(event, events.FatalError):
            outcome.errors.append(f"fatal: {type(event.exception).__name__}: {event.exception}")
    outcome.operations = len(operations)
    outcome.seconds = time.monotonic() - started
    outcome.failures = sorted(set(outcome.failures))
    return outcome


def _one_line(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
