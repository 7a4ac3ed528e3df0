"""The demo's repair and objection cases: the demo subject (the organisation with the most
penalties published today) applies for the repair of a penalty whose minimum period is served and
objects to another; the publication job has run once; a re-run files nothing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from credit_yrd.demo import GenerationSummary
from credit_yrd.demo.accounts import ensure_demo_accounts
from credit_yrd.demo.cases import demo_pdf, setup_cases
from credit_yrd.demo.joint import setup_joint
from credit_yrd.repair import applications
from credit_yrd.repair.documents import sniff
from credit_yrd.settings import Settings
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.schema import objections, publication_runs, records, repair_applications
from tests.demo.test_demo_joint import CLOCK, FAST, _ingest
from tests.ingest.builders import TEST_KEY


def test_the_demo_files_a_repair_and_an_objection_once(
    engine: Engine,
    database_url: str,
    tmp_path: Path,
    generated: tuple[Path, GenerationSummary],
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key=TEST_KEY,
        password_hash_cost="fast",
        worker_interval_seconds=0,
    )
    standard = get_standard()
    _ingest(engine, generated[0], settings)
    made = ensure_demo_accounts(engine, tmp_path, CLOCK, hasher=FAST, joint=True)
    subject = next(a for a in made if a.username == "demo-subject")
    joint = setup_joint(engine, clock=CLOCK, settings=settings, standard=standard)
    assert joint.worker["publication"]["run_on"] == CLOCK.today().isoformat()

    cases = setup_cases(engine, clock=CLOCK, settings=settings, standard=standard)
    assert cases.repair_code is not None and cases.objection_code is not None
    with engine.connect() as conn:
        progress = applications.progress(
            conn, cases.repair_code, settings=settings, clock=CLOCK, standard=standard
        )
        assert progress is not None and progress.status == "submitted"
        app = conn.execute(select(repair_applications)).one()
        assert app.subject_id == subject.subject_id and app.target == "record"
        marked = (
            conn.execute(select(records.c.id).where(records.c.objection_open.is_(True)))
            .scalars()
            .all()
        )
        assert marked == [conn.execute(select(objections.c.record_id)).scalar_one()]
        assert marked[0] != app.record_id
        assert conn.execute(select(func.count()).select_from(publication_runs)).scalar_one() == 1

    again = setup_cases(engine, clock=CLOCK, settings=settings, standard=standard)
    assert again.repair_code is None and again.skipped_en
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(repair_applications)).scalar_one() == 1


def test_the_demo_evidence_is_a_pdf() -> None:
    pdf = demo_pdf("Credit commitment (demo)")
    assert sniff(pdf) == "application/pdf"
    assert pdf.rstrip().endswith(b"%%EOF") and b"/Type /Page " in pdf
