"""The sandbox's own SQLite storage.

One connection guarded by one re-entrant lock: every request runs its reads and
writes inside `db.tx()` (a `BEGIN IMMEDIATE` transaction), so concurrent
requests see consistent state. Resources are JSON documents in `records`, with
the few columns we query on (store, kind, id, parent, SKU, name, custom URL)
indexed, so that a uniqueness check is one index lookup at any store size. A
record's children are found by (store, kind, parent, id): the index gives them
in id order, so SQLite never walks every record of a kind to read a product's
25 variants. A record may keep its answer too (`answer`: the JSON text the API
answers it with, made when it is written; `answer_basis`: what of another
record it was made from), so that a long list is spliced from text instead of
decoding and encoding every record again.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS stores (hash TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS apps (client_id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    token TEXT PRIMARY KEY, store_hash TEXT NOT NULL, client_id TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS accounts_store ON accounts (store_hash, client_id);
CREATE TABLE IF NOT EXISTS auth_codes (code TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sequences (
    store_hash TEXT NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL,
    PRIMARY KEY (store_hash, name));
CREATE TABLE IF NOT EXISTS records (
    store_hash TEXT NOT NULL, kind TEXT NOT NULL, id INTEGER NOT NULL,
    parent_id INTEGER, sku_key TEXT, name_key TEXT, url_key TEXT, data TEXT NOT NULL,
    answer TEXT, answer_basis TEXT,
    PRIMARY KEY (store_hash, kind, id));
DROP INDEX IF EXISTS records_parent;
CREATE INDEX IF NOT EXISTS records_parent_id ON records (store_hash, kind, parent_id, id);
CREATE INDEX IF NOT EXISTS records_sku ON records (store_hash, sku_key);
CREATE INDEX IF NOT EXISTS records_name ON records (store_hash, kind, name_key);
CREATE TABLE IF NOT EXISTS blobs (
    store_hash TEXT NOT NULL, id INTEGER NOT NULL, content_type TEXT, bytes BLOB,
    PRIMARY KEY (store_hash, id));
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT, store_hash TEXT NOT NULL, hook_id INTEGER NOT NULL,
    status TEXT NOT NULL, next_at REAL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_at);
CREATE INDEX IF NOT EXISTS deliveries_store ON deliveries (store_hash, hook_id);
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT, store_hash TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS requests_store ON requests (store_hash);
"""

# Columns added to `records` after files were written without them: (column, how to fill it from `data`;
# None: left NULL, an answer not made yet, which its reader makes from `data`).
ADDED_KEYS = (
    ("url_key", "CASE WHEN kind='product' THEN py_lower(json_extract(data, '$.custom_url.url')) END"),
    ("answer", None),
    ("answer_basis", None),
)
ADDED_INDEX = "CREATE INDEX IF NOT EXISTS records_url ON records (store_hash, kind, url_key)"


def _narrowed(args: list, *, ids=None, parent_ids=None, where: str = "", params: tuple = ()) -> str:
    """The SQL that keeps the records with these ids / parents (any number of them: they travel as
    one JSON parameter) and matching `where`; its parameters are appended to `args`."""
    sql = ""
    for column, values in (("id", ids), ("parent_id", parent_ids)):
        if values is not None:
            sql += f" AND {column} IN (SELECT value FROM json_each(?))"
            args.append(json.dumps(sorted({int(i) for i in values})))
    if where:
        sql += f" AND ({where})"
        args.extend(params)
    return sql


# A record whose parent (a variant's product) exists: `r` is the record, the third parameter the parent's kind.
_PARENT_EXISTS = (
    " AND EXISTS (SELECT 1 FROM records AS p WHERE p.store_hash=r.store_hash AND p.kind=? AND p.id=r.parent_id)"
)

# Tables holding one store's data, wiped by a store reset/delete.
STORE_TABLES = ("records", "sequences", "blobs", "deliveries", "requests", "accounts")


class Result:
    """The rows of a statement, already fetched."""

    def __init__(self, rows: list[sqlite3.Row], rowcount: int):
        self.rows = rows
        self.rowcount = rowcount

    def fetchone(self) -> sqlite3.Row | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[sqlite3.Row]:
        return self.rows

    def __iter__(self):
        return iter(self.rows)


