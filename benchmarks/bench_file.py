"""Benchmark: the credit file (信用档案) of random subjects, in-process, vs the raw rows behind it.

    nice -n 19 .venv/bin/python benchmarks/bench_file.py [--subjects 1000000]
        [--records 10000000] [--backend sqlite|postgresql] [--database-url URL] [--seed 7]
        [--samples 2000] [--cache-dir benchmarks/out/big]

On the store of ``benchmarks/_big_store.py`` (built once, then reused), for ``--samples`` random
subjects, each timed in the same run and on the same connection:

* public — :func:`credit_yrd.store.subjects.find_subject` by USCC, then
  :func:`credit_yrd.ledger.credit_file` for the public audience (first page);
* authority — the same for a regional credit office with a purpose, in a transaction (the
  access-log row is written, then rolled back so the cached store stays as built);
* baseline — ``find_subject`` and the subject's raw latest versions in one SQL query
  (:func:`credit_yrd.store.records.latest_versions`): what any file costs before rules, masking
  and shaping.

Prints p50 / p95 / p99 / max latency of each, the ratio to the baseline, and the target (p99 under
20 ms). Not part of the pytest suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from _big_store import DEFAULT_CACHE, DEFAULT_PG, ensure_store, sample_codes
from sqlalchemy.engine import Connection

from credit_yrd.ledger import Audience, credit_file
from credit_yrd.ledger.audit import Reader
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.engine import make_engine
from credit_yrd.store.records import latest_versions
from credit_yrd.store.subjects import find_subject

#: The day publication windows are judged on (the big store's data ends in October 2026).
ON = dt.date(2026, 11, 1)
TARGET_P99_MS = 20.0
READER = Reader(
    actor="key:0 bench 区域信用办",
    role="credit_office",
    purpose="基准测试 (benchmark)",
    province=None,
)


def _pct(laps: list[float], p: int) -> float:
    return statistics.quantiles(laps, n=100, method="inclusive")[p - 1]


def _time(codes: list[str], run: Callable[[str], int]) -> tuple[list[float], list[int]]:
    laps: list[float] = []
    sizes: list[int] = []
    for code in codes:
        start = time.perf_counter()
        sizes.append(run(code))
        laps.append((time.perf_counter() - start) * 1000)
    return laps, sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--samples", type=int, default=2_000)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()

    store = ensure_store(
        args.backend,
        args.subjects,
        args.records,
        args.seed,
        cache_dir=args.cache_dir,
        database_url=args.database_url,
    )
    codes = sample_codes(store, args.samples, args.seed + 1)
    random.Random(args.seed).shuffle(codes)
    standard = get_standard()
    engine = make_engine(store.url)

    def public(conn: Connection) -> Callable[[str], int]:
        def run(code: str) -> int:
            row = find_subject(conn, code)
            assert row is not None, code
            return credit_file(
                conn, row, audience=Audience.PUBLIC, on=ON, standard=standard
            ).record_count

        return run

    def authority(conn: Connection) -> Callable[[str], int]:
        def run(code: str) -> int:
            with conn.begin():
                row = find_subject(conn, code)
                assert row is not None, code
                count = credit_file(
                    conn,
                    row,
                    audience=Audience.AUTHORITY,
                    on=ON,
                    standard=standard,
                    reader=READER,
                    action="bench_file",
                ).record_count
                conn.rollback()
            return count

        return run

    def baseline(conn: Connection) -> Callable[[str], int]:
        def run(code: str) -> int:
            row = find_subject(conn, code)
            assert row is not None, code
            return len(latest_versions(conn, int(row.id)))

        return run

    try:
        with engine.connect() as conn:
            conn.commit()
            for make in (public, authority, baseline):  # warm caches and code paths
                _time(codes[:50], make(conn))
                conn.rollback()
            results: dict[str, tuple[list[float], list[int]]] = {}
            for label, make in (
                ("baseline", baseline),
                ("public", public),
                ("authority", authority),
            ):
                results[label] = _time(codes, make(conn))
                conn.rollback()
    finally:
        engine.dispose()

    raw = results["baseline"][1]
    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")
    print(
        f"backend {args.backend}, {store.subjects:,} subjects, {store.records:,} records "
        f"({store.versions:,} versions), {len(codes)} random subjects"
    )
    print(
        f"records per sampled subject: mean {statistics.mean(raw):.1f}, "
        f"p99 {_pct([float(r) for r in raw], 99):.0f}, max {max(raw)}"
    )
    print(f"{'':12}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'records':>9}")
    for label in ("baseline", "public", "authority"):
        laps, sizes = results[label]
        print(
            f"{label:12}{statistics.median(laps):9.2f}{_pct(laps, 95):9.2f}"
            f"{_pct(laps, 99):9.2f}{max(laps):9.2f}{statistics.mean(sizes):9.1f}"
        )
    base = results["baseline"][0]
    for label in ("public", "authority"):
        laps = results[label][0]
        verdict = "met" if _pct(laps, 99) < TARGET_P99_MS else "MISSED"
        print(
            f"ratio {label}/baseline: p50 {statistics.median(laps) / statistics.median(base):.1f}×, "
            f"p99 {_pct(laps, 99) / _pct(base, 99):.1f}×; target p99 < {TARGET_P99_MS:.0f} ms "
            f"{verdict}"
        )


if __name__ == "__main__":
    main()
