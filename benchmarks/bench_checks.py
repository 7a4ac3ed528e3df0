"""Benchmark: the embedded check in-process, at 1,000,000 subjects and 20,000 list entries.

    nice -n 19 .venv/bin/python benchmarks/bench_checks.py [--subjects 1000000]
        [--entries 20000] [--backend sqlite|postgresql] [--database-url URL] [--seed 7]
        [--batches 10] [--batch 10000] [--singles 2000] [--cache-dir benchmarks/out/big]

Uses the store of ``benchmarks/_checks_store.py`` (built on first use, then cached). Each batch
is 10,000 codes drawn afresh: about 2 % USCCs of listed subjects, 1 % organisation codes (legacy,
resolved through ``legacy_codes``), 0.5 % valid USCCs of no subject, the rest USCCs of subjects
without entries — in the ``government_procurement`` scenario. Measured in the same run:

* index load — :class:`ActiveIndex` reading every listed entry (what a refresh after a change
  costs);
* subject directory — the index's in-memory directory of every organisation's USCC, id, name
  and type (built once per process, then grown);
* batch check — :func:`check_codes` with the index, batch after batch (subjects/s by the wall
  clock and per CPU second of the process, and the median and worst batch in ms; targets
  ≥ 100,000 subjects/s and < 200 ms per 10,000 codes);
* batch check without the directory — codes of subjects without entries resolved by one
  ``IN`` query per batch;
* the log of one 10,000-code check — :func:`record_check` (rolled back: the cached store stays
  as built);
* single-code checks — one code per :func:`check_codes` call, as the HTTP route makes them;
* baseline, per-code SQL — what a check without the index and batching would do: for each code
  ``find_subject`` and a query of its listed entries;
* floor, a dict — the same codes looked up in a plain ``dict`` of the listed subjects: no
  parsing, no store, no answer built; what no check can beat.

Prints each figure and the ratios against the baseline and the floor. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from pathlib import Path

from _big_store import DEFAULT_CACHE, DEFAULT_PG
from _checks_store import TODAY, ensure_store, listed_codes, subject_uscc
from sqlalchemy import select

from credit_yrd.checks.engine import ActiveIndex, check_codes
from credit_yrd.checks.log import Checker, record_check
from credit_yrd.clock import FixedClock
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.engine import make_engine
from credit_yrd.store.schema import list_entries
from credit_yrd.store.subjects import find_subject

SCENARIO = "government_procurement"
TARGET_RATE = 100_000.0
TARGET_BATCH_MS = 200.0


def draw_codes(rng: random.Random, n: int, subjects: int, listed: list[str]) -> list[str]:
    codes: list[str] = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.02:
            codes.append(rng.choice(listed))
        elif roll < 0.03:
            i = rng.randrange(subjects // 10) * 10 + 3  # subjects with a legacy code
            codes.append(subject_uscc(i)[1])
        elif roll < 0.035:
            codes.append(subject_uscc(subjects + rng.randrange(1_000_000))[0])  # nobody's
        else:
            codes.append(subject_uscc(rng.randrange(subjects))[0])
    return codes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--singles", type=int, default=2_000)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()

    store = ensure_store(
        args.backend,
        args.subjects,
        args.entries,
        args.seed,
        cache_dir=args.cache_dir,
        database_url=args.database_url,
    )
    standard = get_standard()
    engine = make_engine(store.url)
    listed = listed_codes(store.url)
    rng = random.Random(args.seed + 11)
    batches = [draw_codes(rng, args.batch, store.subjects, listed) for _ in range(args.batches + 1)]

    with engine.connect() as conn:
        started = time.perf_counter()
        snapshot = ActiveIndex(standard, directory=False).refresh(conn)
        load_ms = (time.perf_counter() - started) * 1000
        index = ActiveIndex(standard)
        started = time.perf_counter()
        index.refresh(conn)
        directory_s = time.perf_counter() - started - load_ms / 1000

        def batch_check(codes: list[str]) -> list:
            return check_codes(
                conn, codes=codes, scenario=SCENARIO, on=TODAY, standard=standard, index=index
            )

        batch_check(batches[0])  # warm the page cache and the statement cache
        times: list[float] = []
        hits = found = 0
        cpu_started = time.process_time()
        for codes in batches[1:]:
            started = time.perf_counter()
            results = batch_check(codes)
            times.append(time.perf_counter() - started)
            hits += sum(1 for r in results if r.measures)
            found += sum(1 for r in results if r.found)
        checked = args.batch * args.batches
        rate = checked / sum(times)
        cpu_rate = checked / (time.process_time() - cpu_started)
        without = ActiveIndex(standard, directory=False)
        without.refresh(conn)
        started = time.perf_counter()
        for codes in batches[1:4]:
            check_codes(
                conn, codes=codes, scenario=SCENARIO, on=TODAY, standard=standard, index=without
            )
        sql_rate = 3 * args.batch / (time.perf_counter() - started)

        logged = batch_check(batches[1])
        conn.rollback()
        with conn.begin() as tx:
            started = time.perf_counter()
            record_check(
                conn,
                clock=FixedClock(TODAY),
                principal=Checker.cli("bench"),
                scenario=SCENARIO,
                results=logged,
            )
            log_ms = (time.perf_counter() - started) * 1000
            tx.rollback()

        singles = [c for codes in batches[1:] for c in codes][: args.singles]
        started = time.perf_counter()
        for code in singles:
            batch_check([code])
        single_us = (time.perf_counter() - started) / len(singles) * 1e6

        per_code = singles[: max(args.singles // 4, 200)]
        started = time.perf_counter()
        for code in per_code:
            subject = find_subject(conn, code)
            if subject is not None:
                conn.execute(
                    select(list_entries).where(
                        list_entries.c.subject_id == subject.id, list_entries.c.status == "listed"
                    )
                ).all()
        baseline_rate = len(per_code) / (time.perf_counter() - started)

    engine.dispose()
    floor_map = snapshot.by_uscc
    flat = [c for codes in batches[1:] for c in codes]
    started = time.perf_counter()
    for code in flat:
        floor_map.get(code)
    floor_rate = len(flat) / (time.perf_counter() - started)

    median_ms = statistics.median(times) * 1000
    worst_ms = max(times) * 1000
    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")
    print(
        f"backend {args.backend}, {store.subjects:,} subjects, {store.entries:,} entries "
        f"({snapshot.entries:,} listed, {len(snapshot.by_uscc):,} listed subjects); "
        f"scenario {SCENARIO}"
    )
    print(f"index load (entries):      {load_ms:10.1f} ms")
    print(f"subject directory build:   {directory_s:10.1f} s  (once per process)")
    print(
        f"batch check:               {rate:10,.0f} subjects/s  ({args.batches} × {args.batch:,} "
        f"codes; median {median_ms:.1f} ms, worst {worst_ms:.1f} ms per batch; "
        f"{found / checked:.1%} found, {hits / checked:.2%} with measures)"
    )
    print(f"  per CPU second:          {cpu_rate:10,.0f} subjects/s  (process CPU time)")
    print(f"batch check, no directory: {sql_rate:10,.0f} subjects/s  (codes resolved by SQL)")
    print(f"log of one {args.batch:,}-code check: {log_ms:6.1f} ms")
    print(f"single-code checks:        {single_us:10.0f} µs per call ({1e6 / single_us:,.0f}/s)")
    print(f"baseline, per-code SQL:    {baseline_rate:10,.0f} subjects/s")
    print(f"floor, dict look-up:       {floor_rate:10,.0f} look-ups/s")
    print(
        f"ratio batch/per-code SQL: {rate / baseline_rate:.1f}×; batch/dict floor: "
        f"{rate / floor_rate:.3f}"
    )
    print(
        f"target ≥ {TARGET_RATE:,.0f} subjects/s "
        f"{'met' if rate >= TARGET_RATE else 'MISSED'}; target < {TARGET_BATCH_MS:.0f} ms per "
        f"{args.batch:,} codes {'met' if median_ms < TARGET_BATCH_MS else 'MISSED'} (median)"
    )


if __name__ == "__main__":
    main()
