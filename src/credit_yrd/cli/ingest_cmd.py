"""``credit-yrd ingest`` (files and folders from a source) and ``credit-yrd review`` (the queue of
records whose subject could not be determined for sure)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from credit_yrd.cli.context import CliState, state
from credit_yrd.cli.output import err, json_line, out
from credit_yrd.ingest.receipt import Receipt

review_app = typer.Typer(
    help="主体复核队列：无法确定主体的记录 (review queue: records without a certain subject).",
    no_args_is_help=True,
)


def _engine(st: CliState) -> Any:
    from credit_yrd.store.migrate import init_store

    return init_store(st.settings.resolved_database_url())


def print_receipt(st: CliState, receipt: Receipt) -> None:
    """A receipt in human form: one line of counts, then where the rejected rows are."""
    if receipt.status == "duplicate":
        out.print(
            st.t(
                f"[bold]{escape(receipt.file)}[/]：与批次 {receipt.duplicate_of} 内容相同，未写入任何数据",
                f"[bold]{escape(receipt.file)}[/]: same content as batch {receipt.duplicate_of}; "
                "nothing written",
            )
        )
        return
    out.print(
        st.t(
            f"[bold]{escape(receipt.file)}[/] 批次 {receipt.batch_id}：读取 {receipt.read}，"
            f"接收 {receipt.accepted}（新增 {receipt.new}，变更 {receipt.changed}，"
            f"未变 {receipt.unchanged}），拒收 {receipt.rejected}，待复核 {receipt.unresolved}",
            f"[bold]{escape(receipt.file)}[/] batch {receipt.batch_id}: read {receipt.read}, "
            f"accepted {receipt.accepted} (new {receipt.new}, changed {receipt.changed}, "
            f"unchanged {receipt.unchanged}), rejected {receipt.rejected}, "
            f"unresolved {receipt.unresolved}",
        )
    )
    if receipt.quarantine:
        rules = ", ".join(f"{rule} {n}" for rule, n in receipt.rules.most_common())
        out.print(
            st.t(
                f"  拒收行及原因：{escape(receipt.quarantine)}（{escape(rules)}）",
                f"  rejected rows and reasons: {escape(receipt.quarantine)} ({escape(rules)})",
            )
        )


def run_ingest(
    st: CliState,
    engine: Any,
    paths: list[Path],
    source: str,
    *,
    as_json: bool,
    reprocess: bool = False,
) -> tuple[list[Receipt], int]:
    """Ingest files and folders of one source, with progress bars in human mode; returns the
    receipts and how many files were refused whole (each refusal is printed, and the other files
    are still ingested)."""
    from credit_yrd.ingest import context_for, expand_inputs

    ctx = context_for(engine, source, settings=st.settings)
    ctx.reprocess = reprocess
    files, skipped = expand_inputs(paths, ctx.mapping)
    for path in skipped:
        err.print(
            st.t(
                f"[yellow]跳过[/] {escape(str(path))}：映射文件（{source}）未描述此文件",
                f"[yellow]skipped[/] {escape(str(path))}: the mapping of {source} does not "
                "describe this file",
            )
        )
    receipts: list[Receipt] = []
    refused = 0
    if as_json:
        for path in files:
            receipt = _one_file(st, ctx, path, as_json=True)
            if receipt is None:
                refused += 1
                continue
            receipts.append(receipt)
            json_line(receipt.to_dict())
        return receipts, refused
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn(st.t("{task.completed} 行", "{task.completed} rows")),
        TimeElapsedColumn(),
        console=out,
        transient=True,
    ) as bars:
        for path in files:
            task = bars.add_task(escape(f"{source}/{path.name}"), total=None)

            def advance(_file: str, done: int, task: Any = task) -> None:
                bars.update(task, completed=done)

            ctx.progress = advance
            receipt = _one_file(st, ctx, path, as_json=False)
            if receipt is None:
                refused += 1
                bars.remove_task(task)
                continue
            bars.update(task, total=receipt.read, completed=receipt.read)
            receipts.append(receipt)
            print_receipt(st, receipt)
    return receipts, refused


def _one_file(st: CliState, ctx: Any, path: Path, *, as_json: bool) -> Receipt | None:
    """One file's receipt; a file refused whole is reported (one line, or one JSON object with
    ``status: refused``) and gives ``None``, so the other files of a folder still go in."""
    from credit_yrd.ingest import InputFileError, ingest_file

    try:
        return ingest_file(ctx, path)
    except InputFileError as exc:
        if as_json:
            json_line(
                {
                    "source": ctx.mapping.code,
                    "file": path.name,
                    "status": "refused",
                    "error": str(exc),
                    "error_zh": exc.message_zh,
                    "error_en": exc.message_en,
                }
            )
        else:
            err.print(f"[bold red]{st.t('拒收整个文件', 'file refused')}:[/] {escape(str(exc))}")
        return None


def register(app: typer.Typer) -> None:
    @app.command("ingest")
    def ingest(
        ctx: typer.Context,
        paths: Annotated[
            list[Path],
            typer.Argument(help="文件或目录（目录取映射描述的全部文件）(files or folders)"),
        ],
        source: Annotated[str, typer.Option("--source", help="来源代码，如 jiangsu (source code)")],
        as_json: Annotated[
            bool,
            typer.Option("--json", help="每个批次输出一行 JSON 回执 (one JSON receipt per batch)"),
        ] = False,
        reprocess: Annotated[
            bool,
            typer.Option(
                "--reprocess",
                help="已接收过的相同文件也重新读取（如修正映射后）(read again files already accepted)",
            ),
        ] = False,
    ) -> None:
        """导入来源数据，每个文件一个批次并给出回执 (ingest files, one batch and receipt per file)."""
        st = state(ctx)
        engine = _engine(st)
        try:
            _, refused = run_ingest(st, engine, paths, source, as_json=as_json, reprocess=reprocess)
        finally:
            engine.dispose()
        if refused:
            raise typer.Exit(2)

    app.add_typer(review_app, name="review")


@review_app.command("list")
def review_list(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Option("--source", help="只看此来源 (one source)")] = None,
    status: Annotated[
        str, typer.Option("--status", help="open / linked / rejected / all")
    ] = "open",
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines 输出")] = False,
) -> None:
    """列出复核事项 (list review items)."""
    from credit_yrd.resolve import REVIEW_REASONS, list_items

    st = state(ctx)
    engine = _engine(st)
    try:
        with engine.connect() as conn:
            items = list_items(
                conn, status=None if status == "all" else status, source=source, limit=limit
            )
    finally:
        engine.dispose()
    if as_json:
        for item in items:
            json_line(item)
        return
    if not items:
        out.print(st.t("没有复核事项", "no review items"))
        return
    table = Table(box=None, padding=(0, 2))
    for zh, en in (
        ("编号", "id"),
        ("来源", "source"),
        ("类别", "kind"),
        ("原因", "reason"),
        ("名称", "name"),
        ("候选", "candidates"),
        ("状态", "status"),
    ):
        table.add_column(st.t(zh, en))
    for item in items:
        reason = REVIEW_REASONS.get(item["reason"], (item["reason"], item["reason"]))
        table.add_row(
            str(item["id"]),
            item["source"],
            item["kind"],
            escape(st.t(*reason)),
            escape(str((item["party"] or {}).get("name") or "")),
            escape(", ".join(str(c) for c in item["candidates"] or [])),
            item["status"],
        )
    out.print(table)


@review_app.command("link")
def review_link(
    ctx: typer.Context,
    item_id: Annotated[int, typer.Argument(help="复核事项编号 (review item id)")],
    subject: Annotated[
        str,
        typer.Argument(help="主体的统一社会信用代码、旧代码或主体编号 (USCC, legacy code or id)"),
    ],
    by: Annotated[str, typer.Option("--by", help="复核人 (who decides)")] = "cli",
    note: Annotated[str | None, typer.Option("--note", help="说明 (note)")] = None,
) -> None:
    """将记录关联到主体 (link the item's record to a subject)."""
    from credit_yrd.resolve import link_item
    from credit_yrd.store.engine import transaction

    st = state(ctx)
    engine = _engine(st)
    try:
        with transaction(engine) as conn:
            subject_id = link_item(conn, item_id, subject, decided_by=by, note=note)
    finally:
        engine.dispose()
    out.print(
        st.t(
            f"复核事项 {item_id} 已关联到主体 {subject_id}",
            f"review item {item_id} linked to subject {subject_id}",
        )
    )


@review_app.command("reject")
def review_reject(
    ctx: typer.Context,
    item_id: Annotated[int, typer.Argument(help="复核事项编号 (review item id)")],
    note: Annotated[str, typer.Option("--note", help="理由（必填）(reason, required)")],
    by: Annotated[str, typer.Option("--by", help="复核人 (who decides)")] = "cli",
) -> None:
    """驳回复核事项，记录保持未关联 (close the item without a link)."""
    from credit_yrd.resolve import reject_item
    from credit_yrd.store.engine import transaction

    st = state(ctx)
    engine = _engine(st)
    try:
        with transaction(engine) as conn:
            reject_item(conn, item_id, decided_by=by, note=note)
    finally:
        engine.dispose()
    out.print(st.t(f"复核事项 {item_id} 已驳回", f"review item {item_id} rejected"))
