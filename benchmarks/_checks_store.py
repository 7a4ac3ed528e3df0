"""A store for the check benchmarks: many subjects, some list entries, no records; built once.

    nice -n 19 .venv/bin/python benchmarks/_checks_store.py [--subjects 1000000]
        [--entries 20000] [--backend sqlite|postgresql] [--database-url URL] [--seed 7]
        [--cache-dir benchmarks/out/big] [--rebuild]

The check reads subjects, legacy codes and list entries only, so this store holds just those —
far quicker to build than the full store of ``_big_store.py``:

* subjects: legal persons with valid USCCs (prefix 91, divisions of the four provinces), one in
  ten also with its organisation code in ``legacy_codes``;
* list entries on the standard's lists (one in ten on the red list), about nine in ten of them
  ``listed`` and active now, the rest removed, expired or not yet in force; about one listed
  subject in ten has two entries; each entry has its ``listed`` event in ``list_events``.

Rows are written with bulk ``executemany`` through SQLAlchemy Core (never one ORM object per
row). A built store is kept under ``--cache-dir`` (SQLite) or as a database on the server
(PostgreSQL), keyed by backend, sizes, seed and the schema revision, with a JSON file beside it
that says it is complete.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from _big_store import DEFAULT_CACHE, DEFAULT_PG, _drop, _exists, _pg_url, _size
from sqlalchemy import insert, select, text
from sqlalchemy.engine import Engine

from credit_yrd.ids import org_code, uscc
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.migrate import head_revision, init_store
from credit_yrd.store.schema import legacy_codes, list_entries, list_events, subjects

CHUNK = 20_000
DIVISIONS = ("310115", "310104", "320505", "320102", "330106", "330212", "340104", "340202")
PROVINCE_AUTHORITY = {
    "31": "上海市发展和改革委员会",
    "32": "江苏省发展和改革委员会",
    "33": "浙江省发展和改革委员会",
    "34": "安徽省发展和改革委员会",
}
LOADED_AT = dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 27)


@dataclass
class ChecksStore:
    backend: str
    url: str
    subjects: int
    entries: int
    seed: int
    revision: str
    build_seconds: float
    size_bytes: int
    complete: bool = True


def store_key(backend: str, subjects: int, entries: int, seed: int) -> str:
    return f"checks_{backend}_s{subjects}_e{entries}_seed{seed}_{head_revision()}".lower()


def subject_uscc(i: int) -> tuple[str, str, str]:
    """(USCC, organisation code, division) of subject number ``i`` (a bijection below 10⁸)."""
    body = f"{(i * 48_271 + 13) % 100_000_000:08d}"
    code9 = body + org_code.calc_check_character(body)
    division = DIVISIONS[i % len(DIVISIONS)]
    first17 = "91" + division + code9
    return first17 + uscc.calc_check_character(first17), code9, division


def ensure_store(
    backend: str = "sqlite",
    subjects_n: int = 1_000_000,
    entries_n: int = 20_000,
    seed: int = 7,
    *,
    cache_dir: Path = DEFAULT_CACHE,
    database_url: str = DEFAULT_PG,
    rebuild: bool = False,
    log: Any = print,
) -> ChecksStore:
    key = store_key(backend, subjects_n, entries_n, seed)
    cache_dir.mkdir(parents=True, exist_ok=True)
    meta_path = cache_dir / f"{key}.json"
    if backend == "sqlite":
        url = f"sqlite:///{(cache_dir / f'{key}.sqlite3').resolve()}"
    else:
        url = _pg_url(database_url, f"bench_{key.replace('postgresql_', 'pg_')}"[:63])
    if meta_path.exists() and not rebuild:
        meta = ChecksStore(**json.loads(meta_path.read_text(encoding="utf-8")))
        if meta.complete and meta.url == url and _exists(backend, url, database_url):
            log(f"reusing {backend} store {key} ({meta.size_bytes / 2**20:.0f} MiB)")
            return meta
    meta_path.unlink(missing_ok=True)
    _drop(backend, url, database_url)
    log(f"building {backend} store {key}: {subjects_n:,} subjects, {entries_n:,} entries")
    started = time.perf_counter()
    engine = init_store(url)
    try:
        _load(engine, subjects_n, entries_n, seed, log)
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    finally:
        engine.dispose()
    built = ChecksStore(
        backend=backend,
        url=url,
        subjects=subjects_n,
        entries=entries_n,
        seed=seed,
        revision=head_revision(),
        build_seconds=round(time.perf_counter() - started, 1),
        size_bytes=_size(backend, url),
    )
    meta_path.write_text(json.dumps(asdict(built), indent=2), encoding="utf-8")
    log(f"built in {built.build_seconds:.0f} s ({built.size_bytes / 2**20:.0f} MiB)")
    return built


def _chunks(n: int) -> Iterator[range]:
    for first in range(0, n, CHUNK):
        yield range(first, min(first + CHUNK, n))


def _load(engine: Engine, subjects_n: int, entries_n: int, seed: int, log: Any) -> None:
    rng = random.Random(seed)
    for chunk in _chunks(subjects_n):
        rows: list[dict[str, Any]] = []
        legacy: list[dict[str, Any]] = []
        for i in chunk:
            code, code9, division = subject_uscc(i)
            name = f"基准{i}号科技有限公司"
            rows.append(
                {
                    "id": i + 1,
                    "subject_type": "legal_person",
                    "uscc": code,
                    "person_hash": None,
                    "person_id_enc": None,
                    "name": name,
                    "name_normalised": name,
                    "province": division[:2],
                    "division": division,
                    "created_at": LOADED_AT,
                }
            )
            if i % 10 == 3:
                legacy.append(
                    {
                        "legacy_kind": "org_code",
                        "legacy_code": code9,
                        "uscc": code,
                        "source": None,
                        "created_at": LOADED_AT,
                    }
                )
        with transaction(engine) as conn:
            conn.execute(insert(subjects), rows)
            if legacy:
                conn.execute(insert(legacy_codes), legacy)
        if (chunk.stop // CHUNK) % 10 == 0:
            log(f"  {chunk.stop:,} subjects")
    standard = get_standard()
    black = sorted(code for code, d in standard.lists.items() if d.kind == "black")
    entries: list[dict[str, Any]] = []
    listed_subjects = rng.sample(range(subjects_n), min(subjects_n, entries_n))
    i = 0
    while len(entries) < entries_n:
        subject = listed_subjects[i % len(listed_subjects)]
        i += 1
        count = 2 if rng.random() < 0.1 else 1
        for _ in range(count):
            if len(entries) >= entries_n:
                break
            list_code = "red_list" if rng.random() < 0.1 else rng.choice(black)
            province = DIVISIONS[subject % len(DIVISIONS)][:2]
            roll = rng.random()
            listed_on = TODAY - dt.timedelta(days=rng.randrange(1, 900))
            ends_on: dt.date | None = listed_on + dt.timedelta(days=3 * 365)
            status, removed_on, reason = "listed", None, None
            if roll < 0.05:
                status, removed_on, reason = "removed", TODAY - dt.timedelta(days=3), "repair"
            elif roll < 0.08:
                ends_on = TODAY - dt.timedelta(days=rng.randrange(1, 30))  # expired, not swept
            elif roll < 0.10:
                listed_on = TODAY + dt.timedelta(days=5)  # in force from next week
            elif roll < 0.30:
                ends_on = None
            entries.append(
                {
                    "id": len(entries) + 1,
                    "list_code": list_code,
                    "subject_id": subject + 1,
                    "subject_name": f"基准{subject}号科技有限公司",
                    "status": status,
                    "origin": "platform",
                    "record_id": None,
                    "authority": PROVINCE_AUTHORITY[province],
                    "authority_uscc": None,
                    "province": province,
                    "domain": "development_reform",
                    "decision_number": f"基准认定〔2026〕{len(entries) + 1}号",
                    "reason": "基准测试条目 (benchmark entry)",
                    "legal_basis": "国办发〔2020〕49号",
                    "proposed_by": "bench",
                    "proposed_at": LOADED_AT,
                    "objection_until": None,
                    "listed_on": listed_on,
                    "ends_on": ends_on,
                    "removed_on": removed_on,
                    "removal_reason": reason,
                    "updated_at": LOADED_AT,
                }
            )
    events = [
        {"entry_id": e["id"], "event": "listed", "at": LOADED_AT, "actor": "bench", "detail": None}
        for e in entries
    ]
    with transaction(engine) as conn:
        for first in range(0, len(entries), CHUNK):
            conn.execute(insert(list_entries), entries[first : first + CHUNK])
            conn.execute(insert(list_events), events[first : first + CHUNK])
        held = conn.execute(select(list_entries.c.id).order_by(list_entries.c.id.desc())).first()
    log(f"  {entries_n:,} entries (last id {held[0] if held else 0})")


def listed_codes(url: str) -> list[str]:
    """The USCCs of the subjects that have an entry with status listed."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [
                row[0]
                for row in conn.execute(
                    select(subjects.c.uscc)
                    .select_from(list_entries.join(subjects))
                    .where(list_entries.c.status == "listed")
                    .distinct()
                )
            ]
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--database-url", default=DEFAULT_PG)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    ensure_store(
        args.backend,
        args.subjects,
        args.entries,
        args.seed,
        cache_dir=args.cache_dir,
        database_url=args.database_url,
        rebuild=args.rebuild,
    )


if __name__ == "__main__":
    main()
