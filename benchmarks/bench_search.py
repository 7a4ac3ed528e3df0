"""Benchmark: name search through the bigram index vs a plain ``LIKE '%q%'`` scan.

    .venv/bin/python benchmarks/bench_search.py [--subjects 100000] [--queries 300]
        [--backend sqlite|postgresql] [--database-url URL] [--seed 7]

Builds ``--subjects`` organisations with the demo generator's names (``credit_yrd.demo``: brand,
place, industry and legal form, as in the synthetic Yangtze River Delta) in a fresh store (a
temporary SQLite file, or a scratch database ``bench_search_<pid>`` on the PostgreSQL server of
``--database-url``, dropped at the end). Loading is not timed; building the index
(``credit_yrd.search.index.rebuild``) is. Then runs ``--queries`` queries of 2–4 characters cut at
random from random names (outside the trailing legal form, which nobody searches for alone), each
twice in the same run:

* search — :func:`credit_yrd.search.search` (total + first page of 20 + record counts);
* baseline — the same answer without the index: ``COUNT(*)`` and the first 20 rows ordered by
  length and id of ``WHERE name_normalised LIKE '%q%'``.

Prints p50 / p95 / p99 latency of each and the ratio baseline / search (how many times faster the
index is). Not part of the pytest suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import Connection, make_url

from credit_yrd.demo.geography import build_geography
from credit_yrd.demo.world import build_world
from credit_yrd.search import search
from credit_yrd.search.index import rebuild
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.migrate import init_store
from credit_yrd.store.schema import subjects
from credit_yrd.store.subjects import normalise_name

DEFAULT_PG = "postgresql+psycopg://root@127.0.0.1:5432/postgres"
SUFFIXES = ("股份有限公司", "有限公司", "公司")


def _names(n: int, seed: int) -> list[tuple[str, str, str]]:
    """(name, uscc, division) of ``n`` generated subjects (persons are not part of the world's
    subject list; every subject is an organisation)."""
    geography = build_geography(get_standard())
    world = build_world(geography, n, seed, dt.date(2026, 10, 31))
    out: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for i in range(n):
        uscc = world.usccs[i]
        if not uscc or uscc in seen:
            uscc = f"91B{i:014d}Z"
        seen.add(uscc)
        out.append((world.names[i], uscc, geography.counties[world.county[i]].code))
    return out


def _load(conn: Connection, rows: list[tuple[str, str, str]]) -> None:
    now = dt.datetime.now(dt.UTC)
    values = [
        {
            "subject_type": "legal_person",
            "uscc": uscc,
            "name": name,
            "name_normalised": normalise_name(name),
            "province": division[:2],
            "division": division,
            "created_at": now,
        }
        for name, uscc, division in rows
    ]
    for start in range(0, len(values), 10_000):
        conn.execute(insert(subjects), values[start : start + 10_000])


def _queries(rows: list[tuple[str, str, str]], count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    queries: list[str] = []
    while len(queries) < count:
        name = normalise_name(rng.choice(rows)[0])
        for suffix in SUFFIXES:
            if name.endswith(suffix):
                name = name[: -len(suffix)]
                break
        length = rng.choice((2, 3, 4))
        if len(name) < length:
            continue
        start = rng.randrange(len(name) - length + 1)
        queries.append(name[start : start + length])
    return queries


def _baseline(conn: Connection, q: str) -> tuple[int, list[int]]:
    where = subjects.c.name_normalised.contains(q, autoescape=True)
    total = conn.execute(select(func.count()).select_from(subjects).where(where)).scalar_one()
    ids = conn.execute(
        select(subjects.c.id)
        .where(where)
        .order_by(func.length(subjects.c.name_normalised), subjects.c.id)
        .limit(20)
    ).scalars()
    return int(total), [int(i) for i in ids]


def _time(
    conn: Connection, queries: list[str], run: Callable[[Connection, str], int]
) -> list[float]:
    laps: list[float] = []
    for q in queries:
        start = time.perf_counter()
        run(conn, q)
        laps.append((time.perf_counter() - start) * 1000)
    return laps


def _pct(laps: list[float], p: float) -> float:
    return statistics.quantiles(laps, n=100, method="inclusive")[int(p) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--database-url", default=DEFAULT_PG)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    started = time.perf_counter()
    rows = _names(args.subjects, args.seed)
    print(f"generated {len(rows):,} names in {time.perf_counter() - started:.1f} s")

    scratch = tempfile.TemporaryDirectory(prefix="bench_search_")
    admin = None
    if args.backend == "sqlite":
        url = f"sqlite:///{Path(scratch.name) / 'store.sqlite3'}"
    else:
        base = make_url(args.database_url)
        name = f"bench_search_{os.getpid()}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = base.set(database=name).render_as_string(hide_password=False)
    engine = init_store(url)
    try:
        with engine.begin() as conn:
            _load(conn, rows)
        started = time.perf_counter()
        with engine.begin() as conn:
            indexed = rebuild(conn)
        build = time.perf_counter() - started
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
            terms = conn.exec_driver_sql("SELECT COUNT(*) FROM subject_terms").scalar_one()
        print(f"indexed {indexed:,} subjects ({terms:,} bigram rows) in {build:.1f} s")

        queries = _queries(rows, args.queries, args.seed)
        with engine.connect() as conn:
            # Warm up caches for both, then measure; the order is alternated per pass.
            for q in queries[:20]:
                search(conn, q)
                _baseline(conn, q)
            indexed_laps = _time(conn, queries, lambda c, q: search(c, q).total)
            baseline_laps = _time(conn, queries, lambda c, q: _baseline(c, q)[0])
            mismatches = sum(
                search(conn, q, limit=100).total != _baseline(conn, q)[0] for q in queries[:50]
            )
        print(f"backend {args.backend}, {args.subjects:,} subjects, {len(queries)} queries of 2–4")
        print(f"{'':10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
        for label, laps in (("search", indexed_laps), ("LIKE scan", baseline_laps)):
            print(
                f"{label:10}{statistics.median(laps):10.2f}{_pct(laps, 95):10.2f}"
                f"{_pct(laps, 99):10.2f}"
            )
        print(
            f"ratio LIKE/search: p50 {statistics.median(baseline_laps) / statistics.median(indexed_laps):.1f}×, "
            f"p95 {_pct(baseline_laps, 95) / _pct(indexed_laps, 95):.1f}×"
        )
        if mismatches:
            print(
                f"WARNING: {mismatches} of 50 totals differ from the LIKE scan (legal-form strip)"
            )
    finally:
        engine.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "bench_search_{os.getpid()}"'))
            admin.dispose()
        scratch.cleanup()


if __name__ == "__main__":
    main()
