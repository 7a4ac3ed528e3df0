"""Benchmark: name search at scale, against two baselines measured in the same run.

    .venv/bin/python benchmarks/bench_search.py [--subjects 1000000] [--queries 300]
        [--backend sqlite|postgresql] [--database-url URL] [--seed 7] [--like-subjects 100000]

Builds ``--subjects`` organisations with the demo generator's names (``credit_yrd.demo``: brand,
place, industry and legal form, as in the synthetic Yangtze River Delta) in a fresh store (a
temporary SQLite file, or a scratch database ``bench_search_<pid>`` on the PostgreSQL server of
``--database-url``, dropped at the end): subjects are bulk-inserted (not ingested) and the index is
built with ``credit_yrd.search.index.rebuild`` (timed). Then runs ``--queries`` queries of 2–4
characters cut at random from random names (outside the trailing legal form, which nobody searches
for alone), each timed on its own:

* search — :func:`credit_yrd.search.search` (total + first page of 20 + record counts), what
  ``GET /api/v1/search`` does;
* page by key — the floor: the same page's subjects fetched by primary key, with their record
  counts (what any search must pay to return its page);
* LIKE scan — the same answer without the index, ``COUNT(*)`` and the first 20 rows by length and
  id of ``WHERE name_normalised LIKE '%q%'``, over the first ``--like-subjects`` subjects only (a
  full scan of a million names takes seconds per query).

Prints p50 / p95 / p99 of each, search / page-by-key (the index's overhead over the floor) and LIKE
scan / search (how many times faster the index is, though it searches a store larger by
subjects / like-subjects). Then checks 20 queries whose total is exact against a full LIKE count.
Not part of the pytest suite.
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
from credit_yrd.search.query import _COLUMNS, record_counts
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


def _like_scan(conn: Connection, q: str, upto: int) -> int:
    where = (subjects.c.id <= upto) & subjects.c.name_normalised.contains(q, autoescape=True)
    total = conn.execute(select(func.count()).select_from(subjects).where(where)).scalar_one()
    conn.execute(
        select(subjects.c.id)
        .where(where)
        .order_by(func.length(subjects.c.name_normalised), subjects.c.id)
        .limit(20)
    ).all()
    return int(total)


def _page_by_key(conn: Connection, ids: list[int]) -> int:
    rows = conn.execute(select(*_COLUMNS).where(subjects.c.id.in_(ids))).all() if ids else []
    record_counts(conn, ids)
    return len(rows)


def _time(
    conn: Connection, queries: list[str], run: Callable[[Connection, str], object]
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
    parser.add_argument("--like-subjects", type=int, default=100_000)
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
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql("VACUUM ANALYZE" if args.backend == "postgresql" else "ANALYZE")
            terms = conn.exec_driver_sql("SELECT COUNT(*) FROM subject_terms").scalar_one()
        print(f"indexed {indexed:,} subjects ({terms:,} index rows) in {build:.1f} s")

        queries = _queries(rows, args.queries, args.seed)
        upto = min(args.like_subjects, args.subjects)
        with engine.connect() as conn:
            pages = {q: [item.id for item in search(conn, q).items] for q in queries}
            for q in queries[:20]:  # warm the caches of all three
                _like_scan(conn, q, upto)
            search_laps = _time(conn, queries, lambda c, q: search(c, q).total)
            key_laps = _time(conn, queries, lambda c, q: _page_by_key(c, pages[q]))
            like_laps = _time(conn, queries, lambda c, q: _like_scan(c, q, upto))
            results = [search(conn, q) for q in queries]
            cut = sum(not r.total_exact for r in results)
            checked = [(q, r.total) for q, r in zip(queries, results, strict=True) if r.total_exact]
            mismatches = [
                (q, total, full)
                for q, total in checked[:20]
                if total != (full := _like_scan(conn, q, args.subjects))
            ]
        print(
            f"backend {args.backend}, {args.subjects:,} subjects, {len(queries)} queries of 2–4 "
            f"characters ({cut} with more than the match cap: total is a lower bound)"
        )
        print(f"{'':28}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
        for label, laps in (
            ("search", search_laps),
            ("page by key (floor)", key_laps),
            (f"LIKE scan ({upto:,} subjects)", like_laps),
        ):
            print(
                f"{label:28}{statistics.median(laps):10.2f}{_pct(laps, 95):10.2f}"
                f"{_pct(laps, 99):10.2f}"
            )
        for label, top, bottom in (
            ("search / page by key", search_laps, key_laps),
            ("LIKE scan / search", like_laps, search_laps),
        ):
            print(
                f"ratio {label}: p50 {statistics.median(top) / statistics.median(bottom):.1f}×, "
                f"p99 {_pct(top, 99) / _pct(bottom, 99):.1f}×"
            )
        if mismatches:
            print(f"MISMATCH against a full LIKE count: {mismatches}")
        else:
            print(f"totals of {min(20, len(checked))} exact queries agree with a full LIKE count")
    finally:
        engine.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "bench_search_{os.getpid()}"'))
            admin.dispose()
        scratch.cleanup()


if __name__ == "__main__":
    main()
