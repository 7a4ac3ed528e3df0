"""Benchmark: the ingestion pipeline vs a bare bulk load of the same CSV rows.

    .venv/bin/python benchmarks/bench_ingest.py [--rows 100000] [--backend sqlite|postgresql]
        [--keep DIR] [--profile] [--seed 20240601] [--database-url URL]

Generates ``--rows`` valid rows (half 行政许可, half 行政处罚; about rows/5 distinct subjects) as
Shanghai CSV files (UTF-8, Chinese label headers; see ``_ingest_data.py``). Generation is not timed.
Then, on the chosen backend, in the same run:

* baseline — read both files with the ``csv`` module and load the rows (tuples, every column TEXT)
  into unindexed tables in one transaction: ``executemany`` into a fresh SQLite file with the
  store's pragmas (WAL, foreign keys, busy timeout, synchronous=NORMAL), or psycopg 3 ``COPY`` into
  a fresh PostgreSQL database. Run before and after the pipeline; the faster run counts.
* pipeline — ``init_store`` on a fresh store (not timed), then ``ingest_file`` for both files:
  hashing, full validation and normalisation, subject resolution, append of records and versions.

Prints rows/s for each and the ratio pipeline/baseline (target ≥ 0.50). With ``--profile`` the
pipeline runs once more into another fresh store under cProfile (not timed) and the top 25
functions by cumulative and by own time are printed. PostgreSQL: scratch databases
``bench_ingest_<pid>_*`` are created on the server of ``--database-url`` and dropped at the end.
``--keep DIR`` writes the CSV files and SQLite stores into DIR and leaves them there.
Exits 1 when the pipeline rejects a row (a generator bug). Not part of the pytest suite.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import os
import pstats
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from _ingest_data import generate
from sqlalchemy.engine import make_url

from credit_yrd.ingest import context_for, ingest_file
from credit_yrd.ingest.receipt import Receipt
from credit_yrd.settings import Settings
from credit_yrd.store.engine import SQLITE_BUSY_TIMEOUT_MS
from credit_yrd.store.migrate import init_store

DEFAULT_PG = "postgresql+psycopg://root@127.0.0.1:5432/postgres"
TARGET = 0.50


# -- baselines ---------------------------------------------------------------------------------


@contextmanager
def _csv_rows(path: Path) -> Iterator[tuple[list[str], Iterator[tuple[str, ...]]]]:
    """The header and the data rows (as tuples) of a CSV file, read with the csv module."""
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.reader(stream)
        header = next(reader)
        yield header, map(tuple, reader)


def baseline_sqlite(db: Path, files: list[Path]) -> float:
    """Seconds to read ``files`` with csv and executemany them into a fresh SQLite file."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    t0 = time.perf_counter()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS:d}")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("BEGIN IMMEDIATE")
    for n, path in enumerate(files):
        with _csv_rows(path) as (header, rows):
            cols = ", ".join(f"c{i} TEXT" for i in range(len(header)))
            conn.execute(f"CREATE TABLE t{n} ({cols})")
            marks = ", ".join("?" * len(header))
            conn.executemany(f"INSERT INTO t{n} VALUES ({marks})", rows)
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - t0


