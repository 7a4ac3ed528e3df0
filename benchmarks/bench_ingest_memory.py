"""Benchmark: peak memory of ingesting one large penalty CSV (target: peak RSS ≤ 1 GiB).

    .venv/bin/python benchmarks/bench_ingest_memory.py [--rows 10000000]
        [--backend sqlite|postgresql] [--keep DIR] [--seed 20240601] [--database-url URL]

Streams an ``--rows``-row 行政处罚 CSV to disk (Shanghai headers, valid rows, about rows/5
subjects; see ``_ingest_data.py``), then runs two child processes one after the other:

* baseline — reads the file with the ``csv`` module and counts the rows;
* ingest — ``init_store`` on a fresh store, then ``ingest_file`` (one batch, one transaction).
  The child samples its own RSS (``/proc/self/statm``) after every chunk and reports it at about
  every 5 % of the rows, so a peak that keeps growing with the file shows up as a trend.

Each child's peak RSS comes from ``os.wait4`` (its own ``ru_maxrss``); the parent's
``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` after each child is printed as well (it is the
maximum over the children so far, so after the ingest child it is the ingest peak). Prints both
peaks, the ratio ingest/baseline (informative) and the verdict against 1 GiB. On PostgreSQL a
scratch database ``bench_ingest_mem_<pid>`` is created and dropped. Not part of the pytest suite.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_PG = "postgresql+psycopg://root@127.0.0.1:5432/postgres"
TARGET_KIB = 1024 * 1024  # 1 GiB, in ru_maxrss units (KiB on Linux)
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def _rss_kib() -> int:
    with open("/proc/self/statm") as stream:
        return int(stream.read().split()[1]) * PAGE_KIB


# -- children ----------------------------------------------------------------------------------


def child_read(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.reader(stream)
        next(reader)
        count = sum(1 for _ in reader)
    print(json.dumps({"rows": count}))
    return 0


def child_ingest(path: Path, data_dir: Path, url: str, rows: int) -> int:
    if url.startswith("scratch:"):
        return _in_scratch_database(url.removeprefix("scratch:"), path, data_dir, rows)

    from credit_yrd.ingest import context_for, ingest_file
    from credit_yrd.settings import Settings
    from credit_yrd.store.migrate import init_store

    samples: list[tuple[int, int]] = []
    step = max(1, rows // 20)
    next_at = step

    def progress(_file: str, done: int) -> None:
        nonlocal next_at
        if done >= next_at:
            samples.append((done, _rss_kib()))
            next_at += step

    settings = Settings(data_dir=data_dir, database_url=url)
    engine = init_store(url)
    ctx = context_for(engine, "shanghai", settings=settings, progress=progress)
    samples.append((0, _rss_kib()))
    t0 = time.perf_counter()
    receipt = ingest_file(ctx, path)
    elapsed = time.perf_counter() - t0
    engine.dispose()
    result = {
        "seconds": elapsed,
        "accepted": receipt.accepted,
        "rejected": receipt.rejected,
        "samples": samples,
    }
    print(json.dumps(result))
    return 0


def _in_scratch_database(admin_url: str, path: Path, data_dir: Path, rows: int) -> int:
    """Ingest into a scratch PostgreSQL database ``bench_ingest_mem_<pid>`` (dropped after)."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"bench_ingest_mem_{os.getpid()}"
    admin = make_url(admin_url)
    info = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    url = admin.set(drivername="postgresql+psycopg", database=name)
    with psycopg.connect(info, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        return child_ingest(path, data_dir, url.render_as_string(hide_password=False), rows)
    finally:
        with psycopg.connect(info, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- parent ------------------------------------------------------------------------------------


def run_child(args: list[str]) -> tuple[int, dict, float]:
    """Run this script as a child; returns (its peak RSS in KiB, its JSON report, seconds)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"子进程失败 child failed ({proc.returncode}): {args}")
    return usage.ru_maxrss, json.loads(out.strip().splitlines()[-1]), elapsed


def mib(kib: int) -> str:
    return f"{kib / 1024:,.1f} MiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--keep", type=Path, default=None, help="write files here and keep them")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--database-url", default=DEFAULT_PG, help="PostgreSQL server (admin db)")
    parser.add_argument("--child", choices=("read", "ingest", "measure"), help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child == "read":
        return child_read(args.path)
    if args.child == "ingest":
        return child_ingest(args.path, args.data_dir, args.url, args.rows)
    if args.child == "measure":
        return measure(args)

    # Imported here: the measuring phase and its children never load them.
    from _ingest_data import PENALTY_FILE, penalty_rows, subject_pool, write_csv

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_ingest_mem_"))
    work.mkdir(parents=True, exist_ok=True)
    path = work / PENALTY_FILE
    t0 = time.perf_counter()
    pool = subject_pool(max(1, args.rows // 5), args.seed)
    written = write_csv(path, "penalty", penalty_rows(args.rows, pool, args.seed + 2))
    print(
        f"生成 generated: {written:,} 行 rows ({path.stat().st_size / 2**30:,.2f} GiB) in "
        f"{time.perf_counter() - t0:.1f} s (不计 not measured) → {path}",
        flush=True,
    )
    # A child's ru_maxrss includes the memory of the process that spawned it (until its exec), so
    # the generator replaces itself with a lean measuring process before any child is started.
    measure_args = [
        *("--child", "measure", "--path", str(path), "--rows", str(written)),
        *("--backend", args.backend, "--database-url", args.database_url),
    ]
    if args.keep is None:
        measure_args += ["--data-dir", str(work)]  # the folder to remove at the end
    os.execv(sys.executable, [sys.executable, __file__, *measure_args])
    return 1  # not reached


def measure(args: argparse.Namespace) -> int:
    path: Path = args.path
    try:
        peak_read, report, t_read = run_child(["--child", "read", "--path", str(path)])
        after_read = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(
            f"基线 baseline (csv 读取 read {report['rows']:,} 行 rows, {t_read:.1f} s): "
            f"峰值 peak RSS {mib(peak_read)}  (RUSAGE_CHILDREN {mib(after_read)})",
            flush=True,
        )
        store = path.parent / "store"
        shutil.rmtree(store, ignore_errors=True)
        if args.backend == "sqlite":
            url = f"sqlite:///{(store / 'credit-yrd.sqlite3').resolve()}"
        else:
            url = f"scratch:{args.database_url}"  # the child creates and drops the database
        child = ["--child", "ingest", "--path", str(path), "--data-dir", str(store)]
        peak, report, _ = run_child([*child, "--url", url, "--rows", str(args.rows)])
        after_ingest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss

        print(
            f"流水线 ingest ({args.backend}, {report['accepted']:,} 接收 accepted, "
            f"{report['rejected']:,} 拒收 rejected, {report['seconds']:.1f} s, "
            f"{args.rows / report['seconds']:,.0f} 行/秒 rows/s): 峰值 peak RSS {mib(peak)}  "
            f"(RUSAGE_CHILDREN {mib(after_ingest)})"
        )
        print("  RSS 轨迹 trajectory (行 rows → RSS):")
        for done, rss in report["samples"]:
            print(f"    {done:>12,} → {mib(rss)}")
        print(f"比值 ratio ingest/baseline peak: {peak / peak_read:.1f}× (仅供参考 informative)")
        verdict = "达到 met" if peak <= TARGET_KIB else "未达到 NOT met"
        print(f"目标 target peak RSS ≤ 1 GiB: {verdict} ({mib(peak)})")
        return 0 if report["rejected"] == 0 else 1
    finally:
        if args.data_dir is not None:  # a temporary folder made by the generating phase
            shutil.rmtree(args.data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
