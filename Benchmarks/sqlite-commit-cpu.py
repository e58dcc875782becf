"""CPU per durable SQLite commit shaped like an order's placement, on this machine's disk.

The baseline for `make bench`'s concurrency-1 row: one client shares no sync with anybody, so
every hop of its order pays a whole commit. Each commit here inserts an order row (its table and
two indexes), bumps a counter, appends a history row and an outbox row (AUTOINCREMENT, a unique
index): about the pages the order service's placement dirties, in WAL mode with
synchronous=FULL, through the same system libsqlite3 the daemon uses.

usage: python3 sqlite-commit-cpu.py DIR  →  prints "<commits/s> <µs of CPU per commit>"
"""
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(directory):
    with tempfile.TemporaryDirectory(dir=directory) as scratch:
        db = sqlite3.connect(os.path.join(scratch, "commit.sqlite"), isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript("""
            CREATE TABLE orders (id TEXT PRIMARY KEY, account_id TEXT, amount_cents INTEGER,
                                 status TEXT, created_at INTEGER, updated_at INTEGER, traceparent TEXT);
            CREATE INDEX orders_status ON orders(status, id);
            CREATE TABLE history (seq INTEGER PRIMARY KEY AUTOINCREMENT, order_id TEXT, status TEXT,
                                  at INTEGER, reason TEXT);
            CREATE INDEX history_order ON history(order_id, seq);
            CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT UNIQUE, topic TEXT,
                                 payload BLOB, created_at INTEGER, record_key TEXT, traceparent TEXT);
            CREATE TABLE counts (name TEXT PRIMARY KEY, value INTEGER);
            INSERT INTO counts VALUES ('in_flight', 0);
        """)
        payload, trace = b"p" * 250, "00-" + "a" * 52

        def commit(i):
            order = f"{random.getrandbits(80):020x}"
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO orders VALUES (?, 'account', 100, 'created', ?, ?, ?)", (order, i, i, trace))
            db.execute("UPDATE counts SET value = value + 1 WHERE name = 'in_flight'")
            db.execute("INSERT INTO history (order_id, status, at) VALUES (?, 'created', ?)", (order, i))
            db.execute("INSERT INTO outbox (event_id, topic, payload, created_at, record_key, traceparent) "
                       "VALUES (?, 'order_pending', ?, ?, ?, ?)", (order + "e", payload, i, order, trace))
            db.execute("COMMIT")

        for i in range(500):  # warm-up: past the first pages and the WAL's creation
            commit(i)
        count, start, cpu_start = 0, time.monotonic(), cpu_seconds()
        while time.monotonic() - start < 2.0:
            commit(count)
            count += 1
        elapsed, cpu = time.monotonic() - start, cpu_seconds() - cpu_start
        db.close()
    print(f"{count / elapsed:.0f} {cpu * 1e6 / count:.0f}")


if __name__ == "__main__":
    main(sys.argv[1])
