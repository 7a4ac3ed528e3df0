"""A large store for the benchmarks, built once with bulk SQL and reused.

    nice -n 19 .venv/bin/python benchmarks/_big_store.py [--subjects 1000000]
        [--records 10000000] [--backend sqlite|postgresql] [--database-url URL] [--seed 7]
        [--cache-dir benchmarks/out/big] [--rebuild]

Not ingestion: rows are generated in Python and written with ``executemany`` on SQLite (journal
off, synchronous off, a large page cache while loading; WAL again afterwards) and with ``COPY`` on
PostgreSQL (psycopg, foreign-key triggers off for the load only). What is written is what
ingestion would write for valid rows of the standard's record kinds:

* subjects: legal persons (USCC prefix 91), individual businesses (92), social organisations (52)
  and public institutions (12) in the 41 cities and their counties of the synthetic Yangtze River
  Delta (provinces 31–34), with names from the demo's pools (city + trade name + industry + legal
  form); every USCC is valid under :mod:`credit_yrd.ids.uscc`; one in ten also has its
  organisation code in ``legacy_codes``;
* records with one version each (about 5 % get a second, corrected version; about 0.5 % a
  withdrawal): registration (登记注册, one per subject that has records), licences (行政许可, XK_*
  from the demo's licence templates), penalties (行政处罚, CF_* from the demo's penalty templates,
  with 所属领域), commitments (信用承诺) and abnormal-operation listings (经营异常名录); dates from
  2019 to 2026, so some are inside their publication window and some are not;
* records per subject are skewed (log-normal, about one subject in a thousand with hundreds);
  ``records.domain`` is the kind's domain of the content (:meth:`RecordKind.domain_of`);
* the name index by :func:`credit_yrd.search.index.rebuild`, then ``ANALYZE``.

A built store is kept under ``--cache-dir`` (SQLite file) or as a database on the server
(PostgreSQL), keyed by backend, sizes, seed and the schema head revision; a JSON file beside it
records the build time and sizes, and a store is reused only when that file says it is complete.
The benchmarks call :func:`ensure_store`.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import hashlib
import itertools
import json
import math
import os
import random
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from credit_yrd.demo import pools
from credit_yrd.demo.geography import Geography, build_geography
from credit_yrd.ids import org_code, uscc
from credit_yrd.search.index import rebuild
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.migrate import head_revision, init_store
from credit_yrd.store.subjects import normalise_name

DEFAULT_PG = "postgresql+psycopg://root@127.0.0.1:5432/postgres"
DEFAULT_CACHE = Path(__file__).resolve().parent / "out" / "big"
SOURCES = {"31": "shanghai", "32": "jiangsu", "33": "zhejiang", "34": "anhui"}
#: Subjects generated and written per chunk.
CHUNK_SUBJECTS = 20_000
#: (subject_type, USCC prefix, 登记类别 label, share)
SUBJECT_KINDS = (
    ("legal_person", "91", "法人及非法人组织", 0.88),
    ("individual_business", "92", "个体工商户", 0.09),
    ("organisation", "52", "法人及非法人组织", 0.02),
    ("public_body", "12", "法人及非法人组织", 0.01),
)
#: Record kinds after the registration record, with their shares.
KIND_SHARES = (("license", 0.45), ("penalty", 0.40), ("commitment", 0.08), ("abnormal", 0.07))
FIRST_DAY = dt.date(2019, 1, 1)
LAST_DAY = dt.date(2026, 10, 31)
LOADED_AT = dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC)

_SUBJECT_COLUMNS = (
    "id, subject_type, uscc, person_hash, person_id_enc, name, name_normalised, province, "
    "division, created_at"
)
_RECORD_COLUMNS = (
    "id, source, kind, source_key, subject_id, created_at, link_method, linked_at, domain"
)
_VERSION_COLUMNS = (
    "id, record_id, version, content, content_hash, status, source, department, batch_id, "
    "received_at, valid_from, created_at"
)


@dataclass
class BigStore:
    """A built store and what its build took."""

    backend: str
    url: str
    subjects: int
    records: int
    versions: int
    seed: int
    revision: str
    build_seconds: float
    index_seconds: float
    size_bytes: int
    complete: bool = True


# --- where a store lives ----------------------------------------------------------------------


def store_key(backend: str, subjects: int, records: int, seed: int) -> str:
    return f"{backend}_s{subjects}_r{records}_seed{seed}_{head_revision()}".lower()


def _pg_url(base_url: str, database: str) -> str:
    return make_url(base_url).set(database=database).render_as_string(hide_password=False)


def _pg_admin(base_url: str) -> Engine:
    return create_engine(make_url(base_url), isolation_level="AUTOCOMMIT")


def _size(backend: str, url: str) -> int:
    if backend == "sqlite":
        path = Path(make_url(url).database or "")
        return sum(
            p.stat().st_size for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()
        )
    engine = create_engine(url)
    with engine.connect() as conn:
        size = int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
    engine.dispose()
    return size


def ensure_store(
    backend: str = "sqlite",
    subjects: int = 10_000,
    records: int = 100_000,
    seed: int = 7,
    *,
    cache_dir: Path = DEFAULT_CACHE,
    database_url: str = DEFAULT_PG,
    rebuild_store: bool = False,
    log: Any = print,
) -> BigStore:
    """The store for these parameters: the cached one when complete, else built now."""
    key = store_key(backend, subjects, records, seed)
    cache_dir.mkdir(parents=True, exist_ok=True)
    meta_path = cache_dir / f"{key}.json"
    if backend == "sqlite":
        url = f"sqlite:///{(cache_dir / f'{key}.sqlite3').resolve()}"
    else:
        url = _pg_url(database_url, f"bench_big_{key.removeprefix('postgresql_')}"[:63])
    if meta_path.exists() and not rebuild_store:
        meta = BigStore(**json.loads(meta_path.read_text(encoding="utf-8")))
        if meta.complete and meta.url == url and _exists(backend, url, database_url):
            log(f"reusing {backend} store {key} ({meta.size_bytes / 2**30:.2f} GiB)")
            return meta
    meta_path.unlink(missing_ok=True)
    _drop(backend, url, database_url)
    log(f"building {backend} store {key}: {subjects:,} subjects, {records:,} records")
    built = _build(backend, url, database_url, subjects, records, seed, log)
    meta_path.write_text(json.dumps(asdict(built), indent=2), encoding="utf-8")
    return built


def _exists(backend: str, url: str, base_url: str) -> bool:
    if backend == "sqlite":
        return Path(make_url(url).database or "").exists()
    admin = _pg_admin(base_url)
    with admin.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": make_url(url).database}
        ).first()
    admin.dispose()
    return found is not None


def _drop(backend: str, url: str, base_url: str) -> None:
    if backend == "sqlite":
        path = Path(make_url(url).database or "")
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
        return
    name = make_url(url).database
    admin = _pg_admin(base_url)
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :n AND pid <> pg_backend_pid()"
            ),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


# --- generation -------------------------------------------------------------------------------


def _weighted(rng: random.Random, cumulative: Sequence[float], items: Sequence[Any]) -> Any:
    return items[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


def _cumulative(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def record_counts(subjects: int, records: int, seed: int) -> list[int]:
    """Records per subject: log-normal, one subject in a thousand heavy; summing to ``records``."""
    rng = random.Random(seed * 7919 + 1)
    weights = [
        rng.lognormvariate(0.0, 1.1) * (rng.uniform(25, 60) if rng.random() < 0.001 else 1.0)
        for _ in range(subjects)
    ]
    scale = records / sum(weights)
    counts = [int(w * scale) for w in weights]
    short = records - sum(counts)
    for i in rng.sample(range(subjects), min(abs(short), subjects)) if short else ():
        counts[i] += 1 if short > 0 else (-1 if counts[i] > 0 else 0)
    while sum(counts) < records:  # more missing than subjects (tiny stores)
        counts[rng.randrange(subjects)] += 1
    return counts


class _Gen:
    """Everything drawn per subject and per record (deterministic for a seed)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.geo: Geography = build_geography(get_standard())
        self.county_cum = _cumulative([c.weight for c in self.geo.counties])
        self.kind_cum = _cumulative([s for *_, s in SUBJECT_KINDS])
        self.record_kind_cum = _cumulative([s for _, s in KIND_SHARES])
        self.form_cum = _cumulative([w for *_, w in pools.ENTERPRISE_FORMS])
        self.penalties = [t for t in pools.PENALTIES.values() if t.department in _DEPT_OK]
        self.licences = [t for t in pools.LICENCES.values() if t.department in _DEPT_OK]
        self.standard = get_standard()
        self._authorities: dict[tuple[int, str], tuple[str, str]] = {}
        self.start = FIRST_DAY.toordinal()
        self.span = LAST_DAY.toordinal() - self.start

    def authority(self, city_index: int, key: str) -> tuple[str, str]:
        """(name, USCC) of department ``key`` of a city (or its province when it has none)."""
        found = self._authorities.get((city_index, key))
        if found is None:
            city = self.geo.cities[city_index]
            province = self.geo.provinces[city.province]
            dept = pools.DEPARTMENT_BY_KEY[key]
            if city.province == "31" and key in pools.SHANGHAI_NAMES:
                name = pools.SHANGHAI_NAMES[key]
            elif dept.city is not None:
                name = dept.city.format(c=city.name)
            else:
                name = (dept.province or "{p}" + key).format(p=province.name)
            body = f"{7_000_000 + len(self._authorities):08d}"
            first17 = "11" + city.code + body + org_code.calc_check_character(body)
            found = (name, first17 + uscc.calc_check_character(first17))
            self._authorities[(city_index, key)] = found
        return found

    def day(self) -> dt.date:
        return dt.date.fromordinal(self.start + self.rng.randrange(self.span))

    def person(self) -> str:
        rng = self.rng
        given = "".join(rng.choice(pools.GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))
        return rng.choice(pools.SURNAMES) + given


