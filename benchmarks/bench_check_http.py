"""Benchmark: ``POST /api/v1/checks`` through the real server — single-subject checks driven by
wrk, and 10,000-code batches.

    nice -n 19 .venv/bin/python benchmarks/bench_check_http.py [--subjects 1000000]
        [--entries 20000] [--seed 7] [--workers 1] [--connections 16] [--duration 20]
        [--batches 5] [--port 8766] [--cache-dir benchmarks/out/big]

Copies the SQLite store of ``benchmarks/_checks_store.py`` (1,000,000 subjects, 20,000 list
entries; built on first use) to a scratch folder, adds a department API key to the copy, and
starts uvicorn on it as in production (``uvicorn credit_yrd.api.app:create_app --factory``, no
access log). After a warm-up (the first check builds the check index and its subject directory)
it measures, each with wrk (``-s`` a Lua script for the POSTs) and each after a short warm-up:

* baseline — ``GET /api/v1/health``: what the server, the framework and the load tool cost
  before any authentication or store read;
* authenticated read — ``GET /api/v1/checks/{id}`` of one logged check: the key looked up and
  one row read;
* single-subject checks — ``POST /api/v1/checks`` with one code drawn at random (2 % of them
  listed subjects), scenario ``government_procurement``: authenticated, checked against the
  index, logged (one insert, one commit) and answered.

Prints requests/s, p50 and p99 of each, non-2xx answers and the server's CPU time per request
(from /proc), the ratios, and the targets (≥ 2,000 requests/s with p99 < 20 ms). Then it posts
``--batches`` checks of 10,000 codes each with a plain HTTP client and prints the median and the
worst time (target < 200 ms). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _big_store import DEFAULT_CACHE
from _checks_store import ensure_store, listed_codes, subject_uscc
from bench_http import _measured, _wait_ready, _wrk
from sqlalchemy import create_engine

from credit_yrd.auth.api_keys import create_key
from credit_yrd.clock import SYSTEM_CLOCK
from credit_yrd.store.engine import transaction

TARGET_RPS = 2_000.0
TARGET_P99_MS = 20.0
TARGET_BATCH_MS = 200.0
SCENARIO = "government_procurement"
LUA = """
local codes = {}
for line in io.lines(os.getenv("BENCH_CODES")) do codes[#codes + 1] = line end
local seeded = false
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
request = function()
  if not seeded then math.randomseed(os.time() + #codes); seeded = true end
  local body = '{"code":"' .. codes[math.random(#codes)] .. '","scenario":"SCENARIO"}'
  return wrk.format("POST", "/api/v1/checks", nil, body)
end
""".replace("SCENARIO", SCENARIO)
LUA_GET = """
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
"""


def draw(rng: random.Random, n: int, subjects: int, listed: list[str]) -> list[str]:
    return [
        rng.choice(listed) if rng.random() < 0.02 else subject_uscc(rng.randrange(subjects))[0]
        for _ in range(n)
    ]


def post(url: str, key: str, body: dict) -> tuple[float, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read())
    return time.perf_counter() - started, answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")

    store = ensure_store("sqlite", args.subjects, args.entries, args.seed, cache_dir=args.cache_dir)
    listed = listed_codes(store.url)
    scratch = Path(tempfile.mkdtemp(prefix="bench_check_http_"))
    source = Path(store.url.removeprefix("sqlite:///"))
    copy = scratch / "store.sqlite3"
    shutil.copyfile(source, copy)
    url = f"sqlite:///{copy}"
    engine = create_engine(url)
    with transaction(engine) as conn:
        _, key = create_key(
            conn,
            role="department",
            label="bench 采购系统",
            province="32",
            domain="finance",
            clock=SYSTEM_CLOCK,
        )
    engine.dispose()
    rng = random.Random(args.seed + 5)
    codes = scratch / "codes.txt"
    codes.write_text("\n".join(draw(rng, 10_000, store.subjects, listed)) + "\n")
    script = scratch / "checks.lua"
    script.write_text(LUA, encoding="utf-8")
    get_script = scratch / "get.lua"
    get_script.write_text(LUA_GET, encoding="utf-8")
    env = {
        **os.environ,
        "CREDIT_YRD_DATABASE_URL": url,
        "CREDIT_YRD_DATA_DIR": str(scratch / "data"),
        # the server's background worker (lists, joint actions) is not what is measured
        "CREDIT_YRD_WORKER_INTERVAL_SECONDS": "0",
        "BENCH_CODES": str(codes),
        "BENCH_KEY": key,
    }
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "credit_yrd.api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
            "--workers",
            str(args.workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    batch_times: list[float] = []
    try:
        _wait_ready(f"{base}/api/v1/health", server)
        started = time.perf_counter()
        _, first = post(f"{base}/api/v1/checks", key, {"code": listed[0], "scenario": SCENARIO})
        first_s = time.perf_counter() - started
        check_url = f"{base}/api/v1/checks/{first['check_id']}"
        warm = argparse.Namespace(**{**vars(args), "duration": 3})
        _wrk(f"{base}/api/v1/health", warm, None, env)
        baseline = _measured(f"{base}/api/v1/health", args, None, env, server.pid)
        _wrk(check_url, warm, get_script, env)
        read = _measured(check_url, args, get_script, env, server.pid)
        _wrk(f"{base}/api/v1/checks", warm, script, env)
        checks = _measured(f"{base}/api/v1/checks", args, script, env, server.pid)
        hits = 0
        for _ in range(args.batches + 1):
            body = {"codes": draw(rng, 10_000, store.subjects, listed), "scenario": SCENARIO}
            elapsed, answer = post(f"{base}/api/v1/checks", key, body)
            batch_times.append(elapsed)
            hits = answer["hits"]
        batch_times = batch_times[1:]  # the first batch warms the statement and page caches
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")
    print(
        f"sqlite, {store.subjects:,} subjects, {store.entries:,} entries; uvicorn --workers "
        f"{args.workers}, wrk -t1 -c{args.connections} -d{args.duration}s"
    )
    print(f"first check (builds the index and the subject directory): {first_s:.1f} s")
    print(
        f"{'':22}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'requests':>10}{'non-2xx':>9}"
        f"{'server CPU ms/req':>19}"
    )
    for label, result in (
        ("health", baseline),
        ("GET /checks/{id}", read),
        ("POST /checks (1 code)", checks),
    ):
        print(
            f"{label:22}{result['rps']:10.0f}{result['p50']:9.2f}{result['p99']:9.2f}"
            f"{result['requests']:10d}{result['non_2xx']:9d}{result['cpu_ms']:19.2f}"
        )
        if result["socket_errors"] != "none":
            print(f"  socket errors: {result['socket_errors']}")
    cores = os.cpu_count() or 1
    print(
        f"server CPU per single check {checks['cpu_ms']:.2f} ms: at most "
        f"{cores * 1000 / checks['cpu_ms']:,.0f} req/s on {cores} free cores for the server alone"
    )
    rps_ok = checks["rps"] >= TARGET_RPS
    p99_ok = checks["p99"] < TARGET_P99_MS
    print(
        f"ratio health/checks: {baseline['rps'] / checks['rps']:.1f}× the requests/s; targets "
        f"≥ {TARGET_RPS:,.0f} req/s {'met' if rps_ok else 'MISSED'}, p99 < {TARGET_P99_MS:.0f} ms "
        f"{'met' if p99_ok else 'MISSED'}"
    )
    median = statistics.median(batch_times) * 1000
    print(
        f"10,000-code batches over HTTP ({len(batch_times)}): median {median:.0f} ms, worst "
        f"{max(batch_times) * 1000:.0f} ms ({hits} with measures in the last); target "
        f"< {TARGET_BATCH_MS:.0f} ms {'met' if median < TARGET_BATCH_MS else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
