"""One generated world shared by the tests of this folder (1,000 subjects: a second or two)."""

from __future__ import annotations

from pathlib import Path

import pytest

from credit_yrd.demo import GenerateOptions, GenerationSummary, generate
from tests.demo.checks import World

SUBJECTS = 1000


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    out = tmp_path_factory.mktemp("world")
    summary = generate(out, GenerateOptions(subjects=SUBJECTS, seed=7))
    return out, summary


@pytest.fixture(scope="session")
def world(generated: tuple[Path, GenerationSummary]) -> World:
    return World(generated[0])
