"""Structured logs: one JSON line per request and per task, with the request id, merchant,
connection and task; secrets removed from messages, arguments, tracebacks and fields."""

import json
import logging
from io import StringIO

import pytest
from django_q.tasks import async_task

from portal import tasklog
from portal.logs import JsonFormatter, RedactingFilter, TextFormatter, log_context_scope
from portal.tests.factories import MembershipFactory


@pytest.fixture
def json_lines():
    """The JSON lines written to the root logger while the test runs (as production prints them)."""
    buffer = StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter())
    root, request_logger = logging.getLogger(), logging.getLogger("comptoir")
    root.addHandler(handler)
    old_level, root.level = root.level, logging.INFO
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(old_level)
    assert request_logger.propagate


def request_lines(lines):
    return [line for line in lines if line["logger"] == "comptoir.request"]


def test_one_json_line_per_request_with_its_id_echoed(client, db, json_lines):
    response = client.get("/health/live?access_token=abc123secret", HTTP_X_REQUEST_ID="lb-7f3a9c2e-0001")
    assert response["X-Request-ID"] == "lb-7f3a9c2e-0001"
    [line] = request_lines(json_lines())
    assert {k: line[k] for k in ("method", "path", "view", "status", "request_id")} == {
        "method": "GET",
        "path": "/health/live",  # never the query string
        "view": "health_live",
        "status": 200,
        "request_id": "lb-7f3a9c2e-0001",
    }
    assert isinstance(line["duration_ms"], float) and line["level"] == "INFO"
    assert "abc123secret" not in json.dumps(json_lines())


@pytest.mark.parametrize("sent", [None, "", "short", "x" * 200, "has space inside", "evil\nline"])
def test_a_missing_or_odd_request_id_is_replaced(client, db, json_lines, sent):
    headers = {"HTTP_X_REQUEST_ID": sent} if sent is not None else {}
    response = client.get("/health/live", **headers)
    generated = response["X-Request-ID"]
    assert generated != sent and len(generated) == 32
    assert request_lines(json_lines())[0]["request_id"] == generated


def test_a_request_line_names_the_merchant_when_known(client, db, json_lines):
    member = MembershipFactory()
    client.force_login(member.user)
    client.get("/")
    [line] = request_lines(json_lines())
    assert line["merchant_id"] == member.merchant_id and line["status"] == 200


def test_lines_written_during_a_request_carry_its_id(client, db, json_lines):
    client.post("/integrations/bigcommerce/webhooks/", b"{}", content_type="application/json")
    lines = json_lines()
    [request] = request_lines(lines)
    refused = [line for line in lines if line["logger"] == "integrations.views.inbox"]
    assert refused and refused[0]["request_id"] == request["request_id"]


def test_one_json_line_per_task_with_lane_duration_and_outcome(db, json_lines):
    async_task("integrations.tasks.lane_heartbeat")
    async_task("integrations.tasks.connection_store_facts_fetch", 987654)  # no such connection: nothing to do
    tasks = [line for line in json_lines() if line["logger"] == "comptoir.task"]
    assert [(t["task"], t["outcome"]) for t in tasks] == [
        ("integrations.tasks.lane_heartbeat", "ok"),
        ("integrations.tasks.connection_store_facts_fetch", "ok"),
    ]
    assert all(t["lane"] == "comptoir" and t["task_id"] and t["duration_ms"] >= 0 for t in tasks)
    assert tasks[1]["connection_id"] == 987654 and "connection_id" not in tasks[0]


def test_a_failed_task_says_so(db, json_lines):
    with pytest.raises(TypeError):
        async_task("integrations.tasks.lane_heartbeat", "unexpected argument")
    [task] = [line for line in json_lines() if line["logger"] == "comptoir.task"]
    assert task["outcome"] == "failed"


def record(message, *args, exc=None, **fields):
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, message, args, exc)
    if fields:
        record.fields = fields
    RedactingFilter().filter(record)
    return record


def test_the_filter_removes_secrets_from_messages_arguments_tracebacks_and_fields(settings):
    settings.BIGCOMMERCE_CLIENT_SECRET = "the-client-secret-4411"
    try:
        raise RuntimeError("X-Auth-Token: tok_abcdef123")
    except RuntimeError as exc:
        exc_info = (type(exc), exc, exc.__traceback__)
    made = record(
        "calling %s with %s and cpt_AbCdEf0123456789 and the-client-secret-4411",
        "https://x.test/?access_token=tok_abcdef123",
        {"password": "hunter22hunter"},
        exc=exc_info,
        body={"client_secret": "the-client-secret-4411", "count": 3},
    )
    printed = JsonFormatter().format(made) + TextFormatter().format(made)
    for secret in ("tok_abcdef123", "hunter22hunter", "cpt_AbCdEf0123456789", "the-client-secret-4411"):
        assert secret not in printed
    assert json.loads(JsonFormatter().format(made))["body"] == {"client_secret": "[removed]", "count": 3}
    assert made.args  # the record itself is left as it came (other handlers read it)


def test_the_context_is_per_scope():
    with log_context_scope(request_id="r1", merchant_id=4):
        inside = record("hello")
    outside = record("hello")
    assert json.loads(JsonFormatter().format(inside))["request_id"] == "r1"
    assert "request_id" not in json.loads(JsonFormatter().format(outside))


def test_a_task_finishes_as_it_would_when_its_heartbeat_cannot_be_written(db, json_lines, monkeypatch):
    def cache_down(**kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(tasklog, "lane_heartbeat_record", cache_down)
    async_task("integrations.tasks.connection_store_facts_fetch", 987654)  # raises nothing
    lines = json_lines()
    assert [line["outcome"] for line in lines if "outcome" in line] == ["ok"]
    assert any("could not record the heartbeat" in line["message"] for line in lines)
