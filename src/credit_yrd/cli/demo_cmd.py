"""``credit-yrd demo``: a generated Yangtze River Delta, ingested from all four provinces, served.

On a fresh installation: the store is created, a world of about 20,000 subjects is generated into
``<data_dir>/world`` (once; later runs reuse it), each province's folder is ingested with progress
bars and receipts (a re-run finds every file already accepted and writes nothing), and the server
starts on the configured host and port.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from credit_yrd.cli.context import CliState
from credit_yrd.cli.output import out

PROVINCES = ("shanghai", "jiangsu", "zhejiang", "anhui")
DEMO_SUBJECTS = 20_000


def world_dir(st: CliState) -> Path:
    return st.settings.data_dir / "world"


def ensure_world(st: CliState, subjects: int, seed: int) -> Path:
    """Generate the demo world unless it is already there; returns its folder."""
    from credit_yrd.demo import GenerateOptions, generate

    folder = world_dir(st)
    if (folder / "truth" / "summary.json").is_file():
        out.print(
            st.t(
                f"使用已生成的长三角模拟数据：{escape(str(folder))}",
                f"using the generated Yangtze River Delta in {escape(str(folder))}",
            )
        )
        return folder
    started = time.monotonic()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=out,
        transient=True,
    ) as bars:
        tasks: dict[str, Any] = {}

        def progress(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bars.add_task(escape(label), total=total or None)
            bars.update(tasks[label], completed=done, total=total or None)

        generate(folder, GenerateOptions(subjects=subjects, seed=seed), progress)
    out.print(
        st.t(
            f"已生成长三角模拟数据（{subjects} 个主体，种子 {seed}，用时 "
            f"{time.monotonic() - started:.0f} 秒）：{escape(str(folder))}",
            f"generated the Yangtze River Delta ({subjects} subjects, seed {seed}, "
            f"{time.monotonic() - started:.0f} s): {escape(str(folder))}",
        )
    )
    return folder


def ingest_world(st: CliState, engine: Any, folder: Path) -> None:
    """Ingest every province's folder of the world, printing one receipt per batch."""
    from credit_yrd.cli.ingest_cmd import run_ingest

    for source in PROVINCES:
        out.print(st.t(f"[bold]导入 {source}[/]", f"[bold]ingesting {source}[/]"))
        run_ingest(st, engine, [folder / source], source, as_json=False)


def run_demo(st: CliState, url: str, *, subjects: int, seed: int) -> None:
    from credit_yrd.store.migrate import init_store

    folder = ensure_world(st, subjects, seed)
    engine = init_store(url)
    try:
        ingest_world(st, engine, folder)
    finally:
        engine.dispose()
