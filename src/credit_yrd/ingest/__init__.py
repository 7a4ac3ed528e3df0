"""Ingestion: source mappings, streaming readers, validation, receipts and quarantine.

Entry point::

    ctx = context_for(engine, "anhui", settings=settings)
    files, skipped = expand_inputs([Path("world/anhui")], ctx.mapping)
    receipts = [ingest_file(ctx, f) for f in files]
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from credit_yrd.clock import SYSTEM_CLOCK, Clock
from credit_yrd.ingest.errors import InputFileError, MappingError, UnknownSourceError
from credit_yrd.ingest.mapping import SourceMapping, available_sources, load_mapping
from credit_yrd.ingest.pipeline import IngestContext, Progress, expand_inputs, ingest_file
from credit_yrd.ingest.receipt import Receipt
from credit_yrd.privacy import PersonalDataVault
from credit_yrd.settings import Settings, get_settings
from credit_yrd.standards.loader import get_standard


def context_for(
    engine: Engine,
    source: str,
    *,
    settings: Settings | None = None,
    clock: Clock = SYSTEM_CLOCK,
    progress: Progress | None = None,
) -> IngestContext:
    """An ingestion context for a source, from the settings (standard, key, folders)."""
    settings = settings or get_settings()
    standard = get_standard(settings.standard_version)
    mapping = load_mapping(source, standard, settings.resolved_sources_dir())
    return IngestContext(
        engine=engine,
        mapping=mapping,
        standard=standard,
        vault=PersonalDataVault.from_settings(settings),
        quarantine_dir=settings.quarantine_dir(),
        clock=clock,
        progress=progress,
    )


def ingest_paths(
    engine: Engine,
    paths: list[Path],
    source: str,
    *,
    settings: Settings | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> list[Receipt]:
    """Ingest files and folders for a source, one batch per file; returns the receipts."""
    ctx = context_for(engine, source, settings=settings, clock=clock)
    files, _ = expand_inputs(paths, ctx.mapping)
    return [ingest_file(ctx, path) for path in files]


__all__ = [
    "IngestContext",
    "InputFileError",
    "MappingError",
    "Receipt",
    "SourceMapping",
    "UnknownSourceError",
    "available_sources",
    "context_for",
    "expand_inputs",
    "ingest_file",
    "ingest_paths",
    "load_mapping",
]
