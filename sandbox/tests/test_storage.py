"""The storage in-process (no server): what a product create reads does not grow with the store,
and a file written before the custom URL key existed gets it on opening."""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3

import pytest

from sandbox import auth
from sandbox.model.products import product_create
from sandbox.storage import Database
from sandbox.web import ApiError

STORE = "storagetest"


def _fill(app, start: int, stop: int) -> None:
    with app.db.tx():
        for n in range(start, stop):
            body = {"name": f"Candle {n}", "type": "physical", "weight": 1, "price": 12, "sku": f"CA{n}"}
            product_create(app, STORE, body)


def _post(app, token: str, body: dict) -> tuple[int, dict]:
    raw = json.dumps(body).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": f"/stores/{STORE}/v3/catalog/products",
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(raw)),
        "HTTP_X_AUTH_TOKEN": token,
        "wsgi.input": io.BytesIO(raw),
    }
    status = []
    answer = b"".join(app(environ, lambda line, headers: status.append(int(line.split()[0]))))
    return status[0], json.loads(answer)


@contextlib.contextmanager
def _vm_steps(db: Database):
    """How many steps SQLite's virtual machine takes (its progress handler, called every step):
    reading a row is a step, so a statement that walks the store takes as many more as it has rows."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0  # go on

    db.conn.set_progress_handler(count, 1)
    try:
        yield steps
    finally:
        db.conn.set_progress_handler(None, 1)


def test_a_product_create_reads_as_much_of_a_store_of_600_products_as_of_one_of_60(app):
    with app.db.tx():
        token = auth.account_create(app.db, store_hash=STORE)["access_token"]
    body = {"type": "physical", "weight": 1, "price": 3}  # no custom URL: its default is made unique
    _fill(app, 0, 60)
    with _vm_steps(app.db) as small:
        assert _post(app, token, {**body, "name": "Late candle 1"})[0] == 200
    _fill(app, 60, 600)
    with _vm_steps(app.db) as large:
        assert _post(app, token, {**body, "name": "Late candle 2"})[0] == 200
    # Reading each product's custom URL out of its JSON took some 7 steps a product (893 steps, then
    # 4,685); what is left to grow is under a step per hundred products (the request log's insert).
    assert small[0] > 0 and large[0] <= small[0] + 50, (small[0], large[0])


def test_the_refusals_of_a_create_are_unchanged(app):
    _fill(app, 0, 3)
    body = {"type": "physical", "weight": 1, "price": 3}
    for fields, expected in (
        (
            {"name": "Candle 1"},
            (
                409,
                "The product name is a duplicate",
                {"name": "A product with the name 'Candle 1' already exists."},
            ),
        ),
        ({"name": "Other", "sku": "ca2"}, (409, "The product sku is a duplicate", {"sku": "Sku ca2 is not unique."})),
        (
            {"name": "Other", "custom_url": {"url": "/CANDLE-0/", "is_customized": True}},
            (409, "The custom URL is a duplicate", {"custom_url": "URL /CANDLE-0/ is used by another product."}),
        ),
    ):
        with pytest.raises(ApiError) as refused, app.db.tx():
            product_create(app, STORE, {**body, **fields})
        assert (refused.value.status, refused.value.title, refused.value.errors) == expected
    # A default URL taken by another product gets a suffix.
    with app.db.tx():
        assert product_create(app, STORE, {**body, "name": "Candle-0"})["custom_url"]["url"] == "/candle-0-1/"


def test_a_file_written_before_the_url_key_gets_it_filled_on_opening(tmp_path):
    path = str(tmp_path / "old.sqlite3")
    old = sqlite3.connect(path)
    old.executescript(
        """CREATE TABLE records (
            store_hash TEXT NOT NULL, kind TEXT NOT NULL, id INTEGER NOT NULL,
            parent_id INTEGER, sku_key TEXT, name_key TEXT, data TEXT NOT NULL,
            PRIMARY KEY (store_hash, kind, id));"""
    )
    for kind, record_id, data in (
        ("product", 7, {"id": 7, "name": "Un", "custom_url": {"url": "/Été/", "is_customized": True}}),
        ("category", 8, {"id": 8, "custom_url": {"url": "/été/"}}),  # a product's URL only
    ):
        old.execute(
            "INSERT INTO records (store_hash, kind, id, data) VALUES (?,?,?,?)",
            ("s", kind, record_id, json.dumps(data)),
        )
    old.commit()
    old.close()
    db = Database(path)
    assert db.url_holders("s", "product", "/ÉTÉ/") == [7]
    assert db.url_holders("s", "category", "/été/") == []
    plan = db.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM records WHERE store_hash=? AND kind=? AND url_key=?", ("s", "product", "/x/")
    ).fetchall()
    assert "records_url" in " ".join(row["detail"] for row in plan)
    db.conn.close()
    assert Database(path).url_holders("s", "product", "/été/") == [7]  # opened again: nothing to add
