"""The ingestion fixtures serve the resolution tests too."""

from tests.ingest.conftest import (  # noqa: F401
    cli_env,
    clock,
    engine,
    inputs,
    make_ctx,
    settings,
    sqlite_template,
)
