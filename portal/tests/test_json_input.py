import json

import pytest

from portal.json_input import MAX_DEPTH, JsonRejected, json_check, json_parse


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_ordinary_documents_are_read():
    assert json_parse('{"lines": [{"sku": "MUG-1", "quantity": 2, "price": 1.5}]}') == {
        "lines": [{"sku": "MUG-1", "quantity": 2, "price": 1.5}]
    }
    assert json_parse(b'{"name": "Caf\\u00e9 cr\xc3\xa8me"}') == {"name": "Café crème"}
    assert json_parse(nested(MAX_DEPTH)) is not None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (nested(5000), "too_deep"),
        (nested(MAX_DEPTH + 1), "too_deep"),
        ('{"a": ' * 900 + "1" + "}" * 900, "too_deep"),
        ('{"sku": "MUG\\u0000"}', "nul"),
        ('{"s\\u0000": 1}', "nul"),
        ('{"sku": "\\ud800"}', "surrogate"),
        ('{"n": NaN}', "not_finite"),
        ('{"n": -Infinity}', "not_finite"),
        ('{"n": 1e400}', "not_finite"),
        ('{"n": ' + "9" * 5000 + "}", "invalid"),
        ("{not json", "invalid"),
        (b"\xff", "invalid"),
        ("", "invalid"),
    ],
)
def test_documents_beyond_the_limits_are_rejected_as_value_errors(text, reason):
    with pytest.raises(JsonRejected) as caught:
        json_parse(text)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)


def test_json_check_reads_decoded_values_without_recursing():
    deep = []
    for _ in range(10_000):
        deep = [deep]
    with pytest.raises(JsonRejected):
        json_check(deep)
    json_check({"a": [1, "b", {"c": None}]})
    with pytest.raises(JsonRejected):
        json_check({"a": float("nan")})
    assert json.dumps(json_parse(nested(MAX_DEPTH)))  # what passes can be written back
