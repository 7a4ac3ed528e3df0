"""``credit-yrd check``: the embedded check from the command line, logged like any other.

    credit-yrd check 913205836000373417 --scenario government_procurement
    credit-yrd check --file codes.txt --scenario financing_credit --json

Each code gets the joint measures that apply today in the scenario, why and until when
(:mod:`credit_yrd.checks.engine`). The check is written to the check log with the actor
``cli:<user>`` (role ``cli``), as evidence like a check through the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from credit_yrd.cli.context import state
from credit_yrd.cli.output import fail, json_line, out

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="数据库地址，缺省取 CREDIT_YRD_DATABASE_URL 或本地 SQLite (database URL)"
    ),
]


def _read_codes(path: Path, lang: str) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        fail(
            f"无法读取代码文件 {path}：{exc}",
            f"cannot read the code file {path}: {exc}",
            lang,
        )
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def register(app: typer.Typer) -> None:
    @app.command("check")
    def check(
        ctx: typer.Context,
        codes: Annotated[
            list[str] | None,
            typer.Argument(
                help="统一社会信用代码、组织机构代码、注册号或身份证号 (codes to check)",
                show_default=False,
            ),
        ] = None,
        scenario: Annotated[
            str,
            typer.Option(
                "--scenario", help="业务场景，如 government_procurement (business scenario)"
            ),
        ] = "government_procurement",
        file: Annotated[
            Path | None,
            typer.Option("--file", help="代码文件，每行一个 (a file of codes, one a line)"),
        ] = None,
        db: DbOption = None,
        as_json: Annotated[
            bool, typer.Option("--json", help="输出一个 JSON 对象 (one JSON object)")
        ] = False,
    ) -> None:
        """核查主体在业务场景中适用的联合奖惩措施，并记入核查日志 (check subjects for the
        measures that apply; the check is logged)."""
        from credit_yrd.checks.engine import check_codes, check_request
        from credit_yrd.checks.log import Checker, record_check
        from credit_yrd.clock import clock_from
        from credit_yrd.errors import CreditYrdError
        from credit_yrd.privacy import PersonalDataVault
        from credit_yrd.standards.loader import get_standard
        from credit_yrd.store.engine import transaction
        from credit_yrd.store.migrate import init_store

        st = state(ctx)
        wanted = list(codes or [])
        if file is not None:
            wanted += _read_codes(file, st.lang)
        if not wanted:
            fail(
                "请给出至少一个代码，或用 --file 指定代码文件",
                "give at least one code, or a file of codes with --file",
                st.lang,
            )
        standard = get_standard()
        check_request(wanted, scenario, standard)  # refused before the store is opened
        clock = clock_from(st.settings.clock_file)
        on = clock.today()
        vault: PersonalDataVault | None = None
        if any(len(code.strip()) >= 18 for code in wanted):
            try:
                vault = PersonalDataVault.from_settings(st.settings)
            except (CreditYrdError, OSError):
                vault = None  # checks by ID number then say so, code by code
        engine = init_store(db or st.settings.resolved_database_url())
        try:
            with engine.connect() as conn:
                results = check_codes(
                    conn, codes=wanted, scenario=scenario, on=on, standard=standard, vault=vault
                )
            with transaction(engine) as conn:
                check_id = record_check(
                    conn, clock=clock, principal=Checker.cli(), scenario=scenario, results=results
                )
        finally:
            engine.dispose()
        hits = sum(1 for r in results if r.measures)
        if as_json:
            json_line(
                {
                    "check_id": check_id,
                    "scenario": scenario,
                    "on": on.isoformat(),
                    "codes": len(results),
                    "hits": hits,
                    "results": [r.to_dict() for r in results],
                }
            )
            return
        table = Table(box=None, padding=(0, 2))
        for zh, en in (
            ("代码", "code"),
            ("主体", "subject"),
            ("措施", "measure"),
            ("名单", "list"),
            ("认定部门", "authority"),
            ("适用至", "until"),
        ):
            table.add_column(st.t(zh, en))
        for r in results:
            if not r.found:
                table.add_row(
                    escape(r.code) or "—", escape(r.reason(st.lang) or ""), "", "", "", ""
                )
                continue
            if not r.measures:
                table.add_row(
                    escape(r.code), escape(r.subject_name or ""), st.t("无", "none"), "", "", ""
                )
                continue
            for n, applied in enumerate(r.measures):
                entry = applied.entry
                list_label = (
                    entry.list_def.label(st.lang) if entry.list_def is not None else entry.list_code
                )
                table.add_row(
                    escape(r.code) if n == 0 else "",
                    escape(r.subject_name or "") if n == 0 else "",
                    escape(applied.measure.label(st.lang)),
                    escape(list_label),
                    escape(f"{entry.authority}（{entry.province}）"),
                    applied.until.isoformat() if applied.until else st.t("未定", "open"),
                )
        out.print(table)
        out.print(
            st.t(
                f"核查 {len(results)} 个代码，{hits} 个有适用措施；已记入核查日志（编号 {check_id}）",
                f"{len(results)} codes checked, {hits} with measures; logged as check {check_id}",
            )
        )
