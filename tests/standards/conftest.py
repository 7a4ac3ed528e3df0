from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from credit_yrd.standards import Standard, get_standard
from credit_yrd.standards.loader import DATA_DIR

SHIPPED = "v2026.1"


@pytest.fixture(scope="session")
def standard() -> Standard:
    return get_standard(SHIPPED)


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped version folder, to break or extend."""
    target = tmp_path / SHIPPED
    shutil.copytree(DATA_DIR / SHIPPED, target)
    return target


@pytest.fixture
def edit(data_copy: Path) -> Callable[[str, str, str], None]:
    """Replace one exact piece of text in a file of the copied standard."""

    def _edit(rel: str, old: str, new: str) -> None:
        path = data_copy / rel
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} must occur once in {rel}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    return _edit
