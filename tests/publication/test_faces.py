"""``credit-yrd publication run|runs``, ``credit-yrd calendar show|check|deadline`` and the API's
``/publication/runs`` and ``/calendar/deadline``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from credit_yrd.api.app import create_app
from credit_yrd.auth.api_keys import create_key
from credit_yrd.cli import output
from credit_yrd.cli.main import app
from credit_yrd.settings import Settings, get_settings
from credit_yrd.store.engine import transaction
from tests.publication.conftest import CLOCK, Region, state

runner = CliRunner()

CALENDAR_2027 = """\
years:
  2027:
    holidays: [2027-01-01, {from: 2027-02-06, to: 2027-02-12}]
    workdays: [2027-02-20]
"""


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A clean environment whose platform clock is the file returned (2026-06-01)."""
    for name in Settings.model_fields:
        monkeypatch.delenv(f"CREDIT_YRD_{name.upper()}", raising=False)
    clock_file = tmp_path / "clock.txt"
    clock_file.write_text("2026-06-01", encoding="utf-8")
    monkeypatch.setenv("CREDIT_YRD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CREDIT_YRD_CLOCK_FILE", str(clock_file))
    monkeypatch.setattr(output.out, "_width", 400)
    get_settings.cache_clear()
    yield clock_file
    get_settings.cache_clear()


def cli(*args: str):
    return runner.invoke(app, list(args))


def url_of(store: Engine) -> str:
    return store.url.render_as_string(hide_password=False)


def test_publication_run_moves_records_and_runs_lists_them(
    store: Engine, region: Region, env: Path
) -> None:
    result = cli("publication", "run", "--db", url_of(store))
    assert result.exit_code == 0, result.output
    assert "检查 7 条记录" in result.output and "公示状态改变 7 条" in result.output
    assert "未判定 → 待公示" in result.output
    assert state(store, region.records["summer"]) == "scheduled"

    result = cli("publication", "run", "--on", "2026-07-15", "--json", "--db", url_of(store))
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["run_on"] == "2026-07-15"
    assert body["counts"] == {"scheduled->published": 1} and body["moved"] == 1
    assert body["actor"].startswith("cli")

    result = cli("--lang", "en", "publication", "runs", "--db", url_of(store))
    assert result.exit_code == 0, result.output
    assert "2026-07-15" in result.output and "2026-06-01" in result.output
    body = json.loads(cli("publication", "runs", "--json", "--db", url_of(store)).output)
    assert [r["run_on"] for r in body["runs"]] == ["2026-07-15", "2026-06-01"]


def test_publication_run_refuses_a_bad_day(store: Engine, env: Path) -> None:
    result = cli("publication", "run", "--on", "2026-02-30", "--db", url_of(store))
    assert result.exit_code == 2
    assert "--on" in result.output and "不是日期" in result.output


