"""Clean records of every kind, made one subject (or person) at a time.

A record is a plain dict keyed by the standard's field codes with canonical values: text, a
``datetime.date`` for dates, an ``int`` of yuan for amounts in 万元, a canonical code (or a tuple
of codes for multiple-code fields). Writers turn it into each source's format. Each record also
says which province publishes it (the province of the deciding body) and which subject it is
about (``-1`` for a natural person), and carries a *quirk* when it deliberately uses codes other
than the USCC (legacy codes only, the operator's ID number only).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

from credit_yrd.demo import pools
from credit_yrd.demo.geography import County
from credit_yrd.demo.institutions import Institution
from credit_yrd.demo.world import (
    COOPERATIVE,
    ENTERPRISE,
    FORMS,
    INDIVIDUAL,
    LEGACY_ONLY,
    OLD,
    PUBLIC,
    REG_BUSINESS_NO,
    REG_ORG_CODE,
    SECTORS,
    SOCIAL,
    STATUSES,
    UNMAPPED,
    Picker,
    World,
    below,
    date_between,
)

Values = dict[str, Any]


class Record(NamedTuple):
    province: str  # two digits: who publishes it
    values: Values
    subject: int  # -1: a natural person
    quirk: str | None = None  # legacy_only, unmapped_legacy_code, operator_id_only


@dataclass(frozen=True)
class PartyFields:
    """Where a record kind puts its party (the subject the record is about)."""

    name: str
    type: str | None
    uscc: str
    business_no: str | None = None
    org_code: str | None = None
    rep: str | None = None
    rep_doc_type: str | None = None
    rep_doc_no: str | None = None
    doc_type: str | None = None
    doc_no: str | None = None


PARTY: dict[str, PartyFields] = {
    "registration": PartyFields("DJ_MC", "DJ_LB", "DJ_SHXYM", "DJ_GSZC", "DJ_ZZJG", "DJ_FRDB"),
    "shareholding": PartyFields("GD_QYMC", None, "GD_SHXYM"),
    "license": PartyFields(
        "XK_XDR_MC",
        "XK_XDR_LB",
        "XK_XDR_SHXYM",
        "XK_XDR_GSZC",
        "XK_XDR_ZZJG",
        "XK_FRDB",
        "XK_FR_ZJLX",
        "XK_FR_ZJHM",
        "XK_XDR_ZJLX",
        "XK_XDR_ZJHM",
    ),
    "penalty": PartyFields(
        "CF_XDR_MC",
        "CF_XDR_LB",
        "CF_XDR_SHXYM",
        "CF_XDR_GSZC",
        "CF_XDR_ZZJG",
        "CF_FRDB",
        "CF_FR_ZJLX",
        "CF_FR_ZJHM",
        "CF_XDR_ZJLX",
        "CF_XDR_ZJHM",
    ),
    "judgment_defaulter": PartyFields(
        "SX_MC", "SX_LB", "SX_SHXYM", rep="SX_FRDB", doc_type="SX_ZJLX", doc_no="SX_ZJHM"
    ),
    "major_tax_violator": PartyFields(
        "SS_MC", "SS_LB", "SS_SHXYM", rep="SS_FRDB", rep_doc_no="SS_FR_ZJHM"
    ),
    "serious_dishonesty_list": PartyFields(
        "YZ_MC",
        "YZ_LB",
        "YZ_SHXYM",
        rep="YZ_FRDB",
        rep_doc_no="YZ_FR_ZJHM",
        doc_type="YZ_ZJLX",
        doc_no="YZ_ZJHM",
    ),
    "red_list": PartyFields("HM_MC", "HM_LB", "HM_SHXYM", doc_no="HM_ZJHM"),
    "abnormal_operation_list": PartyFields("YC_MC", None, "YC_SHXYM", rep="YC_FRDB"),
    "commitment": PartyFields("CN_MC", "CN_LB", "CN_SHXYM", doc_no="CN_ZJHM"),
    "market_record": PartyFields("SC_MC", "SC_LB", "SC_SHXYM", doc_no="SC_ZJHM"),
}

#: Share of records published by a province other than the subject's.
FOREIGN_SHARE = 0.05
#: Share of an individual business's licences and penalties that name it by the operator's ID only.
OPERATOR_ONLY_SHARE = 0.05
LONG_TERM = dt.date(2099, 12, 31)
USCC_REFORM = dt.date(2015, 10, 1)
TAX_ORDER_54 = dt.date(2022, 2, 1)
PROVINCE_LETTERS = {"31": "SH", "32": "JS", "33": "ZJ", "34": "AH"}
ID_CARD = "身份证"


@functools.cache
def _number_fields(pattern: str) -> tuple[tuple[str, int], ...]:
    """The random-number fields (``{n6}`` …) of a licence number pattern with their widths."""
    names = [f for _, f, _, _ in string.Formatter().parse(pattern) if f]
    return tuple((f, int(f[1:])) for f in names if f[0] == "n" and f[1:].isdigit())


def _counts(rng: random.Random, rate: float, more: tuple[float, ...] = (0.7, 0.2, 0.1)) -> int:
    """0 with probability 1 − rate, else 1, 2, 3 … by the weights ``more``."""
    if rng.random() >= rate:
        return 0
    u = rng.random()
    for k, w in enumerate(more, start=1):
        if u < w:
            return k
        u -= w
    return len(more)


def add_years(day: dt.date, years: int) -> dt.date:
    """The day ``years`` later, minus one day (a validity of N years ends the day before)."""
    try:
        later = day.replace(year=day.year + years)
    except ValueError:  # 29 February
        later = day.replace(year=day.year + years, day=28)
    return later - dt.timedelta(days=1)


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def yuan_text(yuan: int) -> str:
    return f"{yuan}"


def fine_amount(rng: random.Random, lo: int, hi: int) -> int:
    """A fine in yuan: log-uniform in [lo, hi], rounded; one in a hundred much larger."""
    if hi <= 0:
        return 0
    x = 10 ** rng.uniform(math.log10(max(lo, 50)), math.log10(max(hi, lo, 50)))
    if rng.random() < 0.01:
        x *= rng.uniform(5, 20)
    step = 100 if x >= 1000 else 50
    return max(step, round(x / step) * step)


class RecordMaker:
    """Makes the records of one kind; one instance (with its own random stream) per kind pass."""

    def __init__(self, world: World, as_of: dt.date, rng: random.Random) -> None:
        self.world = world
        self.geo = world.geography
        self.inst = world.institutions
        self.persons = world.persons
        self.as_of = as_of
        self.rng = rng
        self.counters: dict[tuple[int, int, str], int] = {}
        self.others = {
            code: [p for p in self.geo.provinces if p != code] for code in self.geo.provinces
        }
        self.province_pickers: dict[str, Picker] = {}
        for code, p in self.geo.provinces.items():
            items, weights = [], []
            for ci in p.cities:
                c = self.geo.cities[ci]
                for k in c.counties:
                    items.append(k)
                    weights.append(c.weight / len(c.counties))
            self.province_pickers[code] = Picker(items, weights)
        self.start_2019 = min(dt.date(2019, 1, 1), as_of - dt.timedelta(days=400))
        self.start_2016 = min(dt.date(2016, 1, 1), as_of - dt.timedelta(days=400))

    # ------------------------------------------------------------------ helpers

    def date(self, start: dt.date, end: dt.date | None = None) -> dt.date:
        return date_between(self.rng, start, end or self.as_of)

    def since(self, i: int, start: dt.date) -> dt.date:
        """A date from ``start`` (or the subject's establishment, if later) up to today."""
        established = dt.date.fromordinal(self.world.established[i])
        return self.date(max(start, established + dt.timedelta(days=30)))

    def deciding_county(self, i: int, foreign: bool = True) -> County:
        """The county whose bodies decide about subject ``i``: its own, or (5 %) a county of
        another province."""
        home = self.geo.counties[self.world.county[i]]
        if foreign and self.rng.random() < FOREIGN_SHARE:
            province = self.geo.cities[home.city].province
            other = self.rng.choice(self.others[province])
            return self.geo.counties[self.province_pickers[other].pick(self.rng)]
        return home

    def person_county(self, p: int) -> County:
        home = self.geo.counties[self.persons.county[p]]
        if self.rng.random() < FOREIGN_SHARE:
            province = self.geo.cities[home.city].province
            other = self.rng.choice(self.others[province])
            return self.geo.counties[self.province_pickers[other].pick(self.rng)]
        return home

    #: (first number, largest step) of document numbers by tag: courts count in thousands.
    _NUMBERING: ClassVar[dict[str, tuple[int, int]]] = {
        "执": (300, 12),
        "罚": (1, 4),
        "SC": (1000, 30),
    }

    def number(self, inst: Institution, year: int, tag: str) -> int:
        """The next document sequence number of an institution in a year (unique per tag)."""
        key = (inst.index, year, tag)
        seq = self.counters.get(key)
        first, step = self._NUMBERING.get(tag, (1, 3))
        seq = first + below(self.rng, 30 * step) if seq is None else seq + 1 + below(self.rng, step)
        self.counters[key] = seq
        return seq

    def docno(self, inst: Institution, year: int, kind: str) -> str:
        dept = pools.DEPARTMENT_BY_KEY[inst.key].abbr
        return f"{inst.abbr}{dept}{kind}〔{year}〕{self.number(inst, year, kind)}号"

    def party(self, v: Values, pf: PartyFields, i: int, mode: str = "uscc") -> None:
        """Fill the party fields for subject ``i``. ``mode``: ``uscc`` (normal), ``legacy``
        (only the 工商注册号) or ``operator`` (only the operator's ID number)."""
        w, rng = self.world, self.rng
        t = w.stype[i]
        v[pf.name] = w.names[i]
        if pf.type:
            v[pf.type] = "个体工商户" if t == INDIVIDUAL else "法人及非法人组织"
        if mode == "uscc":
            v[pf.uscc] = w.usccs[i]
            flags = w.flags[i]
            if flags & OLD and rng.random() < 0.25:
                if pf.org_code and flags & REG_ORG_CODE:
                    v[pf.org_code] = w.org_code(i)
                if pf.business_no and flags & REG_BUSINESS_NO:
                    v[pf.business_no] = w.business_nos[i]
        elif mode == "legacy":
            assert pf.business_no is not None
            v[pf.business_no] = w.business_nos[i]
        else:
            assert pf.doc_no is not None
            if pf.doc_type:
                v[pf.doc_type] = ID_CARD
            v[pf.doc_no] = self.persons.id_number(w.rep[i])
        rep = w.rep[i]
        if pf.rep and (t != INDIVIDUAL or rng.random() < 0.6):
            v[pf.rep] = self.persons.name(rep)
            if pf.rep_doc_no and rng.random() < 0.3:
                if pf.rep_doc_type:
                    v[pf.rep_doc_type] = ID_CARD
                v[pf.rep_doc_no] = self.persons.id_number(rep)

    def person_party(self, v: Values, pf: PartyFields, p: int) -> None:
        assert pf.type is not None and pf.doc_no is not None
        v[pf.name] = self.persons.name(p)
        v[pf.type] = "自然人"
        if pf.doc_type:
            v[pf.doc_type] = ID_CARD
        v[pf.doc_no] = self.persons.id_number(p)

    def mode_and_quirk(self, i: int, legacy_dates: bool) -> tuple[str, str | None]:
        """How a licence or penalty names an individual business."""
        w = self.world
        if w.stype[i] != INDIVIDUAL:
            return "uscc", None
        flags = w.flags[i]
        if legacy_dates and flags & LEGACY_ONLY:
            return "legacy", "unmapped_legacy_code" if flags & UNMAPPED else "legacy_only"
        if self.rng.random() < OPERATOR_ONLY_SHARE:
            return "operator", "operator_id_only"
        return "uscc", None

    # ------------------------------------------------------------------ kinds

    def registration(self, i: int) -> list[Record]:
        w, rng = self.world, self.rng
        flags = w.flags[i]
        rep = w.rep[i]
        v: Values = {
            "DJ_MC": w.names[i],
            "DJ_SHXYM": w.usccs[i],
            "DJ_LB": "个体工商户" if w.stype[i] == INDIVIDUAL else "法人及非法人组织",
            "DJ_QYLX": FORMS[w.form[i]],
            "DJ_FRDB": self.persons.name(rep),
            "DJ_CLRQ": dt.date.fromordinal(w.established[i]),
            "DJ_ZS": w.address(i),
            "DJ_QH": self.geo.counties[w.county[i]].code,
            "DJ_JYFW": w.scope(i),
            "DJ_DJJG": w.registration_authority(i),
            "DJ_ZT": STATUSES[w.status[i]],
        }
        if flags & REG_ORG_CODE:
            v["DJ_ZZJG"] = w.org_code(i)
        if flags & REG_BUSINESS_NO:
            v["DJ_GSZC"] = w.business_nos[i]
        if w.stype[i] == INDIVIDUAL or rng.random() < 0.9:
            v["DJ_FR_ZJHM"] = self.persons.id_number(rep)
        if w.capital[i]:
            v["DJ_ZCZB"] = w.capital[i]
        return [Record(w.province(i), v, i)]

    def shareholding(self, i: int) -> list[Record]:
        w, rng = self.world, self.rng
        start, end = w.holders_start[i], w.holders_start[i + 1]
        if start == end:
            return []
        refs = w.holders[start:end]
        weights = [rng.randint(1, 100) for _ in refs]
        if len(refs) > 1 and rng.random() < 0.5:
            weights[0] *= 3  # a controlling shareholder
        total = sum(weights)
        parts = [10_000 * x // total for x in weights]
        parts[0] += 10_000 - sum(parts)
        capital = w.capital[i]
        established = dt.date.fromordinal(w.established[i])
        records = []
        for ref, bp in zip(refs, parts, strict=True):
            v: Values = {
                "GD_QYMC": w.names[i],
                "GD_SHXYM": w.usccs[i],
                "GD_RJCZE": max(100, capital * bp // 1_000_000 * 100),
                "GD_CZBL": f"{bp // 100}.{bp % 100:02d}",
                "GD_RJRQ": established if rng.random() < 0.8 else self.date(established, None),
            }
            if ref >= 0:
                v["GD_GDMC"] = self.persons.name(ref)
                v["GD_GDLB"] = "自然人"
                v["GD_GDZJHM"] = self.persons.id_number(ref)
            else:
                j = -ref - 1
                v["GD_GDMC"] = w.names[j]
                v["GD_GDLB"] = "法人及非法人组织"
                v["GD_GDSHXYM"] = w.usccs[j]
            records.append(Record(w.province(i), v, i))
        return records

    _LICENCE_RATES: ClassVar[dict[int, tuple[float, tuple[float, ...]]]] = {
        ENTERPRISE: (0.65, (0.55, 0.3, 0.15)),
        COOPERATIVE: (0.4, (0.8, 0.2)),
        INDIVIDUAL: (0.6, (0.85, 0.15)),
        SOCIAL: (0.25, (1.0,)),
        PUBLIC: (0.1, (1.0,)),
    }

    def license(self, i: int) -> list[Record]:
        w, rng = self.world, self.rng
        keys = pools.SECTOR_LICENCES[SECTORS[w.sector[i]]]
        if not keys:
            return []
        rate, more = self._LICENCE_RATES[w.stype[i]]
        count = _counts(rng, rate, more)
        legacy = bool(w.flags[i] & LEGACY_ONLY)
        if legacy:
            count = max(count, 1)
        records = []
        for k in range(count):
            template = pools.LICENCES[rng.choice(keys)]
            old = legacy and k == 0
            county = self.deciding_county(i, foreign=not old)
            auth = self.inst.authority(template.department, template.level, county)
            established = dt.date.fromordinal(w.established[i])
            if old:
                decided = self.date(
                    established, max(established, USCC_REFORM - dt.timedelta(days=1))
                )
            else:
                decided = self.since(i, self.start_2016)
            until = LONG_TERM if template.years is None else add_years(decided, template.years)
            expired = "过期" if rng.random() < 0.8 else "注销"
            status = expired if until < self.as_of else "有效"
            city = self.geo.cities[county.city]
            numbers = {
                name: f"{below(rng, 10**width):0{width}d}"
                for name, width in _number_fields(template.number)
            }
            number = template.number.format(
                div=county.code,
                year=decided.year,
                uscc=w.usccs[i],
                pabbr=self.geo.provinces[auth.province].abbr,
                cabbr=city.abbr,
                pcode=PROVINCE_LETTERS[auth.province],
                **numbers,
            )
            v: Values = {
                "XK_XKWS": template.document,
                "XK_WSH": self.docno(auth, decided.year, "许"),
                "XK_XKLB": template.license_type,
                "XK_XKBH": number,
                "XK_NR": template.content,
                "XK_JDRQ": decided,
                "XK_YXQZ": decided,
                "XK_YXQZI": until,
                "XK_XKJG": auth.name,
                "XK_XKJGDM": auth.uscc,
                "XK_ZT": status,
                "XK_LYDW": auth.name,
                "XK_LYDWDM": auth.uscc,
            }
            if template.certificate:
                v["XK_XKZS"] = template.certificate
            mode, quirk = self.mode_and_quirk(i, old)
            self.party(v, PARTY["license"], i, mode)
            records.append(Record(auth.province, v, i, quirk))
        return records

    _PENALTY_RATES: ClassVar[dict[int, float]] = {
        ENTERPRISE: 0.15,
        COOPERATIVE: 0.05,
        INDIVIDUAL: 0.08,
        SOCIAL: 0.01,
        PUBLIC: 0.005,
    }

    def _penalty_values(
        self, template: pools.PenaltyTemplate, auth: Institution, decided: dt.date, person: bool
    ) -> Values:
        rng = self.rng
        options = template.types
        u = rng.random() * sum(w for _, w in options)
        types = options[-1][0]
        for codes, weight in options:
            if u < weight:
                types = codes
                break
            u -= weight
        fine = fine_amount(rng, *template.fine) if "罚款" in types else 0
        if person and template.key == "fight":
            fine = rng.choice((200, 300, 500))
        gains = rng.randint(2, 2000) * 50 if "没收违法所得" in types else 0
        goods = rng.randint(2, 1000) * 100 if "没收非法财物" in types else 0
        certificate = "食品经营许可证" if "food" in template.key else "许可证"
        cert_no = f"{certificate}（编号{auth.division}{rng.randrange(10**8):08d}）"
        parts = []
        for code in types:
            if code == "警告":
                parts.append("警告")
            elif code == "通报批评":
                parts.append("通报批评")
            elif code == "罚款":
                parts.append(f"罚款人民币{yuan_text(fine)}元")
            elif code == "没收违法所得":
                parts.append(f"没收违法所得人民币{yuan_text(gains)}元")
            elif code == "没收非法财物":
                parts.append(f"没收非法财物（{rng.choice(pools.CONFISCATED_GOODS)}）")
            elif code == "责令停产停业":
                parts.append(f"责令停产停业{rng.randint(1, 6)}个月")
            elif code in ("吊销许可证件", "暂扣许可证件"):
                parts.append(f"{code[:2]}{cert_no}")
            elif code == "行政拘留":
                parts.append(f"行政拘留{rng.choice((5, 7, 10, 15))}日")
            elif code == "降低资质等级":
                parts.append("降低资质等级一级")
            else:
                parts.append(code)
        simple_cap = 200 if person else 3000
        simple = set(types) <= {"警告", "罚款"} and fine <= simple_cap and rng.random() < 0.8
        violation_day = decided - dt.timedelta(days=rng.randint(10, 120))
        v: Values = {
            "CF_WSH": self.docno(auth, decided.year, "罚"),
            "CF_WFXW": template.violation,
            "CF_SY": template.facts.format(
                date=chinese_date(violation_day),
                month=f"{violation_day.year}年{violation_day.month}月",
            ),
            "CF_YJ": template.basis,
            "CF_CFLB": types,
            "CF_NR": "，".join(parts),
            "CF_JDRQ": decided,
            "CF_CFJG": auth.name,
            "CF_CFJGDM": auth.uscc,
            "CF_SJLY": auth.name,
            "CF_SJLYDM": auth.uscc,
            "CF_AJCXLB": "简易" if simple else "一般",
            "CF_GSZT": "正常",
            "CF_SSLY": template.domain,
        }
        if fine:
            v["CF_NR_FK"] = fine
        if gains or goods:
            v["CF_NR_WFFF"] = gains + goods
        if "吊销许可证件" in types or "暂扣许可证件" in types:
            v["CF_NR_ZKDX"] = cert_no
        if rng.random() < 0.4:
            v["CF_YXQ"] = add_years(decided, 1 if simple else 3)
        if rng.random() < 0.5:
            v["CF_GSJZQ"] = add_years(decided, 1 if simple else 3)
        if rng.random() < 0.05:
            v["BZ"] = "当事人已履行处罚决定。"
        return v

    def penalty(self, i: int) -> list[Record]:
        w, rng = self.world, self.rng
        count = _counts(rng, self._PENALTY_RATES[w.stype[i]])
        records = []
        keys = pools.SECTOR_PENALTIES[SECTORS[w.sector[i]]]
        for _ in range(count):
            template = pools.PENALTIES[rng.choice(keys)]
            county = self.deciding_county(i)
            auth = self.inst.authority(template.department, template.level, county)
            decided = self.since(i, self.start_2019)
            v = self._penalty_values(template, auth, decided, person=False)
            mode, quirk = self.mode_and_quirk(i, legacy_dates=True)
            self.party(v, PARTY["penalty"], i, mode)
            records.append(Record(auth.province, v, i, quirk))
        return records

    def penalty_person(self, p: int) -> list[Record]:
        rng = self.rng
        if rng.random() >= 0.75:
            return []
        template = pools.PERSON_PENALTIES[rng.choice(tuple(pools.PERSON_PENALTIES))]
        auth = self.inst.authority(template.department, template.level, self.person_county(p))
        v = self._penalty_values(template, auth, self.date(self.start_2019), person=True)
        self.person_party(v, PARTY["penalty"], p)
        return [Record(auth.province, v, -1)]

    _DEFAULTER_RATES: ClassVar[dict[int, float]] = {
        ENTERPRISE: 0.01,
        COOPERATIVE: 0.005,
        INDIVIDUAL: 0.01,
        SOCIAL: 0.001,
        PUBLIC: 0.0,
    }

    def _defaulter(self, county: County, start: dt.date) -> tuple[Institution, Values]:
        rng = self.rng
        court = self.inst.authority("court", "county" if rng.random() < 0.8 else "city", county)
        latest = self.as_of - dt.timedelta(days=60)
        filed = self.date(min(start, latest), latest)
        published = self.date(
            filed + dt.timedelta(days=20), min(self.as_of, filed + dt.timedelta(days=200))
        )
        basis_year = filed.year - (1 if rng.random() < 0.6 else 0)
        u = rng.random()
        performance = "全部未履行" if u < 0.8 else "部分履行" if u < 0.95 else "全部履行"
        behaviours = [c for c, _ in pools.DEFAULTER_BEHAVIOURS]
        weights = [wt for _, wt in pools.DEFAULTER_BEHAVIOURS]
        chosen = rng.choices(behaviours, weights)[0]
        codes: tuple[str, ...] = (chosen,)
        if rng.random() < 0.2:
            second = rng.choices(behaviours, weights)[0]
            if second != chosen:
                codes = (chosen, second)
        creditor = (
            self.geo.cities[county.city].short
            + "".join(rng.sample(pools.BRAND_CHARS, 2))
            + rng.choice(pools.INDUSTRIES).word
            + "有限公司"
        )
        amount = round(10 ** rng.uniform(3.5, 6.5), -2)
        v: Values = {
            "SX_ZXFY": court.name,
            "SX_ZXYJWH": f"（{basis_year}）{court.court_code}{rng.choice(pools.CASE_TYPES)}"
            f"{rng.randint(100, 20000)}号",
            "SX_ZCZXYJDW": court.name,
            "SX_LASJ": filed,
            "SX_AH": f"（{filed.year}）{court.court_code}执{self.number(court, filed.year, '执')}号",
            "SX_YW": rng.choice(pools.DEFAULTER_OBLIGATIONS).format(
                creditor=creditor, amount=amount
            ),
            "SX_LXQK": performance,
            "SX_SXQX": codes,
            "SX_FBSJ": published,
            "SX_SF": court.province,
        }
        if performance == "全部履行":
            v["SX_CXRQ"] = self.date(published + dt.timedelta(days=30))
        return court, v

    def judgment_defaulter(self, i: int) -> list[Record]:
        w = self.world
        if self.rng.random() >= self._DEFAULTER_RATES[w.stype[i]]:
            return []
        established = dt.date.fromordinal(w.established[i])
        court, v = self._defaulter(
            self.deciding_county(i), max(self.start_2019, established + dt.timedelta(days=90))
        )
        self.party(v, PARTY["judgment_defaulter"], i)
        return [Record(court.province, v, i)]

    def judgment_defaulter_person(self, p: int) -> list[Record]:
        if self.rng.random() >= 0.15:
            return []
        court, v = self._defaulter(self.person_county(p), self.start_2019)
        self.person_party(v, PARTY["judgment_defaulter"], p)
        return [Record(court.province, v, -1)]

    _TAX_RATES: ClassVar[dict[int, float]] = {
        ENTERPRISE: 0.002,
        COOPERATIVE: 0.0,
        INDIVIDUAL: 0.0002,
        SOCIAL: 0.0,
        PUBLIC: 0.0,
    }

    def major_tax_violator(self, i: int) -> list[Record]:
        w, rng = self.world, self.rng
        if rng.random() >= self._TAX_RATES[w.stype[i]]:
            return []
        county = self.deciding_county(i)
        auth = self.inst.authority("tax_inspection", "city", county)
        latest = self.as_of - dt.timedelta(days=40)
        start = min(TAX_ORDER_54, latest)
        determined = self.date(max(start, dt.date.fromordinal(w.established[i])), latest)
        published = self.date(determined + dt.timedelta(days=5), determined + dt.timedelta(days=30))
        nature, behaviour, article, _ = rng.choices(
            pools.TAX_CASES, [c[3] for c in pools.TAX_CASES]
        )[0]
        evaded = rng.randint(100, 50_000) * 1000
        fine = evaded // 2 * rng.choice((1, 1, 2))
        y2 = determined.year - 1
        v: Values = {
            "SS_ZCDZ": w.address(i),
            "SS_AJXZ": nature,
            "SS_WFSS": f"经{auth.name}检查，发现其在{y2 - 2}年1月1日至{y2}年12月31日期间，"
            f"{behaviour}，涉及税款{evaded}元。",
            "SS_CLQK": f"依照《中华人民共和国税收征收管理法》{article}等相关法律法规的有关规定，"
            f"对其处以追缴税款{evaded}元的行政处理、处以罚款{fine}元的行政处罚。",
            "SS_AJBH": self.docno(auth, determined.year, "罚"),
            "SS_SWJG": auth.name,
            "SS_QDRQ": determined,
            "SS_GBRQ": published,
        }
        if rng.random() < 0.5:
            v["SS_CWFZR"] = self.persons.name(rng.randrange(len(self.persons)))
        if rng.random() < 0.1 and published + dt.timedelta(days=200) < self.as_of:
            v["SS_TZRQ"] = self.date(published + dt.timedelta(days=200))
        self.party(v, PARTY["major_tax_violator"], i)
        return [Record(auth.province, v, i)]

    _DISHONESTY_RATES: ClassVar[dict[int, float]] = {
        ENTERPRISE: 0.003,
        COOPERATIVE: 0.001,
        INDIVIDUAL: 0.001,
        SOCIAL: 0.0005,
        PUBLIC: 0.0,
    }

    def _dishonesty(
        self, county: County, start: dt.date, lists: tuple[Any, ...]
    ) -> tuple[Institution, Values]:
        rng = self.rng
        domain, dept, reason, basis, years, _ = rng.choices(lists, [x[5] for x in lists])[0]
        auth = self.inst.authority(dept, "city", county)
        listed = self.date(start)
        u = rng.random()
        status = "listed"
        v: Values = {
            "YZ_LY": domain,
            "YZ_LRYY": reason,
            "YZ_RDYJ": basis,
            "YZ_RDWH": self.docno(auth, listed.year, "失信"),
            "YZ_RDBM": auth.name,
            "YZ_RDBMDM": auth.uscc,
            "YZ_BMLY": auth.domain,
            "YZ_LRRQ": listed,
            "YZ_YXQZ": add_years(listed, years),
            "YZ_YCTJ": pools.DISHONESTY_EXIT,
        }
        if u < 0.17 and listed + dt.timedelta(days=365) < self.as_of:
            status = "removed"
            v["YZ_YCRQ"] = self.date(listed + dt.timedelta(days=365))
        elif u > 0.98:
            status = "withdrawn"
        v["YZ_ZT"] = status
        return auth, v

    def serious_dishonesty_list(self, i: int) -> list[Record]:
        w = self.world
        if self.rng.random() >= self._DISHONESTY_RATES[w.stype[i]]:
            return []
        auth, v = self._dishonesty(
            self.deciding_county(i), self.since(i, self.start_2019), pools.DISHONESTY_LISTS
        )
        self.party(v, PARTY["serious_dishonesty_list"], i)
        return [Record(auth.province, v, i)]

    def serious_dishonesty_list_person(self, p: int) -> list[Record]:
        if self.rng.random() >= 0.03:
            return []
        wage = tuple(x for x in pools.DISHONESTY_LISTS if x[0] == "wage_arrears")
        auth, v = self._dishonesty(self.person_county(p), self.start_2019, wage)
        self.person_party(v, PARTY["serious_dishonesty_list"], p)
        return [Record(auth.province, v, -1)]

    _RED_RATES: ClassVar[dict[int, float]] = {
        ENTERPRISE: 0.025,
        COOPERATIVE: 0.01,
        INDIVIDUAL: 0.003,
        SOCIAL: 0.01,
        PUBLIC: 0.0,
    }

    def red_list(self, i: int) -> list[Record]:
        w, rng = self.world, self.rng
        count = _counts(rng, self._RED_RATES[w.stype[i]], (0.85, 0.15))
        if not count:
            return []
        lists = pools.RED_LISTS if w.stype[i] == ENTERPRISE else pools.RED_LISTS[:1]
        chosen: list[Any] = []
        for _ in range(count):
            item = rng.choices(lists, [x[5] for x in lists])[0]
            if item not in chosen:
                chosen.append(item)
        records = []
        for list_name, dept, level, basis, years, _ in chosen:
            county = self.deciding_county(i)
            auth = self.inst.authority(dept, level, county)
            listed = self.since(i, self.start_2019)
            until = LONG_TERM if years is None else add_years(listed, years)
            v: Values = {
                "HM_MDMC": list_name,
                "HM_LY": auth.domain,
                "HM_RDYJ": basis,
                "HM_RDBM": auth.name,
                "HM_RDBMDM": auth.uscc,
                "HM_RDRQ": listed,
                "HM_YXQZ": until,
                "HM_ZT": "listed" if until >= self.as_of else "removed",
            }
            self.party(v, PARTY["red_list"], i)
            records.append(Record(auth.province, v, i))
        return records

    _ABNORMAL_RATES: ClassVar[dict[int, float]] = {
        ENTERPRISE: 0.03,
        COOPERATIVE: 0.04,
        INDIVIDUAL: 0.03,
        SOCIAL: 0.0,
        PUBLIC: 0.0,
    }
    _REMOVAL: ClassVar[dict[str, str]] = {
        "annual_report": "annual_report_filed",
        "order_deadline": "information_published",
        "false_information": "information_corrected",
        "unreachable": "reachable_again",
        "other": "other",
    }

    def abnormal_operation_list(self, i: int) -> list[Record]:
        w, rng = self.world, self.rng
        count = _counts(rng, self._ABNORMAL_RATES[w.stype[i]], (0.9, 0.1))
        county = self.geo.counties[w.county[i]]
        auth = self.inst.authority("amr", "county", county)
        start = self.since(i, self.start_2019)
        records = []
        for k in range(count):
            if start >= self.as_of:
                break
            listed = self.date(start)
            reason = rng.choices(
                ("annual_report", "unreachable", "order_deadline", "false_information", "other"),
                (0.7, 0.2, 0.04, 0.03, 0.03),
            )[0]
            v: Values = {
                "YC_LRYY": reason,
                "YC_LRRQ": listed,
                "YC_LRJG": auth.name,
                "YC_CITY": self.geo.cities[county.city].code,
            }
            if rng.random() < 0.7:
                v["YC_LRWH"] = self.docno(auth, listed.year, "异")
            removable = listed + dt.timedelta(days=30) < self.as_of
            if removable and (k + 1 < count or rng.random() < 0.4):
                removed = self.date(listed + dt.timedelta(days=30))
                v["YC_YCRQ"] = removed
                v["YC_YCYY"] = self._REMOVAL[reason]
                v["YC_YCJG"] = auth.name
                start = removed + dt.timedelta(days=1)
            else:
                start = self.as_of
            self.party(v, PARTY["abnormal_operation_list"], i)
            records.append(Record(auth.province, v, i))
        return records

    _COMMITMENT_RATES: ClassVar[dict[int, tuple[float, tuple[float, ...]]]] = {
        ENTERPRISE: (0.6, (0.7, 0.3)),
        COOPERATIVE: (0.3, (1.0,)),
        INDIVIDUAL: (0.4, (0.85, 0.15)),
        SOCIAL: (0.2, (1.0,)),
        PUBLIC: (0.05, (1.0,)),
    }

    def commitment(self, i: int) -> list[Record]:
        w, rng = self.world, self.rng
        rate, more = self._COMMITMENT_RATES[w.stype[i]]
        records = []
        for _ in range(_counts(rng, rate, more)):
            ctype, matter, content, dept, _ = rng.choices(
                pools.COMMITMENTS, [c[4] for c in pools.COMMITMENTS]
            )[0]
            auth = self.inst.authority(dept, "city", self.deciding_county(i))
            committed = self.since(i, self.start_2019)
            until = (
                LONG_TERM
                if ctype == "主动型" and rng.random() < 0.5
                else add_years(committed, rng.choice((1, 2, 3)))
            )
            if until >= self.as_of:
                state = "履行中"
            else:
                u = rng.random()
                state = "全部履行" if u < 0.9 else "部分履行" if u < 0.95 else "未履行"
            v: Values = {
                "CN_BM": f"CN{auth.division}{committed.year}"
                f"{self.number(auth, committed.year, 'CN'):06d}",
                "CN_LX": ctype,
                "CN_SX": matter,
                "CN_NR": content,
                "CN_SLDW": auth.name,
                "CN_SLDWDM": auth.uscc,
                "CN_CNRQ": committed,
                "CN_YXQZ": until,
                "CN_LXZT": state,
            }
            if state == "未履行":
                v["CN_LXSM"] = "经核查，承诺人未按承诺事项履行，已依法撤销相关决定。"
            elif state == "全部履行":
                v["CN_LXSM"] = "承诺人已按承诺履行。"
            self.party(v, PARTY["commitment"], i)
            records.append(Record(auth.province, v, i))
        return records

    _MARKET_RATES: ClassVar[dict[int, float]] = {
        ENTERPRISE: 0.08,
        COOPERATIVE: 0.05,
        INDIVIDUAL: 0.03,
        SOCIAL: 0.02,
        PUBLIC: 0.0,
    }

    def _reporter(self, kind: str, county: County) -> Institution:
        inst, rng = self.inst, self.rng
        city = self.geo.cities[county.city]
        if kind == "bank" and rng.random() < 0.8:
            return inst.items[rng.choice(inst.city_banks[city.index])]
        if kind == "utility":
            return inst.items[inst.city_utilities[city.index]]
        return inst.items[rng.choice(inst.reporters[(city.province, kind)])]

    def _market(
        self, county: County, start: dt.date, options: tuple[Any, ...]
    ) -> tuple[Institution, Values]:
        rng = self.rng
        kind, rtype, content, amounts, _ = rng.choices(options, [x[4] for x in options])[0]
        reporter = self._reporter(kind, county)
        occurred = self.date(start)
        v: Values = {
            "SC_JLBH": f"{occurred.year}{self.number(reporter, occurred.year, 'SC'):08d}",
            "SC_BSJGLX": kind,
            "SC_BSJG": reporter.name,
            "SC_BSJGDM": reporter.uscc,
            "SC_JLLX": rtype,
            "SC_NR": content.format(
                days=rng.randint(31, 360), months=rng.randint(2, 12), year=occurred.year - 1
            ),
            "SC_FSRQ": occurred,
        }
        if amounts:
            v["SC_JE"] = rng.randint(amounts[0] // 100, amounts[1] // 100) * 100
        if rtype == "industry_evaluation":
            v["SC_PJJG"] = rng.choice(pools.EVALUATION_GRADES)
            status = "ongoing"
        elif rtype == "contract_performance":
            status = "settled" if "按时" in content else rng.choice(("ongoing", "settled"))
        else:
            status = "ongoing" if rng.random() < 0.6 else "settled"
        if status == "settled" and occurred + dt.timedelta(days=30) < self.as_of:
            v["SC_JSRQ"] = self.date(occurred + dt.timedelta(days=30))
        elif status == "settled":
            status = "ongoing"
        if rng.random() < 0.02:
            status = "disputed"
        v["SC_ZT"] = status
        return reporter, v

    def market_record(self, i: int) -> list[Record]:
        w, rng = self.world, self.rng
        if rng.random() >= self._MARKET_RATES[w.stype[i]]:
            return []
        reporter, v = self._market(
            self.deciding_county(i), self.since(i, self.start_2019), pools.MARKET_RECORDS
        )
        self.party(v, PARTY["market_record"], i)
        return [Record(reporter.province, v, i)]

    def market_record_person(self, p: int) -> list[Record]:
        if self.rng.random() >= 0.1:
            return []
        loans = tuple(x for x in pools.MARKET_RECORDS if x[1] == "loan_overdue")
        reporter, v = self._market(self.person_county(p), self.start_2019, loans)
        v["SC_JE"] = v["SC_JE"] // 20
        self.person_party(v, PARTY["market_record"], p)
        return [Record(reporter.province, v, -1)]

    # ------------------------------------------------------------------ dispatch

    def for_subject(self, kind: str) -> Callable[[int], list[Record]]:
        return getattr(self, kind)  # type: ignore[no-any-return]

    def for_person(self, kind: str) -> Callable[[int], list[Record]] | None:
        return getattr(self, f"{kind}_person", None)


#: Record kinds in the order they are generated (and the order of sheets in a workbook).
KIND_ORDER = (
    "registration",
    "shareholding",
    "license",
    "penalty",
    "judgment_defaulter",
    "major_tax_violator",
    "serious_dishonesty_list",
    "red_list",
    "abnormal_operation_list",
    "commitment",
    "market_record",
)

__all__ = ["COOPERATIVE", "KIND_ORDER", "PARTY", "SOCIAL", "PartyFields", "Record", "RecordMaker"]