_DEPT_OK = frozenset(
    d.key for d in pools.DEPARTMENTS if d.city is not None or d.province is not None
)


@dataclass
class _Subject:
    id: int
    type: str
    category: str
    uscc: str
    org_code: str
    name: str
    county: int
    city: int
    province: str
    representative: str
    industry: pools.Industry


def _make_subject(gen: _Gen, subject_id: int) -> _Subject:
    rng = gen.rng
    subject_type, prefix, category, _ = _weighted(rng, gen.kind_cum, SUBJECT_KINDS)
    county = gen.geo.counties[bisect.bisect(gen.county_cum, rng.random() * gen.county_cum[-1])]
    city = gen.geo.cities[county.city]
    body = f"{(subject_id * 48_271 + 13) % 100_000_000:08d}"  # a bijection below 10⁸
    code9 = body + org_code.calc_check_character(body)
    first17 = prefix + county.code + code9
    industry = rng.choice(pools.INDUSTRIES)
    brand = "".join(rng.sample(pools.BRAND_CHARS, 2))
    if subject_type == "legal_person":
        place = city.short if rng.random() < 0.7 else county.short
        name = (
            place + brand + industry.word + _weighted(rng, gen.form_cum, pools.ENTERPRISE_FORMS)[0]
        )
    elif subject_type == "individual_business":
        name = county.short + brand + rng.choice(pools.SHOPS)[0]
    elif subject_type == "organisation":
        name = city.name + industry.word + "行业协会"
    else:
        name = gen.geo.county_prefix(county) + brand + "中心"
    return _Subject(
        id=subject_id,
        type=subject_type,
        category=category,
        uscc=first17 + uscc.calc_check_character(first17),
        org_code=code9,
        name=name,
        county=county.index,
        city=city.index,
        province=city.province,
        representative=gen.person(),
        industry=industry,
    )