def test_calendar_deadline_and_show(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = cli("calendar", "deadline", "2026-09-28", "10")
    assert result.exit_code == 0, result.output
    assert "2026-10-16" in result.output and "提示" not in result.output
    body = json.loads(cli("calendar", "deadline", "2027-02-05", "3", "--json").output)
    assert body["due"] == "2027-02-10" and body["warning"] is not None
    assert body["basis"] == [{"year": 2027, "basis": "weekends"}]
    assert "2027" in cli("calendar", "deadline", "2027-02-05", "3").output

    calendar = tmp_path / "calendar.yaml"
    calendar.write_text(CALENDAR_2027, encoding="utf-8")
    monkeypatch.setenv("CREDIT_YRD_CALENDAR_FILE", str(calendar))
    get_settings.cache_clear()
    body = json.loads(cli("calendar", "deadline", "2027-02-05", "3", "--json").output)
    assert body["due"] == "2027-02-17" and body["warning"] is None

    shown = json.loads(cli("calendar", "show", "--json").output)
    assert {"year": 2027, "basis": "file"} in shown["years"]
    year = json.loads(cli("calendar", "show", "--year", "2026", "--json").output)
    assert year["basis"] == "official"
    assert "2026-10-10" in year["workdays"] and "2026-10-01" in year["holidays"]
    year = json.loads(cli("calendar", "show", "--year", "2027", "--json").output)
    assert year["workdays"] == ["2027-02-20"] and len(year["holidays"]) == 8
    year = json.loads(cli("calendar", "show", "--year", "2028", "--json").output)
    assert year["basis"] == "weekends" and year["warning"] is not None


def test_calendar_deadline_refuses_bad_input(env: Path) -> None:
    assert cli("calendar", "deadline", "2026-13-01", "3").exit_code == 2
    assert cli("calendar", "deadline", "2026-09-28", "401").exit_code == 2
    assert cli("calendar", "deadline", "2026-09-28", "-1").exit_code == 2


def test_calendar_check(env: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(CALENDAR_2027, encoding="utf-8")
    result = cli("calendar", "check", str(good))
    assert result.exit_code == 0, result.output
    assert "有效" in result.output and "放假 8 天" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("years:\n  2027:\n    workdays: [2027-02-22]\n", encoding="utf-8")
    result = cli("calendar", "check", str(bad))
    assert result.exit_code == 2
    assert "bad.yaml" in result.output and "years.2027.workdays" in result.output
    assert "Traceback" not in result.output
    result = cli("calendar", "check", str(tmp_path / "missing.yaml"))
    assert result.exit_code == 2 and "missing.yaml" in result.output


# --- API -------------------------------------------------------------------------------------


@pytest.fixture
def client(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    calendar = tmp_path / "calendar.yaml"
    calendar.write_text(CALENDAR_2027, encoding="utf-8")
    api = create_app(Settings(data_dir=tmp_path, database_url=database_url, calendar_file=calendar))
    api.state.clock = CLOCK
    with TestClient(api, raise_server_exceptions=False) as client:
        yield client


def test_the_deadline_api(client: TestClient) -> None:
    body = client.get("/api/v1/calendar/deadline", params={"start": "2026-09-28", "days": 10})
    assert body.status_code == 200, body.text
    assert body.json() == {
        "start": "2026-09-28",
        "days": 10,
        "due": "2026-10-16",
        "basis": [{"year": 2026, "basis": "official"}],
        "warning_zh": None,
        "warning_en": None,
    }
    body = client.get("/api/v1/calendar/deadline", params={"start": "2027-02-05", "days": 3})
    assert body.json()["due"] == "2027-02-17"  # the calendar file's Spring Festival
    body = client.get("/api/v1/calendar/deadline", params={"start": "2027-12-30", "days": 3})
    answer = body.json()
    assert answer["due"] == "2028-01-04"
    assert answer["basis"] == [{"year": 2027, "basis": "file"}, {"year": 2028, "basis": "weekends"}]
    assert "2028" in answer["warning_zh"] and "2028" in answer["warning_en"]


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-02-30", "days": "3"},
        {"start": "soon", "days": "3"},
        {"start": "2026-09-28", "days": "401"},
        {"start": "2026-09-28", "days": "-1"},
        {"start": "9999-12-31", "days": "400"},
        {"start": "0001-01-01", "days": "1"},
        {"days": "3"},
    ],
)
def test_the_deadline_api_refuses_bad_input(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/api/v1/calendar/deadline", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_runs_api_is_for_credit_offices(
    client: TestClient, store: Engine, region: Region
) -> None:
    from credit_yrd.publication.job import run
    from credit_yrd.standards.loader import get_standard

    run(store, on=CLOCK.today(), clock=CLOCK, standard=get_standard(), actor="test")
    with transaction(store) as conn:
        _, office = create_key(conn, role="credit_office", label="信用办", clock=CLOCK)
        _, department = create_key(
            conn,
            role="department",
            label="市场监管",
            province="31",
            domain="market_regulation",
            clock=CLOCK,
        )
    assert client.get("/api/v1/publication/runs").status_code == 401
    denied = client.get(
        "/api/v1/publication/runs", headers={"Authorization": f"Bearer {department}"}
    )
    assert denied.status_code == 403
    answer = client.get("/api/v1/publication/runs", headers={"Authorization": f"Bearer {office}"})
    assert answer.status_code == 200, answer.text
    [only] = answer.json()["runs"]
    assert only["run_on"] == "2026-06-01" and only["examined"] == 7 and only["moved"] == 7
    assert only["counts"]["none->scheduled"] == 1
    assert only["finished_at"] is not None
