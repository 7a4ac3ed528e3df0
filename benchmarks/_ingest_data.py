"""Synthetic Shanghai CSV files for the ingestion benchmarks (shared by ``bench_ingest*.py``).

Rows are valid per the regional standard (``record_kinds/penalty.yaml`` and ``license.yaml``):
every required and conditionally required field is filled, identifiers carry correct check
characters, code values are the ones the code lists know, dates are real and not in the future.
Parties come from a precomputed pool of about ``rows / 5`` subjects (so records repeat subjects):
mostly enterprises (USCC ``91`` + a Shanghai county division + a GB 11714 organisation code),
some individual businesses (``92``) and some natural persons (resident ID card). Document numbers
carry the row number, so every row is a new record.

Columns are the Shanghai mapping's Chinese labels, in the record kind's field order; files are
named ``bench_行政处罚.csv`` and ``bench_行政许可.csv`` to match the mapping's file patterns.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from credit_yrd.ids import org_code, resident_id, uscc
from credit_yrd.ingest.mapping import load_mapping
from credit_yrd.standards.loader import get_standard

PENALTY_FILE = "bench_行政处罚.csv"
LICENSE_FILE = "bench_行政许可.csv"

#: Shanghai county-level divisions (GB/T 2260, in use).
COUNTIES = {
    "310101": "黄浦",
    "310104": "徐汇",
    "310105": "长宁",
    "310106": "静安",
    "310107": "普陀",
    "310109": "虹口",
    "310110": "杨浦",
    "310112": "闵行",
    "310113": "宝山",
    "310114": "嘉定",
    "310115": "浦东",
    "310116": "金山",
    "310117": "松江",
    "310118": "青浦",
    "310120": "奉贤",
    "310151": "崇明",
}
_TRADES = [
    "商贸",
    "科技",
    "餐饮管理",
    "建筑工程",
    "物流",
    "医药",
    "食品",
    "电子",
    "文化传媒",
    "环保",
]
_WORDS = ["华", "申", "浦", "瑞", "鑫", "恒", "泰", "嘉", "盛", "隆", "安", "达", "新", "锦", "宏"]
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
_DEPTS = [
    ("市场监督管理局", "市监", "市场监管"),
    ("生态环境局", "环", "生态环境"),
    ("交通委员会", "交", "交通运输"),
    ("文化和旅游局", "文旅", "文化和旅游"),
    ("人力资源和社会保障局", "人社", "人力资源和社会保障"),
]
_VIOLATIONS = [
    ("销售不符合食品安全标准的食品", "《中华人民共和国食品安全法》第一百二十四条第一款"),
    ("未按规定公示年度报告", "《企业信息公示暂行条例》第十八条"),
    ("超标排放大气污染物", "《中华人民共和国大气污染防治法》第九十九条第二项"),
    ("发布虚假广告", "《中华人民共和国广告法》第五十五条第一款"),
    ("未依法取得许可从事经营活动", "《无证无照经营查处办法》第十三条"),
    ("拖欠劳动者劳动报酬", "《保障农民工工资支付条例》第五十七条"),
]
_LICENCES = [
    ("食品经营许可证", "食品销售经营者（预包装食品销售）"),
    ("排污许可证", "排放大气污染物、水污染物"),
    ("道路运输经营许可证", "道路普通货物运输"),
    ("建筑业企业资质证书", "建筑工程施工总承包叁级"),
    ("医疗器械经营许可证", "第三类医疗器械经营"),
]


@dataclass(frozen=True)
class Subject:
    name: str
    party_type: str  # 法人及非法人组织 / 个体工商户 / 自然人
    uscc: str  # "" for natural persons
    representative: str  # legal representative or operator ("" for persons)
    document_no: str  # resident ID ("" for organisations)
    county: str


@dataclass(frozen=True)
class Authority:
    name: str
    short: str
    uscc: str
    domain: str  # as Shanghai writes it: the code list label
    county: str


def make_uscc(prefix: str, division: str, serial: int) -> str:
    body = f"{serial % 100_000_000:08d}"
    first17 = prefix + division + body + org_code.calc_check_character(body)
    return first17 + uscc.calc_check_character(first17)


def make_resident_id(division: str, born: dt.date, serial: int) -> str:
    first17 = f"{division}{born:%Y%m%d}{serial % 1000:03d}"
    return first17 + resident_id.calc_check_character(first17)


def _person_name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.choice((1, 2))))


def subject_pool(count: int, seed: int) -> list[Subject]:
    """``count`` distinct subjects: 85 % enterprises, 10 % individual businesses, 5 % persons."""
    rng = random.Random(seed)
    counties = list(COUNTIES)
    pool: list[Subject] = []
    for i in range(count):
        county = counties[i % len(counties)]
        roll = rng.random()
        if roll < 0.85:
            name = (
                f"上海{COUNTIES[county]}{''.join(rng.choices(_WORDS, k=2))}"
                f"{rng.choice(_TRADES)}有限公司第{i}分公司"
            )
            pool.append(
                Subject(
                    name,
                    "法人及非法人组织",
                    make_uscc("91", county, 10_000_000 + i),
                    _person_name(rng),
                    "",
                    county,
                )
            )
        elif roll < 0.95:
            operator = _person_name(rng)
            pool.append(
                Subject(
                    f"{COUNTIES[county]}区{operator}{rng.choice(_TRADES)}经营部{i}",
                    "个体工商户",
                    make_uscc("92", county, 50_000_000 + i),
                    operator,
                    "",
                    county,
                )
            )
        else:
            born = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(15_000))
            pool.append(
                Subject(
                    _person_name(rng), "自然人", "", "", make_resident_id(county, born, i), county
                )
            )
    return pool


def authorities() -> list[Authority]:
    """One authority per (county, department): 机关 USCCs (``11`` + division)."""
    found = []
    serial = 0
    for county, short_county in COUNTIES.items():
        for dept, short, domain in _DEPTS:
            serial += 1
            found.append(
                Authority(
                    f"上海市{short_county}区{dept}",
                    f"{short_county}{short}",
                    make_uscc("11", county, 90_000_000 + serial),
                    domain,
                    county,
                )
            )
    return found


def _headers(kind: str) -> list[str]:
    standard = get_standard()
    mapping = load_mapping("shanghai", standard)
    header = mapping.header_for(kind)
    return [header[f.code] for f in standard.record_kinds[kind].fields]


def _codes(kind: str) -> list[str]:
    return [f.code for f in get_standard().record_kinds[kind].fields]


_DAYS = 2_000  # decision dates from 2021-01-01 on (all before "today")
_EPOCH = dt.date(2021, 1, 1)
_DATES = [(_EPOCH + dt.timedelta(days=d)).isoformat() for d in range(_DAYS)]
_UNTIL = [(_EPOCH + dt.timedelta(days=d + 5 * 365)).isoformat() for d in range(_DAYS)]


def _party_cells(s: Subject, prefix: str) -> dict[str, str]:
    cells = {
        f"{prefix}_XDR_MC": s.name,
        f"{prefix}_XDR_LB": s.party_type,
        f"{prefix}_XDR_SHXYM": s.uscc,
    }
    if s.party_type == "自然人":
        cells[f"{prefix}_XDR_ZJLX"] = "身份证"
        cells[f"{prefix}_XDR_ZJHM"] = s.document_no
    else:
        cells[f"{prefix}_FRDB"] = s.representative
    return cells


def penalty_rows(n: int, pool: list[Subject], seed: int, start: int = 0) -> Iterator[list[str]]:
    """``n`` valid penalty rows (cells in the kind's field order)."""
    rng = random.Random(seed)
    auths = authorities()
    codes = _codes("penalty")
    position = {code: i for i, code in enumerate(codes)}
    empty = [""] * len(codes)
    for i in range(start, start + n):
        s = pool[rng.randrange(len(pool))]
        a = auths[rng.randrange(len(auths))]
        violation, basis = _VIOLATIONS[i % len(_VIOLATIONS)]
        day = rng.randrange(_DAYS)
        roll = rng.random()
        cells = _party_cells(s, "CF")
        if roll < 0.25:
            types, content = "警告", "给予警告"
        elif roll < 0.85:
            fine = rng.randrange(1, 2000) / 100
            types, content = "罚款", f"罚款人民币{fine:.2f}万元"
            cells["CF_NR_FK"] = f"{fine:.2f}"
        else:
            fine = rng.randrange(1, 500) / 100
            gains = rng.randrange(1, 300) / 100
            types = "罚款;没收违法所得"
            content = f"没收违法所得{gains:.2f}万元，并处罚款{fine:.2f}万元"
            cells["CF_NR_FK"] = f"{fine:.2f}"
            cells["CF_NR_WFFF"] = f"{gains:.2f}"
        cells.update(
            {
                "CF_WSH": f"{a.short}罚〔{2021 + day // 365}〕{i + 1}号",
                "CF_WFXW": violation,
                "CF_SY": f"经查，当事人{s.name}存在{violation}的违法行为，事实清楚，证据确凿。",
                "CF_YJ": basis,
                "CF_CFLB": types,
                "CF_NR": content,
                "CF_JDRQ": _DATES[day],
                "CF_YXQ": _UNTIL[day],
                "CF_CFJG": a.name,
                "CF_CFJGDM": a.uscc,
                "CF_SJLY": a.name,
                "CF_SJLYDM": a.uscc,
                "CF_AJCXLB": "简易程序" if roll < 0.25 else "一般程序",
                "CF_GSZT": "正常",
                "CF_SSLY": a.domain,
            }
        )
        row = empty.copy()
        for code, value in cells.items():
            row[position[code]] = value
        yield row


def license_rows(n: int, pool: list[Subject], seed: int, start: int = 0) -> Iterator[list[str]]:
    """``n`` valid licence rows (cells in the kind's field order)."""
    rng = random.Random(seed)
    auths = authorities()
    codes = _codes("license")
    position = {code: i for i, code in enumerate(codes)}
    empty = [""] * len(codes)
    for i in range(start, start + n):
        s = pool[rng.randrange(len(pool))]
        a = auths[rng.randrange(len(auths))]
        certificate, scope = _LICENCES[i % len(_LICENCES)]
        day = rng.randrange(_DAYS)
        cells = _party_cells(s, "XK")
        cells.update(
            {
                "XK_XKWS": "准予行政许可决定书",
                "XK_WSH": f"{a.short}许〔{2021 + day // 365}〕{i + 1}号",
                "XK_XKLB": "普通",
                "XK_XKZS": certificate,
                "XK_XKBH": f"JY{a.county}{i + 1:010d}",
                "XK_NR": f"准予{s.name}取得{certificate}，许可范围：{scope}",
                "XK_JDRQ": _DATES[day],
                "XK_YXQZ": _DATES[day],
                "XK_YXQZI": "2099-12-31" if i % 7 == 0 else _UNTIL[day],
                "XK_XKJG": a.name,
                "XK_XKJGDM": a.uscc,
                "XK_ZT": "有效",
                "XK_LYDW": a.name,
                "XK_LYDWDM": a.uscc,
            }
        )
        row = empty.copy()
        for code, value in cells.items():
            row[position[code]] = value
        yield row


def write_csv(path: Path, kind: str, rows: Iterator[list[str]]) -> int:
    """Stream rows to a UTF-8 CSV with the Shanghai headers; returns the number of rows."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(_headers(kind))
        block: list[list[str]] = []
        for row in rows:
            block.append(row)
            if len(block) == 10_000:
                writer.writerows(block)
                count += len(block)
                block = []
        writer.writerows(block)
        count += len(block)
    return count


def generate(folder: Path, rows: int, seed: int = 20240601) -> tuple[Path, Path]:
    """Write ``rows`` rows (half licences, half penalties) into ``folder``; returns both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    pool = subject_pool(max(1, rows // 5), seed)
    n_penalty = rows // 2
    penalty = folder / PENALTY_FILE
    licence = folder / LICENSE_FILE
    write_csv(licence, "license", license_rows(rows - n_penalty, pool, seed + 1))
    write_csv(penalty, "penalty", penalty_rows(n_penalty, pool, seed + 2))
    return licence, penalty