def _py_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else None


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class Database:
    def __init__(self, path: str):
        self.path = path
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        # The whole file in memory once read: a 10,000-variant store is about 25 MB.
        self.conn.execute("PRAGMA cache_size=-131072")
        self.conn.execute("PRAGMA mmap_size=268435456")
        # Python's lower() (Unicode), as the keys are lowered: SQLite's lower() is ASCII only.
        self.conn.create_function("py_lower", 1, _py_lower, deterministic=True)
        self.conn.executescript(SCHEMA)
        self._add_keys()
        self.lock = threading.RLock()
        self._depth = 0
        self._after_commit: list[Callable[[], None]] = []

    def _add_keys(self) -> None:
        """A file written before a key column existed gets it, filled from its records, in one
        transaction (never a column half filled, nor two processes adding it)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            columns = {row["name"] for row in self.conn.execute("PRAGMA table_info(records)")}
            for column, value in ADDED_KEYS:
                if column not in columns:
                    self.conn.execute(f"ALTER TABLE records ADD COLUMN {column} TEXT")
                    if value is not None:
                        self.conn.execute(f"UPDATE records SET {column}={value}")
            self.conn.execute(ADDED_INDEX)
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- transactions -------------------------------------------------------
    @contextlib.contextmanager
    def tx(self) -> Iterator[Database]:
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self
            except BaseException:
                self.conn.execute("ROLLBACK")
                self._after_commit.clear()
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                self._depth = 0
            callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def on_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    def execute(self, sql: str, params: tuple | list = ()) -> Result:
        # Rows are fetched while the lock is held: the connection is shared by threads.
        with self.lock:
            cursor = self.conn.execute(sql, params)
            return Result(cursor.fetchall() if cursor.description else [], cursor.rowcount)

    # -- sequences ----------------------------------------------------------
    def next_id(self, store_hash: str, name: str, start: int = 1) -> int:
        row = self.execute("SELECT value FROM sequences WHERE store_hash=? AND name=?", (store_hash, name)).fetchone()
        value = row["value"] + 1 if row else start
        self.execute(
            "INSERT OR REPLACE INTO sequences (store_hash, name, value) VALUES (?,?,?)",
            (store_hash, name, value),
        )
        return value

    # -- stores -------------------------------------------------------------
    def store_get(self, store_hash: str) -> dict | None:
        row = self.execute("SELECT data FROM stores WHERE hash=?", (store_hash,)).fetchone()
        return json.loads(row["data"]) if row else None

    def store_put(self, store: dict) -> None:
        self.execute("INSERT OR REPLACE INTO stores (hash, data) VALUES (?,?)", (store["hash"], dumps(store)))

    def store_list(self) -> list[dict]:
        rows = self.execute("SELECT data FROM stores ORDER BY hash").fetchall()
        return [json.loads(r["data"]) for r in rows]

    def store_wipe(self, store_hash: str, *, keep_store: bool = False) -> None:
        for table in STORE_TABLES:
            self.execute(f"DELETE FROM {table} WHERE store_hash=?", (store_hash,))
        if not keep_store:
            self.execute("DELETE FROM stores WHERE hash=?", (store_hash,))

    # -- records (catalog, channels, orders, hooks...) -----------------------
    def get(self, store_hash: str, kind: str, record_id: int) -> dict | None:
        row = self.execute(
            "SELECT data FROM records WHERE store_hash=? AND kind=? AND id=?",
            (store_hash, kind, record_id),
        ).fetchone()
        return json.loads(row["data"]) if row else None

    def find(
        self,
        store_hash: str,
        kind: str,
        *,
        parent_id: int | None = None,
        ids: Iterable[int] | None = None,
        parent_ids: Iterable[int] | None = None,
        where: str = "",
        params: tuple = (),
    ) -> list[dict]:
        """Records of a kind in id order; `ids` / `parent_ids` keep those with these ids / parents
        (any number of them: they travel as one JSON parameter)."""
        sql = "SELECT data FROM records WHERE store_hash=? AND kind=?"
        args: list = [store_hash, kind]
        if parent_id is not None:
            sql += " AND parent_id=?"
            args.append(parent_id)
        sql += _narrowed(args, ids=ids, parent_ids=parent_ids, where=where, params=params)
        rows = self.execute(sql + " ORDER BY id", args).fetchall()
        return [json.loads(r["data"]) for r in rows]

    def project(
        self,
        store_hash: str,
        kind: str,
        paths: tuple[str, ...],
        *,
        ids: Iterable[int] | None = None,
        parent_ids: Iterable[int] | None = None,
        where: str = "",
        params: tuple = (),
    ) -> list[tuple[int, int | None, list]]:
        """(id, parent_id, [the values at these JSON paths]) of the records of a kind, in id order,
        narrowed as `find` narrows: the few fields a list filters and sorts on, read in SQLite (one
        JSON parse a record, in C), without decoding whole records in Python. A missing field reads
        as None."""
        if len(paths) < 2:
            raise ValueError("project reads two paths or more (json_extract answers an array then)")
        args: list = [*paths, store_hash, kind]
        sql = "SELECT id, parent_id, json_extract(data" + ", ?" * len(paths) + ") AS v FROM records"
        sql += " WHERE store_hash=? AND kind=?" + _narrowed(
            args, ids=ids, parent_ids=parent_ids, where=where, params=params
        )
        rows = self.execute(sql + " ORDER BY id", args).fetchall()
        return [(r["id"], r["parent_id"], json.loads(r["v"])) for r in rows]

    def child_ids(self, store_hash: str, kind: str, *, ids=None, parent_ids=None) -> list[tuple[int, int]]:
        """(parent_id, id) of the records of a kind that have a parent, by parent then id, narrowed as
        `find` narrows: read from the (store, kind, parent, id) index alone, no record read."""
        args: list = [store_hash, kind]
        sql = "SELECT parent_id, id FROM records WHERE store_hash=? AND kind=? AND parent_id IS NOT NULL"
        sql += _narrowed(args, ids=ids, parent_ids=parent_ids)
        return [(r[0], r[1]) for r in self.execute(sql + " ORDER BY parent_id, id", args)]

    def answers(self, store_hash: str, kind: str, *, ids=None, parent_ids=None) -> list[sqlite3.Row]:
        """(id, parent_id, answer, answer_basis) of the records of a kind, in id order, narrowed as
        `find` narrows: the answers made when they were written (NULL: none made), nothing decoded."""
        args: list = [store_hash, kind]
        sql = "SELECT id, parent_id, answer, answer_basis FROM records WHERE store_hash=? AND kind=?"
        sql += _narrowed(args, ids=ids, parent_ids=parent_ids)
        return self.execute(sql + " ORDER BY id", args).fetchall()

    def find_page(self, store_hash: str, kind: str, *, offset: int, limit: int, with_parent: str) -> list[dict]:
        """One page (id order) of the records of a kind whose parent record of kind `with_parent` exists."""
        rows = self.execute(
            "SELECT data FROM records AS r WHERE r.store_hash=? AND r.kind=?" + _PARENT_EXISTS + " ORDER BY r.id"
            " LIMIT ? OFFSET ?",
            (store_hash, kind, with_parent, max(0, limit), max(0, offset)),
        ).fetchall()
        return [json.loads(r["data"]) for r in rows]

    def count_with_parent(self, store_hash: str, kind: str, *, with_parent: str) -> int:
        return self.execute(
            "SELECT COUNT(*) FROM records AS r WHERE r.store_hash=? AND r.kind=?" + _PARENT_EXISTS,
            (store_hash, kind, with_parent),
        ).fetchone()[0]

    def parents_of(self, store_hash: str, kind: str, ids: Iterable[int]) -> list[int]:
        """The parent ids of these records (each once)."""
        rows = self.execute(
            "SELECT DISTINCT parent_id FROM records WHERE store_hash=? AND kind=? AND parent_id IS NOT NULL"
            " AND id IN (SELECT value FROM json_each(?))",
            (store_hash, kind, json.dumps(sorted({int(i) for i in ids}))),
        ).fetchall()
        return [r["parent_id"] for r in rows]

    def stock_totals(
        self, store_hash: str, kind: str, location_id: int, *, parent_ids: Iterable[int] | None = None
    ) -> dict[int, int]:
        """Per parent (every one, or those of `parent_ids`), the sum of its children's `_stock` level
        at a location (0 when absent), read in SQLite without decoding each record."""
        sql = (
            "SELECT parent_id, SUM(CAST(COALESCE(json_extract(data, ?), 0) AS INTEGER)) AS total FROM records"
            " WHERE store_hash=? AND kind=? AND parent_id IS NOT NULL"
        )
        args: list = [f'$._stock."{int(location_id)}"', store_hash, kind]
        sql += _narrowed(args, parent_ids=parent_ids)
        rows = self.execute(sql + " GROUP BY parent_id", args).fetchall()
        return {r["parent_id"]: r["total"] for r in rows}

    def stock_forget(self, store_hash: str, location_id: int) -> None:
        """Drop every product's and variant's level and settings at a deleted location
        (locations.v3.yml: "Deleting locations that have inventory also deletes its stock").
        Their answers stand: they show no `_` field, and the default location's level only, and
        the default location is never deleted."""
        key = f'"{int(location_id)}"'
        self.execute(
            "UPDATE records SET data=json_remove(data, ?, ?) WHERE store_hash=? AND kind IN ('product','variant')",
            (f"$._stock.{key}", f"$._settings.{key}", store_hash),
        )

    def put(
        self,
        store_hash: str,
        kind: str,
        data: dict,
        *,
        parent_id: int | None = None,
        sku: str | None = None,
        name: str | None = None,
        url: str | None = None,
        answer: tuple[str, str] | None = None,
    ) -> dict:
        """`answer`: (the record's answer, its basis), made from `data` (see `answers`); without it
        the row has none, and its reader makes it from `data`."""
        self.execute(
            "INSERT OR REPLACE INTO records"
            " (store_hash, kind, id, parent_id, sku_key, name_key, url_key, data, answer, answer_basis)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                store_hash,
                kind,
                data["id"],
                parent_id,
                sku.lower() if sku else None,
                name.lower() if name else None,
                url.lower() if isinstance(url, str) else None,
                dumps(data),
                *(answer or (None, None)),
            ),
        )
        return data

    def put_answers(self, store_hash: str, kind: str, answers: list[tuple[int, str, str]]) -> None:
        """New (id, answer, basis) of records whose data is unchanged: their rows only (`put` replaces
        the row and its index entries)."""
        with self.lock:
            self.conn.executemany(
                "UPDATE records SET answer=?, answer_basis=? WHERE store_hash=? AND kind=? AND id=?",
                [(answer, basis, store_hash, kind, record_id) for record_id, answer, basis in answers],
            )

    def delete(self, store_hash: str, kind: str, record_id: int) -> None:
        self.execute("DELETE FROM records WHERE store_hash=? AND kind=? AND id=?", (store_hash, kind, record_id))

    def delete_children(self, store_hash: str, kind: str, parent_id: int) -> None:
        self.execute(
            "DELETE FROM records WHERE store_hash=? AND kind=? AND parent_id=?",
            (store_hash, kind, parent_id),
        )

    def sku_holders(self, store_hash: str, sku: str) -> list[tuple[str, int, int | None]]:
        """(kind, id, parent_id) of products and variants using this SKU, any letter case."""
        rows = self.execute(
            "SELECT kind, id, parent_id FROM records WHERE store_hash=? AND sku_key=?",
            (store_hash, sku.lower()),
        ).fetchall()
        return [(r["kind"], r["id"], r["parent_id"]) for r in rows]

    def name_holders(self, store_hash: str, kind: str, name: str) -> list[int]:
        rows = self.execute(
            "SELECT id FROM records WHERE store_hash=? AND kind=? AND name_key=?",
            (store_hash, kind, name.lower()),
        ).fetchall()
        return [r["id"] for r in rows]

    def url_holders(self, store_hash: str, kind: str, url: str) -> list[int]:
        """Ids of the records saved with this custom URL (`put(url=...)`), any letter case: one
        index lookup (reading `custom_url.url` out of each record's JSON walked the whole store
        at every product create)."""
        rows = self.execute(
            "SELECT id FROM records WHERE store_hash=? AND kind=? AND url_key=?",
            (store_hash, kind, url.lower()),
        ).fetchall()
        return [r["id"] for r in rows]

    def count(self, store_hash: str, kind: str) -> int:
        return self.execute(
            "SELECT COUNT(*) FROM records WHERE store_hash=? AND kind=?", (store_hash, kind)
        ).fetchone()[0]