def _registration(gen: _Gen, s: _Subject, day: dt.date) -> tuple[dict[str, Any], str]:
    rng = gen.rng
    county = gen.geo.counties[s.county]
    amr = gen.geo.county_prefix(county) + "市场监督管理局"
    status = "存续" if rng.random() < 0.93 else rng.choice(("注销", "吊销", "迁出"))
    content = {
        "DJ_MC": s.name,
        "DJ_SHXYM": s.uscc,
        "DJ_ZZJG": s.org_code,
        "DJ_LB": s.category,
        "DJ_FRDB": s.representative,
        "DJ_ZCZB": str(rng.choice((10, 50, 100, 200, 500, 1000, 5000))),
        "DJ_CLRQ": day.isoformat(),
        "DJ_ZS": gen.geo.county_prefix(county)
        + rng.choice(pools.PLACE_CHARS)
        + rng.choice(pools.PLACE_CHARS)
        + rng.choice(pools.ROAD_SUFFIXES)
        + f"{rng.randrange(1, 999)}号",
        "DJ_JYFW": s.industry.scope,
        "DJ_DJJG": amr,
        "DJ_ZT": status,
    }
    return content, amr


def _penalty(gen: _Gen, s: _Subject, day: dt.date, city: int, n: int) -> tuple[dict[str, Any], str]:
    rng = gen.rng
    t = rng.choice(gen.penalties)
    name, code = gen.authority(city, t.department)
    types = _pick_types(rng, t.types)
    low, high = max(t.fine[0], 100), max(t.fine[1], 200)
    fine = int(math.exp(rng.uniform(math.log(low), math.log(high))) // 100 * 100)
    dept = pools.DEPARTMENT_BY_KEY[t.department]
    c = gen.geo.cities[city]
    content: dict[str, Any] = {
        "CF_WSH": f"{c.abbr}{dept.abbr}罚〔{day.year}〕{n}号",
        "CF_XDR_MC": s.name,
        "CF_XDR_LB": s.category,
        "CF_XDR_SHXYM": s.uscc,
        "CF_WFXW": t.violation,
        "CF_SY": t.facts.format(
            date=f"{day.year}年{day.month}月{day.day}日", month=f"{day.year}年{day.month}月"
        ),
        "CF_YJ": t.basis,
        "CF_CFLB": list(types),
        "CF_NR": "、".join(types) + (f"，罚款人民币{fine}元" if "罚款" in types else ""),
        "CF_JDRQ": day.isoformat(),
        "CF_CFJG": name,
        "CF_CFJGDM": code,
        "CF_SJLY": name,
        "CF_SJLYDM": code,
        "CF_GSZT": "正常",
        "CF_SSLY": t.domain,
        "CF_AJCXLB": "简易" if rng.random() < 0.15 else "一般",
    }
    if s.category == "法人及非法人组织":
        content["CF_FRDB"] = s.representative
    if "罚款" in types:
        content["CF_NR_FK"] = _wan(fine)
    if "没收违法所得" in types or "没收非法财物" in types:
        content["CF_NR_WFFF"] = _wan(fine // 3 + 100)
    if "暂扣许可证件" in types or "吊销许可证件" in types:
        content["CF_NR_ZKDX"] = f"营业执照（{s.uscc}）"
    return content, name


def _pick_types(rng: random.Random, choices: Sequence[tuple[Any, float]]) -> tuple[str, ...]:
    roll = rng.random() * sum(w for _, w in choices)
    for types, weight in choices:
        roll -= weight
        if roll <= 0:
            return tuple(types)
    return tuple(choices[-1][0])


def _wan(yuan: int) -> str:
    text_ = f"{yuan / 10_000:.4f}".rstrip("0").rstrip(".")
    return text_ or "0"


def _licence(gen: _Gen, s: _Subject, day: dt.date, city: int, n: int) -> tuple[dict[str, Any], str]:
    rng = gen.rng
    t = rng.choice(gen.licences)
    name, code = gen.authority(city, t.department)
    c = gen.geo.cities[city]
    number = t.number.format(
        div=gen.geo.counties[s.county].code,
        year=day.year,
        pabbr=gen.geo.provinces[c.province].abbr,
        cabbr=c.abbr,
        pcode=c.province,
        uscc=s.uscc,
        n2=f"{n % 10**2:02d}",
        n3=f"{n % 10**3:03d}",
        n4=f"{n % 10**4:04d}",
        n5=f"{n % 10**5:05d}",
        n6=f"{n % 10**6:06d}",
        n7=f"{n % 10**7:07d}",
        n8=f"{n % 10**8:08d}",
        n9=f"{n % 10**9:09d}",
    )
    until = "2099-12-31" if t.years is None else _plus_years(day, t.years).isoformat()
    content: dict[str, Any] = {
        "XK_XKWS": t.document,
        "XK_WSH": f"{c.abbr}许〔{day.year}〕{n}号",
        "XK_XKLB": t.license_type,
        "XK_XKZS": t.certificate,
        "XK_XKBH": number,
        "XK_NR": t.content,
        "XK_JDRQ": day.isoformat(),
        "XK_YXQZ": day.isoformat(),
        "XK_YXQZI": until,
        "XK_XKJG": name,
        "XK_XKJGDM": code,
        "XK_ZT": "有效" if until >= "2026-11-01" else "过期",
        "XK_LYDW": name,
        "XK_LYDWDM": code,
        "XK_XDR_MC": s.name,
        "XK_XDR_LB": s.category,
        "XK_XDR_SHXYM": s.uscc,
    }
    if s.category == "法人及非法人组织":
        content["XK_FRDB"] = s.representative
    return content, name


def _plus_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years) - dt.timedelta(days=1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _commitment(
    gen: _Gen, s: _Subject, day: dt.date, city: int, n: int
) -> tuple[dict[str, Any], str]:
    rng = gen.rng
    name, code = gen.authority(city, rng.choice(("amr", "approval", "tax", "housing")))
    content = {
        "CN_BM": f"CN{day.year}{s.province}{n:09d}",
        "CN_LX": rng.choice(("主动型", "审批替代型", "信用修复型", "行业自律型")),
        "CN_SX": rng.choice(
            ("行政许可告知承诺", "证明事项告知承诺", "信用修复承诺", "行业自律承诺")
        ),
        "CN_NR": "本单位承诺所提供的材料真实有效，如有虚假，愿承担相应法律责任。",
        "CN_MC": s.name,
        "CN_LB": s.category,
        "CN_SHXYM": s.uscc,
        "CN_SLDW": name,
        "CN_SLDWDM": code,
        "CN_CNRQ": day.isoformat(),
        "CN_YXQZ": _plus_years(day, 3).isoformat(),
        "CN_LXZT": rng.choice(("履行中", "全部履行", "全部履行", "部分履行", "未履行")),
    }
    return content, name


def _abnormal(
    gen: _Gen, s: _Subject, day: dt.date, city: int, n: int
) -> tuple[dict[str, Any], str]:
    rng = gen.rng
    name, _ = gen.authority(city, "amr")
    c = gen.geo.cities[city]
    content = {
        "YC_MC": s.name,
        "YC_SHXYM": s.uscc,
        "YC_FRDB": s.representative,
        "YC_LRYY": rng.choice(
            ("annual_report", "annual_report", "unreachable", "false_information")
        ),
        "YC_LRRQ": day.isoformat(),
        "YC_LRJG": name,
        "YC_LRWH": f"{c.abbr}市监异〔{day.year}〕{n}号",
        "YC_CITY": c.code,
    }
    if rng.random() < 0.4:
        out = min(day + dt.timedelta(days=rng.randrange(30, 700)), LAST_DAY)
        content.update({"YC_YCYY": "annual_report", "YC_YCRQ": out.isoformat(), "YC_YCJG": name})
    return content, name


_MAKERS = {
    "license": _licence,
    "penalty": _penalty,
    "commitment": _commitment,
    "abnormal": _abnormal,
}
_KIND_CODES = {"abnormal": "abnormal_operation_list"}
_KEY_FIELDS = {
    "registration": ("DJ_SHXYM",),
    "license": ("XK_XKJGDM", "XK_WSH", "XK_XDR_MC"),
    "penalty": ("CF_CFJGDM", "CF_WSH", "CF_XDR_MC"),
    "commitment": ("CN_BM", "CN_SLDWDM"),
    "abnormal_operation_list": ("YC_SHXYM", "YC_LRRQ", "YC_LRJG"),
}


def _canonical(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass
class _Rows:
    subjects: list[tuple[Any, ...]]
    legacy: list[tuple[Any, ...]]
    records: list[tuple[Any, ...]]
    versions: list[tuple[Any, ...]]


class _Writer:
    """Generates chunks of rows: ids are assigned here, in order."""

    def __init__(self, gen: _Gen, counts: list[int], stamp: Any) -> None:
        self.gen = gen
        self.counts = counts
        self.stamp = stamp  # datetime → the backend's timestamp value
        self.record_id = 0
        self.version_id = 0
        self.doc_no = 0
        self.batch_of = {code: i + 1 for i, code in enumerate(SOURCES.values())}

    def chunk(self, first: int, last: int) -> _Rows:
        gen, rng = self.gen, self.gen.rng
        rows = _Rows([], [], [], [])
        loaded = self.stamp(LOADED_AT)
        for subject_id in range(first, last + 1):
            s = _make_subject(gen, subject_id)
            rows.subjects.append(
                (
                    subject_id,
                    s.type,
                    s.uscc,
                    None,
                    None,
                    s.name,
                    normalise_name(s.name),
                    s.province,
                    gen.geo.counties[s.county].code,
                    loaded,
                )
            )
            if subject_id % 10 == 0:
                rows.legacy.append(("org_code", s.org_code, s.uscc, SOURCES[s.province], loaded))
            count = self.counts[subject_id - 1]
            if count == 0:
                continue
            founded = gen.day()
            listed: set[tuple[dt.date, int]] = set()
            self._record(
                rows, s, "registration", *_registration(gen, s, founded), founded, s.province
            )
            for _ in range(count - 1):
                kind = _weighted(rng, gen.record_kind_cum, KIND_SHARES)[0]
                province, city = s.province, s.city
                if rng.random() < 0.08:  # decided in another province of the region
                    city = rng.randrange(len(gen.geo.cities))
                    province = gen.geo.cities[city].province
                day = gen.day()
                self.doc_no += 1
                content, dept = _MAKERS[kind](gen, s, day, city, self.doc_no)
                if kind == "abnormal" and (day, city) in listed:  # same key: one listing a day
                    content, dept = _licence(gen, s, day, city, self.doc_no)
                    kind = "license"
                listed.add((day, city))
                self._record(rows, s, _KIND_CODES.get(kind, kind), content, dept, day, province)
        return rows

    def _record(
        self,
        rows: _Rows,
        s: _Subject,
        kind: str,
        content: dict[str, Any],
        department: str,
        day: dt.date,
        province: str,
    ) -> None:
        rng = self.gen.rng
        self.record_id += 1
        source = SOURCES[province]
        received = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC) + dt.timedelta(
            days=rng.randrange(1, 20), seconds=rng.randrange(36_000)
        )
        received = min(received, LOADED_AT)
        key = "|".join(str(content.get(f, "")) for f in _KEY_FIELDS[kind])
        domain = self.gen.standard.record_kinds[kind].domain_of(content)
        rows.records.append(
            (
                self.record_id,
                source,
                kind,
                key,
                s.id,
                self.stamp(received),
                "uscc",
                self.stamp(received),
                domain,
            )
        )
        versions = [(content, "active")]
        roll = rng.random()
        if roll < 0.05:
            versions.append(({**content, "BZ": "信息更正：补正文号与日期"}, "active"))
        elif roll < 0.055:
            withdrawn = dict(content)
            if kind == "penalty":
                withdrawn["CF_GSZT"] = "撤销"
            versions.append((withdrawn, "withdrawn"))
        for number, (body, status) in enumerate(versions, start=1):
            self.version_id += 1
            at = received + dt.timedelta(days=30 * (number - 1))
            canonical = _canonical(body)
            rows.versions.append(
                (
                    self.version_id,
                    self.record_id,
                    number,
                    canonical,
                    hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
                    status,
                    source,
                    department,
                    self.batch_of[source],
                    self.stamp(at),
                    day,
                    self.stamp(at),
                )
            )


def _sqlite_stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _pg_stamp(value: dt.datetime) -> dt.datetime:
    return value


def _chunks(subjects: int) -> Iterator[tuple[int, int]]:
    for first in range(1, subjects + 1, CHUNK_SUBJECTS):
        yield first, min(first + CHUNK_SUBJECTS - 1, subjects)


def _batch_rows(stamp: Any) -> list[tuple[Any, ...]]:
    return [
        (
            i + 1,
            code,
            stamp(LOADED_AT),
            f"bench_{code}.csv",
            hashlib.sha256(code.encode()).hexdigest(),
            "accepted",
            stamp(LOADED_AT),
        )
        for i, code in enumerate(SOURCES.values())
    ]


_BATCH_SQL = (
    "INSERT INTO batches (id, source, received_at, file_name, content_sha256, status, "
    "completed_at) VALUES ({})"
)


def _load_sqlite(url: str, gen: _Gen, counts: list[int], log: Any) -> tuple[int, int]:
    path = make_url(url).database or ""
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in (
        "journal_mode=OFF",
        "synchronous=OFF",
        "foreign_keys=OFF",
        "cache_size=-1048576",
        "temp_store=MEMORY",
        "locking_mode=EXCLUSIVE",
    ):
        db.execute(f"PRAGMA {pragma}")
    writer = _Writer(gen, counts, _sqlite_stamp)
    db.execute("BEGIN")
    db.executemany(_BATCH_SQL.format(", ".join("?" * 7)), _batch_rows(_sqlite_stamp))
    started = time.perf_counter()
    for first, last in _chunks(len(counts)):
        rows = writer.chunk(first, last)
        db.executemany(
            f"INSERT INTO subjects ({_SUBJECT_COLUMNS}) VALUES ({_q(10)})", rows.subjects
        )
        db.executemany(
            "INSERT INTO legacy_codes (legacy_kind, legacy_code, uscc, source, created_at) "
            f"VALUES ({_q(5)})",
            rows.legacy,
        )
        db.executemany(f"INSERT INTO records ({_RECORD_COLUMNS}) VALUES ({_q(9)})", rows.records)
        db.executemany(
            f"INSERT INTO record_versions ({_VERSION_COLUMNS}) VALUES ({_q(12)})",
            [(*v[:10], v[10].isoformat(), *v[11:]) for v in rows.versions],
        )
        _progress(log, last, len(counts), writer, started)
    db.execute("COMMIT")
    db.execute("PRAGMA locking_mode=NORMAL")
    db.execute("PRAGMA journal_mode=WAL")
    db.close()
    return writer.record_id, writer.version_id


def _q(n: int) -> str:
    return ", ".join("?" * n)


def _progress(log: Any, done: int, total: int, writer: _Writer, started: float) -> None:
    if done == total or done % (CHUNK_SUBJECTS * 10) == 0:
        rate = writer.record_id / max(time.perf_counter() - started, 1e-9)
        log(f"  {done:,}/{total:,} subjects, {writer.record_id:,} records ({rate:,.0f} records/s)")


def _load_postgres(url: str, gen: _Gen, counts: list[int], log: Any) -> tuple[int, int]:
    import psycopg

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    writer = _Writer(gen, counts, _pg_stamp)
    started = time.perf_counter()
    with psycopg.connect(conninfo) as conn:
        with conn.cursor() as cur:
            # The generated rows are consistent; foreign-key triggers stay off for this load only.
            cur.execute("SET session_replication_role = replica")
            cur.executemany(_BATCH_SQL.format(", ".join(["%s"] * 7)), _batch_rows(_pg_stamp))
            for first, last in _chunks(len(counts)):
                rows = writer.chunk(first, last)
                for table, columns, values in (
                    ("subjects", _SUBJECT_COLUMNS, rows.subjects),
                    (
                        "legacy_codes",
                        "legacy_kind, legacy_code, uscc, source, created_at",
                        rows.legacy,
                    ),
                    ("records", _RECORD_COLUMNS, rows.records),
                    ("record_versions", _VERSION_COLUMNS, rows.versions),
                ):
                    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        for row in values:
                            copy.write_row(row)
                _progress(log, last, len(counts), writer, started)
            for table in ("subjects", "records", "record_versions", "batches"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            cur.execute("SET session_replication_role = DEFAULT")
        conn.commit()
    return writer.record_id, writer.version_id


def _build(
    backend: str, url: str, base_url: str, subjects: int, records: int, seed: int, log: Any
) -> BigStore:
    started = time.perf_counter()
    init_store(url).dispose()
    gen = _Gen(seed)
    counts = record_counts(subjects, records, seed)
    load = _load_sqlite if backend == "sqlite" else _load_postgres
    n_records, n_versions = load(url, gen, counts, log)
    loaded = time.perf_counter()
    log(f"  loaded in {loaded - started:.0f} s; indexing names")
    engine = create_engine(url)
    with engine.begin() as conn:
        rebuild(conn)
    index_seconds = time.perf_counter() - loaded
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    engine.dispose()
    if backend == "sqlite":
        db = sqlite3.connect(make_url(url).database or "")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
    elapsed = time.perf_counter() - started
    size = _size(backend, url)
    log(
        f"built in {elapsed:.0f} s (name index {index_seconds:.0f} s), "
        f"{size / 2**30:.2f} GiB, {n_records:,} records, {n_versions:,} versions"
    )
    return BigStore(
        backend=backend,
        url=url,
        subjects=subjects,
        records=n_records,
        versions=n_versions,
        seed=seed,
        revision=head_revision(),
        build_seconds=round(elapsed, 1),
        index_seconds=round(index_seconds, 1),
        size_bytes=size,
    )


def sample_codes(store: BigStore, count: int, seed: int) -> list[str]:
    """USCCs of ``count`` random subjects of the store (with repeats when it is small)."""
    rng = random.Random(seed)
    ids = [rng.randint(1, store.subjects) for _ in range(count)]
    engine = create_engine(store.url)
    found: dict[int, str] = {}
    with engine.connect() as conn:
        for start in range(0, len(ids), 5_000):
            part = sorted(set(ids[start : start + 5_000]))
            marks = ", ".join(str(i) for i in part)
            for row in conn.execute(text(f"SELECT id, uscc FROM subjects WHERE id IN ({marks})")):
                found[int(row.id)] = row.uscc
    engine.dispose()
    return [found[i] for i in ids if i in found]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--rebuild", action="store_true", help="build even when cached")
    args = parser.parse_args()
    store = ensure_store(
        args.backend,
        args.subjects,
        args.records,
        args.seed,
        cache_dir=args.cache_dir,
        database_url=args.database_url,
        rebuild_store=args.rebuild,
    )
    print(json.dumps(asdict(store), indent=2))


if __name__ == "__main__":
    main()
