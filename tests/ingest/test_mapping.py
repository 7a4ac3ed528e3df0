"""Sources are data: a new source is a new mapping file, and a broken one is refused at load with
the file and the path inside it named."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from credit_yrd.clock import FixedClock
from credit_yrd.ingest import MappingError, UnknownSourceError, context_for, ingest_file
from credit_yrd.ingest.mapping import available_sources, load_mapping
from credit_yrd.settings import Settings
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.records import latest_contents
from credit_yrd.store.schema import records, sources
from tests.ingest.builders import TODAY, legal_person, penalty_row, source_table, write_csv

SUZHOU = """\
# A department feeding directly: Suzhou market regulation, its own column names, amounts in 元.
code: suzhou_market
name_zh: 苏州市市场监督管理局
name_en: Suzhou market regulation bureau
province: "32"
format: csv
encoding: utf-8
headers: label_zh
amount_unit: 元
amount_fields: [CF_NR_FK]
code_values:
  penalty_type: {FK: 罚款, JG: 警告}
kinds:
  - kind: penalty
    files: ["sz_cf_*.csv"]
    columns: {当事人: CF_XDR_MC, 罚款（元）: CF_NR_FK}
"""


def _settings(settings: Settings, folder: Path) -> Settings:
    return settings.model_copy(update={"sources_dir": folder})


def test_a_new_source_is_a_new_mapping_file(engine, settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "suzhou_market.yaml").write_text(SUZHOU, encoding="utf-8")
    custom = _settings(settings, folder)
    assert "suzhou_market" in available_sources(folder)
    ctx = context_for(engine, "suzhou_market", settings=custom, clock=FixedClock(TODAY))
    party = legal_person(7, "苏州恒达精密机械有限公司", division="320506")
    row = penalty_row(party, 1, CF_CFLB="FK", CF_NR_FK="25000")
    table = source_table(ctx.mapping, "penalty", [row], encode=False)
    assert "当事人" in table.header and "罚款（元）" in table.header
    receipt = ingest_file(ctx, write_csv(tmp_path / "sz_cf_2026-11.csv", table))
    assert (receipt.read, receipt.new, receipt.rejected) == (1, 1, 0)
    with engine.connect() as conn:
        source = conn.execute(select(sources).where(sources.c.code == "suzhou_market")).one()
        record = conn.execute(select(records).where(records.c.source == "suzhou_market")).one()
    assert (source.name_zh, source.province) == ("苏州市市场监督管理局", "32")
    assert record.link_method == "uscc"
    with engine.connect() as conn:
        content = latest_contents(conn, [record.id])[record.id]
    assert content["CF_CFLB"] == ["罚款"]  # the source's own code, mapped
    assert content["CF_NR_FK"] == "2.5"  # 25,000 元 = 2.5 万元


def test_a_file_in_the_sources_folder_overrides_the_built_in_mapping(tmp_path: Path) -> None:
    standard = get_standard()
    assert load_mapping("anhui", standard).name_zh == "安徽省公共信用信息共享服务平台"
    (tmp_path / "anhui.yaml").write_text(
        SUZHOU.replace("code: suzhou_market", "code: anhui"), encoding="utf-8"
    )
    assert load_mapping("anhui", standard, tmp_path).name_zh == "苏州市市场监督管理局"


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (("CF_NR_FK}", "CF_NO_SUCH_FIELD}"), "kinds[0].columns.罚款（元）"),
        (("kind: penalty", "kind: no_such_kind"), "kinds[0].kind"),
        (("FK: 罚款", "FK: 打板子"), "code_values.penalty_type.FK"),
        (("encoding: utf-8", "encoding: klingon-8"), "encoding"),
        (("format: csv", "format: parquet"), "format"),
        (("code: suzhou_market", "code: other_name"), "code"),
    ],
)
def test_a_broken_mapping_names_the_file_and_the_path(
    tmp_path: Path, change: tuple[str, str], path: str
) -> None:
    (tmp_path / "suzhou_market.yaml").write_text(SUZHOU.replace(*change), encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        load_mapping("suzhou_market", get_standard(), tmp_path)
    assert caught.value.file == "suzhou_market.yaml"
    assert caught.value.path == path
    assert "suzhou_market.yaml" in str(caught.value)


def test_an_unknown_source_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(UnknownSourceError) as caught:
        load_mapping("hainan", get_standard(), tmp_path)
    assert "shanghai" in str(caught.value) and "hainan" in str(caught.value)
