"""A small Shanghai penalty file (行政处罚) built from the source mapping and the standard.

The header is the Chinese labels the Shanghai mapping reads, in the record kind's field order; rows
are valid per the standard unless asked otherwise (``bad_check``: the party's USCC has a wrong
18th character, and nothing else is wrong).
"""

from __future__ import annotations

import csv
import io

from credit_yrd.ids import org_code, uscc
from credit_yrd.ingest.mapping import load_mapping
from credit_yrd.standards.loader import get_standard

FILE_NAME = "2025_行政处罚.csv"


def make_uscc(n: int, *, prefix: str = "91", division: str = "310115") -> str:
    body = f"{n:08d}"
    first17 = prefix + division + body + org_code.calc_check_character(body)
    return first17 + uscc.calc_check_character(first17)


def wrong_check(code: str) -> str:
    return code[:-1] + next(c for c in uscc.ALPHABET if c != code[-1])


AUTHORITY = "上海市市场监督管理局"
AUTHORITY_USCC = make_uscc(42500001, prefix="11", division="310000")


def penalty_row(n: int, *, bad_check: bool = False) -> dict[str, str]:
    party = make_uscc(10_000_000 + n)
    return {
        "CF_WSH": f"沪市监罚〔2025〕{n}号",
        "CF_XDR_MC": f"上海测试{n}贸易有限公司",
        "CF_XDR_LB": "法人及非法人组织",
        "CF_XDR_SHXYM": wrong_check(party) if bad_check else party,
        "CF_FRDB": "张三",
        "CF_WFXW": "发布虚假广告",
        "CF_SY": "当事人在其网站发布虚假广告",
        "CF_YJ": "《中华人民共和国广告法》第五十五条",
        "CF_CFLB": "罚款",
        "CF_NR": "罚款人民币一万元",
        "CF_NR_FK": "1",
        "CF_JDRQ": "2025-03-01",
        "CF_CFJG": AUTHORITY,
        "CF_CFJGDM": AUTHORITY_USCC,
        "CF_SJLY": AUTHORITY,
        "CF_SJLYDM": AUTHORITY_USCC,
    }


def penalty_csv(rows: list[dict[str, str]], *, extra: str = "") -> bytes:
    """The rows as Shanghai writes them: UTF-8 CSV under the fields' Chinese labels."""
    standard = get_standard()
    header = load_mapping("shanghai", standard).header_for("penalty")
    codes = [f.code for f in standard.record_kinds["penalty"].fields if f.code in header]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([header[code] for code in codes])
    for row in rows:
        writer.writerow([row.get(code, "") for code in codes])
    return (buffer.getvalue() + extra).encode("utf-8")


def sample_file(first: int = 1, good: int = 2, bad: int = 1) -> bytes:
    """``good`` valid rows, then ``bad`` rows with a wrong check character."""
    rows = [penalty_row(first + i) for i in range(good)]
    rows += [penalty_row(first + good + i, bad_check=True) for i in range(bad)]
    return penalty_csv(rows)
