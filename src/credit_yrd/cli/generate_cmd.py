"""``credit-yrd generate``: write the synthetic Yangtze River Delta (four provincial sources and the
ground truth) into a folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from credit_yrd.cli.context import CliState, state
from credit_yrd.cli.output import fail, json_line, out

MIN_SUBJECTS = 100
MAX_SUBJECTS = 1_000_000

STAGES = {
    "world": ("构建主体与自然人", "building subjects and persons"),
    "truth": ("写出真值", "writing the ground truth"),
}
DEFECT_LABELS = {
    "bad_check_character": ("校验码错误", "bad check character"),
    "impossible_date": ("不存在的日期", "impossible date"),
    "missing_required": ("缺少必填项", "missing required field"),
    "name_variant": ("名称写法不同", "name variant"),
    "duplicate_row": ("重复行", "duplicate row"),
    "withdrawal": ("撤销（补发文件）", "withdrawal (re-send file)"),
    "correction": ("更正（补发文件）", "correction (re-send file)"),
    "resend_duplicate": ("原样重发（补发文件）", "unchanged re-send (re-send file)"),
    "legacy_only": ("仅有旧代码（可换码）", "legacy code only (mapped)"),
    "unmapped_legacy_code": ("仅有旧代码（无对照）", "legacy code only (unmapped)"),
    "operator_id_only": ("仅有经营者身份证号", "operator's ID number only"),
}


def _not_empty(path: Path) -> bool:
    return path.exists() and (not path.is_dir() or any(path.iterdir()))


def _print_summary(st: CliState, summary: object, out_dir: Path) -> None:
    from credit_yrd.demo import GenerationSummary

    assert isinstance(summary, GenerationSummary)
    out.print(
        st.t(
            f"已生成：{summary.subjects:,} 个主体、{summary.persons:,} 名自然人、"
            f"{summary.records:,} 行记录，用时 {summary.elapsed_seconds:.1f} 秒，"
            f"写入 {escape(str(out_dir))}",
            f"generated {summary.subjects:,} subjects, {summary.persons:,} persons and "
            f"{summary.records:,} record rows in {summary.elapsed_seconds:.1f} s "
            f"into {escape(str(out_dir))}",
        )
    )
    table = Table(box=None, padding=(0, 2))
    table.add_column(st.t("来源", "source"))
    table.add_column(st.t("格式", "format"))
    table.add_column(st.t("文件", "files"), justify="right")
    table.add_column(st.t("行数", "rows"), justify="right")
    table.add_column(st.t("预期拒收", "expected rejected"), justify="right")
    for code, source in summary.sources.items():
        files = {(f.file, f.sheet) for f in source.files}
        table.add_row(
            code,
            f"{source.format} ({source.encoding})",
            f"{len({name for name, _ in files}):,}",
            f"{source.rows:,}",
            f"{source.expected_rejected:,}",
        )
    out.print(table)
    if summary.defects:
        defects = Table(box=None, padding=(0, 2))
        defects.add_column(st.t("真值条目", "ground-truth entries"))
        defects.add_column(st.t("条数", "count"), justify="right")
        for name, count in summary.defects.items():
            label = st.t(*DEFECT_LABELS[name]) if name in DEFECT_LABELS else name
            defects.add_row(escape(label), f"{count:,}")
        out.print(defects)
    out.print(
        st.t(
            f"真值见 {escape(str(out_dir / 'truth'))}（defects.jsonl、summary.json、subjects.csv）",
            f"ground truth in {escape(str(out_dir / 'truth'))} "
            "(defects.jsonl, summary.json, subjects.csv)",
        )
    )


def register(app: typer.Typer) -> None:
    @app.command("generate")
    def generate_cmd(
        ctx: typer.Context,
        out_dir: Annotated[
            Path, typer.Option("--out", help="输出文件夹 (output folder)", show_default=False)
        ],
        subjects: Annotated[
            int,
            typer.Option(
                "--subjects",
                help=f"主体数量，{MIN_SUBJECTS}–{MAX_SUBJECTS:,} (number of subjects)",
            ),
        ] = 20_000,
        seed: Annotated[int, typer.Option("--seed", help="随机种子 (seed)")] = 1,
        as_of: Annotated[
            str | None,
            typer.Option("--as-of", help="基准日 YYYY-MM-DD，缺省 2026-10-31 (the world's today)"),
        ] = None,
        no_defects: Annotated[
            bool, typer.Option("--no-defects", help="不注入缺陷 (perfectly clean data)")
        ] = False,
        force: Annotated[
            bool,
            typer.Option(
                "--force",
                help="文件夹非空时也写入，替换其中的 shanghai、jiangsu、zhejiang、anhui、truth "
                "(write into a non-empty folder, replacing those five sub-folders)",
            ),
        ] = False,
        as_json: Annotated[
            bool,
            typer.Option("--json", help="以一个 JSON 对象输出摘要 (print the summary as JSON)"),
        ] = False,
    ) -> None:
        """生成合成的长三角数据：四省市来源文件与真值 (generate the synthetic Yangtze River Delta:
        the four provincial sources and the ground truth)."""
        from credit_yrd.demo import GenerateOptions, generate
        from credit_yrd.standards import get_standard

        st = state(ctx)
        if not MIN_SUBJECTS <= subjects <= MAX_SUBJECTS:
            fail(
                f"--subjects 应在 {MIN_SUBJECTS} 到 {MAX_SUBJECTS:,} 之间，实为 {subjects:,}",
                f"--subjects must lie between {MIN_SUBJECTS} and {MAX_SUBJECTS:,}, "
                f"got {subjects:,}",
                st.lang,
            )
        day = GenerateOptions.as_of
        if as_of is not None:
            try:
                day = dt.date.fromisoformat(as_of)
            except ValueError:
                fail(
                    f"--as-of 应为 YYYY-MM-DD 形式的日期，实为 {as_of!r}",
                    f"--as-of must be a date written YYYY-MM-DD, got {as_of!r}",
                    st.lang,
                )
        if out_dir.exists() and not out_dir.is_dir():
            fail(f"{out_dir} 不是文件夹", f"{out_dir} is not a folder", st.lang)
        if _not_empty(out_dir) and not force:
            fail(
                f"文件夹 {out_dir} 非空；加 --force 替换其中的来源与真值子文件夹",
                f"folder {out_dir} is not empty; add --force to replace its source and truth "
                "sub-folders",
                st.lang,
            )
        options = GenerateOptions(subjects=subjects, seed=seed, as_of=day, defects=not no_defects)
        options.check()
        if as_json:
            summary = generate(out_dir, options)
            json_line(
                {
                    "out": str(out_dir),
                    "elapsed_seconds": round(summary.elapsed_seconds, 3),
                    **summary.to_dict(),
                }
            )
            return
        kinds = get_standard().record_kinds
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=out,
            transient=False,
        )
        tasks: dict[str, TaskID] = {}

        def report(label: str, done: int, total: int) -> None:
            if label not in tasks:
                if label in kinds:
                    text = kinds[label].label(st.lang)
                else:
                    text = st.t(*STAGES.get(label, (label, label)))
                tasks[label] = progress.add_task(escape(text), total=total)
            progress.update(tasks[label], completed=done, total=total)

        with progress:
            summary = generate(out_dir, options, report)
        _print_summary(st, summary, out_dir)
