"""Ingestion indexes the subjects each batch creates: a generated world, ingested from all four
provinces, can be searched by part of its companies' names right away."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import distinct, func, select
from sqlalchemy.engine import Engine

from credit_yrd.clock import FixedClock
from credit_yrd.demo import GenerateOptions, generate
from credit_yrd.ingest import context_for, expand_inputs, ingest_file
from credit_yrd.search import search
from credit_yrd.settings import Settings
from credit_yrd.store.schema import subject_terms, subjects
from credit_yrd.store.subjects import find_subject, normalise_name
from tests.search.conftest import TEST_KEY

SOURCES = ("shanghai", "jiangsu", "zhejiang", "anhui")


@pytest.fixture(scope="module")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("world")
    generate(folder, GenerateOptions(subjects=300, seed=5))
    return folder


def test_ingested_subjects_are_searchable(
    small_world: Path, engine: Engine, tmp_path: Path, database_url: str
) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, secret_key=TEST_KEY)
    clock = FixedClock(dt.date(2026, 10, 31))
    for source in SOURCES:
        ctx = context_for(engine, source, settings=settings, clock=clock)
        files, _ = expand_inputs([small_world / source], ctx.mapping)
        for path in files:
            ingest_file(ctx, path)

    with engine.connect() as conn:
        organisations = conn.execute(
            select(func.count())
            .select_from(subjects)
            .where(subjects.c.subject_type != "natural_person")
        ).scalar_one()
        indexed = conn.execute(
            select(func.count(distinct(subject_terms.c.subject_id)))
        ).scalar_one()
        persons_indexed = conn.execute(
            select(func.count())
            .select_from(subject_terms.join(subjects, subjects.c.id == subject_terms.c.subject_id))
            .where(subjects.c.subject_type == "natural_person")
        ).scalar_one()
        assert organisations > 200
        assert indexed == organisations
        assert persons_indexed == 0

        with (small_world / "truth" / "subjects.csv").open(encoding="utf-8") as stream:
            truth = list(csv.DictReader(stream))
        checked = 0
        for row in truth:
            if not row["uscc"] or len(row["name"]) < 6:
                continue
            held = find_subject(conn, row["uscc"])
            if held is None or held.name_normalised != normalise_name(row["name"]):
                continue
            part = row["name"][2:5]  # three characters from inside the name
            found = search(conn, part, province=row["province"], limit=100)
            assert held.id in [item.id for item in found.items] or found.total > 100, (row, part)
            two = search(conn, row["name"][2:4], province=row["province"], limit=100)
            assert held.id in [i.id for i in two.items] or two.total > 100, row
            checked += 1
        assert checked > 150
