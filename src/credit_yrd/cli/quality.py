"""``credit-yrd id quality``: the code-quality report (换码率, 重错码率) over a CSV of subjects."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from rich.markup import escape
from rich.table import Table

from credit_yrd.cli.context import CliState
from credit_yrd.cli.output import fail, json_line, out
from credit_yrd.ids.convert import CodeQualityReport, quality_report


def _read(file: Path, st: CliState) -> pl.DataFrame:
    if not file.is_file():
        fail(f"找不到文件 {file}", f"no such file: {file}", st.lang)
    raw = file.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        fail(
            f"{file} 既不是 UTF-8 也不是 GBK 编码", f"{file} is neither UTF-8 nor GBK text", st.lang
        )
    try:
        return pl.read_csv(text.encode("utf-8"), infer_schema=False)
    except (pl.exceptions.PolarsError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        fail(f"{file} 不是可读的 CSV：{first}", f"{file} is not readable CSV: {first}", st.lang)


def _table(report: CodeQualityReport, st: CliState, title: str) -> Table:
    table = Table(title=title, box=None, padding=(0, 2), title_justify="left")
    table.add_column(st.t("指标", "measure"))
    table.add_column(st.t("值", "value"), justify="right")
    for label, value in report.display_rows(st.lang):
        table.add_row(escape(label), escape(value))
    return table


def run_quality(file: Path, by: str | None, db: str | None, as_json: bool, st: CliState) -> None:
    frame = _read(file, st)
    legacy_map = None
    if db is not None:
        from credit_yrd.store.engine import make_engine
        from credit_yrd.store.legacy import load_map

        engine = make_engine(db)
        with engine.connect() as conn:
            legacy_map = load_map(conn)
    report = quality_report(frame, by=by, legacy_map=legacy_map)
    if as_json:
        json_line(report.to_dict())
        return
    out.print(_table(report, st, st.t(f"代码质量：{file}", f"code quality: {file}")))
    for key, group in report.groups.items():
        out.print(_table(group, st, f"{by} = {key}"))