def baseline_postgresql(conninfo: str, files: list[Path]) -> float:
    """Seconds to read ``files`` with csv and COPY them into a fresh PostgreSQL database."""
    import psycopg

    t0 = time.perf_counter()
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        for n, path in enumerate(files):
            with _csv_rows(path) as (header, rows):
                cols = ", ".join(f"c{i} TEXT" for i in range(len(header)))
                cur.execute(f"CREATE TABLE t{n} ({cols})")
                with cur.copy(f"COPY t{n} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        conn.commit()
    return time.perf_counter() - t0


# -- the pipeline ------------------------------------------------------------------------------


def pipeline(data_dir: Path, url: str, files: list[Path], *, profile: bool = False):
    """Seconds spent in ``ingest_file`` for ``files`` on a fresh store; the receipts; the profile."""
    settings = Settings(data_dir=data_dir, database_url=url)
    engine = init_store(url)
    try:
        ctx = context_for(engine, "shanghai", settings=settings)
        receipts: list[Receipt] = []
        profiler = cProfile.Profile() if profile else None
        t0 = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        for path in files:
            receipts.append(ingest_file(ctx, path))
        if profiler is not None:
            profiler.disable()
        elapsed = time.perf_counter() - t0
    finally:
        engine.dispose()
    return elapsed, receipts, profiler


# -- scratch databases -------------------------------------------------------------------------


@contextmanager
def scratch_databases(admin_url: str, names: list[str]) -> Iterator[dict[str, str]]:
    """Create PostgreSQL databases ``names`` (dropped afterwards); yields name → SQLAlchemy URL."""
    import psycopg

    admin = make_url(admin_url)
    admin_info = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    urls = {
        name: admin.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )
        for name in names
    }
    with psycopg.connect(admin_info, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urls
    finally:
        with psycopg.connect(admin_info, autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def psycopg_info(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# -- report ------------------------------------------------------------------------------------


def print_profile(profiler: cProfile.Profile, top: int) -> None:
    for key, title in (("cumulative", "累计时间 cumulative"), ("tottime", "自身时间 tottime")):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key)
        stats.print_stats(top)
        print(f"\n=== cProfile：前 {top} 项，按{title} ===")
        text = out.getvalue()
        # Drop pstats' preamble up to the table header.
        print(text[text.find("   ncalls") :].rstrip())


def check_receipts(receipts: list[Receipt], rows: int) -> bool:
    accepted = sum(r.accepted for r in receipts)
    rejected = sum(r.rejected for r in receipts)
    for r in receipts:
        print(
            f"  {r.file}: 读入 read {r.read:,}  接收 accepted {r.accepted:,}  "
            f"拒收 rejected {r.rejected:,}  待核 unresolved {r.unresolved:,}  "
            f"关联 links {dict(r.links)}"
        )
        if r.rejected:
            print(f"    拒收规则 rejected by rule: {dict(r.rules)}", file=sys.stderr)
    if rejected or accepted != rows:
        print(f"生成的数据有行被拒收 (generated rows rejected): {rejected:,}", file=sys.stderr)
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--keep", type=Path, default=None, help="write files here and keep them")
    parser.add_argument("--profile", action="store_true", help="also profile one pipeline run")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--database-url", default=DEFAULT_PG, help="PostgreSQL server (admin db)")
    args = parser.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        files = list(generate(work, args.rows, args.seed))
        size = sum(f.stat().st_size for f in files)
        print(
            f"生成 generated: {args.rows:,} 行 rows ({size / 2**20:,.1f} MiB) in "
            f"{time.perf_counter() - t0:.1f} s (不计时 not timed) → {work}"
        )
        print(f"后端 backend: {args.backend}")

        if args.backend == "sqlite":

            def run_baseline(i: int) -> float:
                return baseline_sqlite(work / f"baseline-{i}.sqlite3", files)

            def run_pipeline(name: str, profile: bool = False):
                data_dir = work / name
                shutil.rmtree(data_dir, ignore_errors=True)
                url = f"sqlite:///{(data_dir / 'credit-yrd.sqlite3').resolve()}"
                return pipeline(data_dir, url, files, profile=profile)

            return _measure(args, run_baseline, run_pipeline)

        pid = os.getpid()
        names = [f"bench_ingest_{pid}_{part}" for part in ("base1", "base2", "store", "prof")]
        with scratch_databases(args.database_url, names) as urls:

            def run_baseline(i: int) -> float:
                return baseline_postgresql(psycopg_info(urls[names[i - 1]]), files)

            def run_pipeline(name: str, profile: bool = False):
                url = urls[names[3] if profile else names[2]]
                return pipeline(work / name, url, files, profile=profile)

            return _measure(args, run_baseline, run_pipeline)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def _measure(args: argparse.Namespace, run_baseline, run_pipeline) -> int:
    rows = args.rows
    t_base1 = run_baseline(1)
    print(f"基线 baseline (1)      : {t_base1:8.2f} s  {rows / t_base1:12,.0f} 行/秒 rows/s")
    t_pipe, receipts, _ = run_pipeline("pipeline")
    print(f"流水线 pipeline        : {t_pipe:8.2f} s  {rows / t_pipe:12,.0f} 行/秒 rows/s")
    ok = check_receipts(receipts, rows)
    t_base2 = run_baseline(2)
    print(f"基线 baseline (2)      : {t_base2:8.2f} s  {rows / t_base2:12,.0f} 行/秒 rows/s")
    t_base = min(t_base1, t_base2)
    ratio = t_base / t_pipe
    verdict = "达到 met" if ratio >= TARGET else "未达到 NOT met"
    print(
        f"比值 ratio pipeline/baseline: {ratio:.3f}  "
        f"(目标 target ≥ {TARGET:.2f}: {verdict}; 基线取较快一次 best baseline)"
    )
    if args.profile:
        t_prof, _, profiler = run_pipeline("profile", profile=True)
        print(f"\n剖析运行 profiled run: {t_prof:.2f} s (cProfile 开销在内 incl. overhead)")
        print_profile(profiler, args.top)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
