"""Top-level commands that set up and serve a store: ``init``, ``settings``, ``serve``, ``demo``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from credit_yrd.cli.context import CliState, state
from credit_yrd.cli.output import out
from credit_yrd.settings import Settings

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="数据库地址，缺省取 CREDIT_YRD_DATABASE_URL 或本地 SQLite (database URL)"
    ),
]


def _shown_url(url: str) -> str:
    """A database URL fit to print: the password hidden (an unparsable URL is not shown)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "（无法解析的地址 unparsable URL）"


def _init(st: CliState, db: str | None) -> str:
    from credit_yrd.store.migrate import current_revision, init_store

    url = db or st.settings.resolved_database_url()
    engine = init_store(url)
    try:
        revision = current_revision(engine)
    finally:
        engine.dispose()
    shown = _shown_url(url)
    out.print(
        st.t(
            f"存储已就绪：{escape(shown)}（架构版本 {revision}）",
            f"store ready: {escape(shown)} (schema revision {revision})",
        )
    )
    return url


def register(app: typer.Typer) -> None:
    @app.command("init")
    def init(ctx: typer.Context, db: DbOption = None) -> None:
        """创建或升级存储；可重复执行 (create or upgrade the store; safe to run again)."""
        _init(state(ctx), db)

    @app.command("settings")
    def settings_cmd(ctx: typer.Context) -> None:
        """列出全部设置及当前取值 (list every setting and the value in force)."""
        st = state(ctx)
        table = Table(box=None, padding=(0, 2))
        table.add_column(st.t("环境变量", "environment variable"))
        table.add_column(st.t("当前值", "value"))
        table.add_column(st.t("说明", "meaning"))
        for name, field in Settings.model_fields.items():
            value = getattr(st.settings, name)
            if name == "secret_key" and value:
                value = "********"
            elif name == "database_url" and value:
                value = _shown_url(value)
            table.add_row(
                f"CREDIT_YRD_{name.upper()}", escape(str(value)), escape(field.description or "")
            )
        out.print(table)

    @app.command("serve")
    def serve(
        ctx: typer.Context,
        host: Annotated[str | None, typer.Option("--host", help="监听地址 (address)")] = None,
        port: Annotated[int | None, typer.Option("--port", help="端口 (port)")] = None,
    ) -> None:
        """启动服务 (serve the API; docs at /docs)."""
        import uvicorn

        from credit_yrd.api.app import create_app

        st = state(ctx)
        h, p = host or st.settings.host, port or st.settings.port
        out.print(st.t(f"服务地址 http://{h}:{p}/docs", f"serving on http://{h}:{p}/docs"))
        uvicorn.run(create_app(st.settings), host=h, port=p, log_level="info")

    @app.command("demo")
    def demo(
        ctx: typer.Context,
        serve_it: Annotated[
            bool, typer.Option("--serve/--no-serve", help="完成后启动服务 (serve afterwards)")
        ] = True,
        db: DbOption = None,
        subjects: Annotated[
            int,
            typer.Option("--subjects", min=100, max=1_000_000, help="模拟主体数 (subjects)"),
        ] = 20_000,
        seed: Annotated[int, typer.Option("--seed", help="随机种子 (seed)")] = 1,
    ) -> None:
        """演示：生成长三角模拟数据，导入四省市并启动服务 (demo: generate, ingest, serve)."""
        from credit_yrd.cli.demo_cmd import run_demo

        st = state(ctx)
        url = _init(st, db)
        run_demo(st, url, subjects=subjects, seed=seed)
        h, p = st.settings.host, st.settings.port
        out.print(
            st.t(
                f"完成。门户 http://{h}:{p}/ ，接口文档 http://{h}:{p}/docs ；"
                "命令行：credit-yrd review list、credit-yrd report codes",
                f"done. Portal http://{h}:{p}/ , API docs http://{h}:{p}/docs ; "
                "CLI: credit-yrd review list, credit-yrd report codes",
            )
        )
        if serve_it:
            serve(ctx, None, None)
