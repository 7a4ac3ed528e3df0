"""The legacy → USCC map: bulk, idempotent, conflicts refused by name."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from credit_yrd.store.engine import transaction
from credit_yrd.store.errors import LegacyCodeConflictError, StoreError
from credit_yrd.store.legacy import add_legacy_codes, legacy_kind_of, load_map, lookup_uscc
from credit_yrd.store.schema import legacy_codes

USCC_A = "91310115MA1K3YJ12X"
USCC_B = "91320500MA1N8QWE3K"


def _rows(n: int, uscc: str = USCC_A) -> list[dict[str, str]]:
    return [
        {"legacy_code": f"3101150{i:08d}", "uscc": uscc, "source": "shanghai"} for i in range(n)
    ]


def test_add_lookup_and_load(engine, clock) -> None:
    with transaction(engine) as conn:
        added = add_legacy_codes(
            conn,
            [
                {"legacy_code": "MA1K3YJ1-2", "uscc": USCC_A, "legacy_kind": "org_code"},
                {"legacy_code": "320500000045678", "uscc": USCC_B, "source": "jiangsu"},
            ],
            clock=clock,
        )
    assert added == 2
    with engine.connect() as conn:
        assert lookup_uscc(conn, "MA1K3YJ12") == USCC_A
        assert lookup_uscc(conn, "ma1k3yj1-2") == USCC_A
        assert lookup_uscc(conn, "320500000045678") == USCC_B
        assert lookup_uscc(conn, "320500000000000") is None
        assert lookup_uscc(conn, "not a code") is None
        assert load_map(conn) == {"MA1K3YJ12": USCC_A, "320500000045678": USCC_B}
        row = conn.execute(
            select(legacy_codes).where(legacy_codes.c.legacy_code == "320500000045678")
        ).one()
    assert (row.legacy_kind, row.source, row.created_at) == (
        "business_reg_no",
        "jiangsu",
        clock.now(),
    )


def test_adding_again_changes_nothing(engine) -> None:
    rows = _rows(50)
    with transaction(engine) as conn:
        assert add_legacy_codes(conn, rows) == 50
    with transaction(engine) as conn:
        assert add_legacy_codes(conn, rows + _rows(60)) == 10
        assert add_legacy_codes(conn, []) == 0
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(legacy_codes)).scalar() == 60


def test_conflicting_mapping_names_the_code_and_writes_nothing(engine) -> None:
    with transaction(engine) as conn:
        add_legacy_codes(conn, [{"legacy_code": "320500000045678", "uscc": USCC_B}])
    with pytest.raises(LegacyCodeConflictError) as caught, transaction(engine) as conn:
        add_legacy_codes(
            conn,
            [
                {"legacy_code": "MA1K3YJ12", "uscc": USCC_A},
                {"legacy_code": "320500000045678", "uscc": USCC_A},
            ],
        )
    message = str(caught.value)
    assert "320500000045678" in message and USCC_A in message and USCC_B in message
    assert caught.value.conflicts == [("320500000045678", USCC_B, USCC_A)]
    with engine.connect() as conn:
        assert load_map(conn) == {"320500000045678": USCC_B}


def test_conflict_inside_one_batch_is_refused(engine) -> None:
    with pytest.raises(LegacyCodeConflictError, match="MA1K3YJ12"), transaction(engine) as conn:
        add_legacy_codes(
            conn,
            [
                {"legacy_code": "MA1K3YJ12", "uscc": USCC_A},
                {"legacy_code": "MA1K3YJ1-2", "uscc": USCC_B},
            ],
        )


@pytest.mark.parametrize(
    "row",
    [
        {"legacy_code": "12345", "uscc": USCC_A},
        {"legacy_code": "MA1K3YJ12", "uscc": "123"},
        {"legacy_code": "MA1K3YJ12", "uscc": USCC_A, "legacy_kind": "business_reg_no"},
        {"legacy_code": "MA1K3YJ12", "uscc": USCC_A, "legacy_kind": "tax_no"},
    ],
)
def test_malformed_rows_are_refused_with_their_row_number(engine, row) -> None:
    with pytest.raises(StoreError, match="第 2 行"), transaction(engine) as conn:
        add_legacy_codes(conn, [{"legacy_code": "320500000045678", "uscc": USCC_B}, row])


def test_bulk_add_uses_few_round_trips(engine) -> None:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    rows = _rows(5_000)
    with transaction(engine) as conn:
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert add_legacy_codes(conn, rows) == 5_000
        finally:
            event.remove(engine, "before_cursor_execute", count)
    lookups = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(lookups) <= 4  # the sources check + 5,000 codes in chunks of 2,000
    assert len(statements) < 30  # inserts go as batched executemany, never one per row


def test_legacy_kind_of() -> None:
    assert legacy_kind_of("MA1K3YJ1-2") == "org_code"
    assert legacy_kind_of("310115000123456") == "business_reg_no"
    assert legacy_kind_of(USCC_A) is None
