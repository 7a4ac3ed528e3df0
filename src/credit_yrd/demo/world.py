"""The subjects and persons of the synthetic Yangtze River Delta, kept as compact columns.

One row per subject (organisation or individual business) in ``array`` columns plus two lists of
strings (name, USCC); persons are five small integer columns whose name and ID number are built
when needed. Records are never kept: the record passes stream them out.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate

from credit_yrd.demo import pools
from credit_yrd.demo.codes import business_reg_no_of, random_body, uscc_of
from credit_yrd.demo.geography import Geography
from credit_yrd.demo.institutions import Institutions
from credit_yrd.ids import resident_id

ENTERPRISE, COOPERATIVE, INDIVIDUAL, SOCIAL, PUBLIC = range(5)
SUBJECT_TYPES = (
    "enterprise",
    "cooperative",
    "individual_business",
    "social_organisation",
    "public_body",
)
TYPE_SHARES = (0.68, 0.02, 0.24, 0.03, 0.03)

STATUSES = ("存续", "注销", "吊销", "迁出")
STATUS_WEIGHTS = (0.88, 0.06, 0.04, 0.02)

#: 企业类型 values; enterprises use the first entries (ENTERPRISE_FORMS order).
FORMS: tuple[str, ...] = (
    *(f[1] for f in pools.ENTERPRISE_FORMS),
    "农民专业合作社",
    "个体工商户",
    "社会团体",
    "民办非企业单位",
    "基金会",
    "机关",
    "事业单位",
)
FORM_INDEX = {name: i for i, name in enumerate(FORMS)}

#: Sectors (what a subject does); index stored per subject.
SECTORS: tuple[str, ...] = tuple(pools.SECTOR_LICENCES)
SECTOR_INDEX = {name: i for i, name in enumerate(SECTORS)}

#: Flags per subject (bits).
OLD = 1  # established before 2015
REG_ORG_CODE = 2  # registration record carries DJ_ZZJG
REG_BUSINESS_NO = 4  # registration record carries DJ_GSZC
LEGACY_ONLY = 8  # some records carry only the legacy code (工商注册号)
UNMAPPED = 16  # its 工商注册号 appears in no registration record
CITY_REGISTERED = 32  # registered by the city (not the county) authority

ROAD_CHARS = pools.PLACE_CHARS + pools.BRAND_CHARS
#: Shares of subjects established before 2015 (with legacy codes), by type.
OLD_SHARE_INDIVIDUAL = 0.25
OLD_SHARE_OTHER = 0.053


class Picker:
    """Weighted choice by bisection on cumulative weights (one ``random()`` per pick)."""

    def __init__(self, items: Sequence[int], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random) -> int:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


def below(rng: random.Random, n: int) -> int:
    """A random integer in [0, n): ``int(random() * n)``, cheaper than ``randrange``."""
    return int(rng.random() * n)


def date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A uniformly random date in [start, end] (``end`` when the range is empty)."""
    a, b = start.toordinal(), end.toordinal()
    return end if b <= a else dt.date.fromordinal(a + below(rng, b - a + 1))


def _digit_sum(text: str, weights: Sequence[int]) -> int:
    return sum(int(ch) * w for ch, w in zip(text, weights, strict=True))


class Persons:
    """Natural persons: surname, given name, birthplace county, birth date, sequence number; the
    ID number's check character is computed once, when the person is made."""

    def __init__(self, geography: Geography) -> None:
        self._codes = [c.code for c in geography.counties]
        w = resident_id.WEIGHTS
        self._county_sums = [_digit_sum(code, w[:6]) for code in self._codes]
        self._seq_sums = [_digit_sum(f"{k:03d}", w[14:]) for k in range(1000)]
        self._year_sums = {y: _digit_sum(f"{y:04d}", w[6:10]) for y in range(1900, 2100)}
        self._md_sums = {
            m * 100 + d: _digit_sum(f"{m:02d}{d:02d}", w[10:14])
            for m in range(1, 13)
            for d in range(1, 32)
        }
        self.check = array("B")
        self.surname = array("H")
        self.given1 = array("H")
        self.given2 = array("h")  # -1: a one-character given name
        self.county = array("H")
        self.born = array("i")  # yyyymmdd
        self.seq = array("H")
        self._ids: set[int] = set()
        surnames = [*pools.SURNAMES, *pools.COMPOUND_SURNAMES]
        weights = [1 / (rank + 4) for rank in range(len(pools.SURNAMES))]
        weights += [0.002] * len(pools.COMPOUND_SURNAMES)
        self._surnames = surnames
        self._surname_picker = Picker(range(len(surnames)), weights)
        self._born_range = (dt.date(1950, 1, 1).toordinal(), dt.date(2004, 12, 31).toordinal())

    def __len__(self) -> int:
        return len(self.surname)

    def new(self, rng: random.Random, county: int, avoid: Sequence[str] = ()) -> int:
        """Add a person born in ``county`` (index) with a name not in ``avoid``; their index."""
        n_given = len(pools.GIVEN_CHARS)
        while True:
            s = self._surname_picker.pick(rng)
            g1 = below(rng, n_given)
            g2 = below(rng, n_given) if rng.random() < 0.75 else -1
            name = self._surnames[s] + pools.GIVEN_CHARS[g1]
            if g2 >= 0:
                name += pools.GIVEN_CHARS[g2]
            if name not in avoid:
                break
        first, last = self._born_range
        while True:
            born = dt.date.fromordinal(first + below(rng, last - first + 1))
            yyyymmdd = born.year * 10000 + born.month * 100 + born.day
            seq = below(rng, 1000)
            key = (county * 100_000_000 + yyyymmdd) * 1000 + seq
            if key not in self._ids:
                self._ids.add(key)
                break
        total = (
            self._county_sums[county]
            + self._year_sums[born.year]
            + self._md_sums[born.month * 100 + born.day]
            + self._seq_sums[seq]
        )
        self.check.append(total % 11)
        self.surname.append(s)
        self.given1.append(g1)
        self.given2.append(g2)
        self.county.append(county)
        self.born.append(yyyymmdd)
        self.seq.append(seq)
        return len(self.surname) - 1

    def done(self) -> None:
        """Forget the uniqueness index (it is only needed while persons are added)."""
        self._ids = set()

    def name(self, i: int) -> str:
        name = self._surnames[self.surname[i]] + pools.GIVEN_CHARS[self.given1[i]]
        g2 = self.given2[i]
        return name + pools.GIVEN_CHARS[g2] if g2 >= 0 else name

    def id_number(self, i: int) -> str:
        check = resident_id.CHECK_MAP[self.check[i]]
        return f"{self._codes[self.county[i]]}{self.born[i]:08d}{self.seq[i]:03d}{check}"


@dataclass
class World:
    geography: Geography
    institutions: Institutions
    persons: Persons
    n: int
    stype: array = field(default_factory=lambda: array("B"))
    subtype: array = field(default_factory=lambda: array("B"))  # second USCC digit
    county: array = field(default_factory=lambda: array("H"))
    established: array = field(default_factory=lambda: array("i"))  # ordinal
    flags: array = field(default_factory=lambda: array("B"))
    status: array = field(default_factory=lambda: array("B"))
    sector: array = field(default_factory=lambda: array("B"))
    industry: array = field(default_factory=lambda: array("h"))  # INDUSTRIES or SHOPS index
    form: array = field(default_factory=lambda: array("B"))
    capital: array = field(default_factory=lambda: array("q"))  # yuan, 0: none
    rep: array = field(default_factory=lambda: array("i"))  # person index
    road: array = field(default_factory=lambda: array("i"))
    holders_start: array = field(default_factory=lambda: array("q"))
    holders: array = field(default_factory=lambda: array("q"))  # >=0 person, <0: -(subject)-1
    party_persons: array = field(default_factory=lambda: array("i"))
    names: list[str] = field(default_factory=list)
    usccs: list[str] = field(default_factory=list)
    business_nos: list[str] = field(default_factory=list)  # "" when none

    # -------------------------------------------------------------- derived facts

    def city(self, i: int) -> int:
        return self.geography.counties[self.county[i]].city

    def province(self, i: int) -> str:
        return self.geography.cities[self.city(i)].province

    def org_code(self, i: int) -> str:
        return self.usccs[i][8:17]

    def has(self, i: int, flag: int) -> bool:
        return bool(self.flags[i] & flag)

    def address(self, i: int) -> str:
        geo = self.geography
        county = geo.counties[self.county[i]]
        city = geo.cities[county.city]
        road = self.road[i]
        a, b, suffix = road % 256, (road // 256) % 256, road // 65536
        street = (
            ROAD_CHARS[a] + ROAD_CHARS[b] + pools.ROAD_SUFFIXES[suffix % len(pools.ROAD_SUFFIXES)]
        )
        number = 1 + (road * 7919) % 998
        province = "" if city.province == "31" else geo.provinces[city.province].name
        return f"{province}{city.name}{county.name}{street}{number}号"

    def registration_authority(self, i: int) -> str:
        geo = self.geography
        county = geo.counties[self.county[i]]
        city = geo.cities[county.city]
        prefix = geo.county_prefix(county)
        t = self.stype[i]
        if t == SOCIAL:
            return f"{city.name}民政局" if self.subtype[i] != 2 else f"{prefix}民政局"
        if t == PUBLIC:
            if self.subtype[i] == 1:
                return f"中共{prefix}委机构编制委员会办公室"
            return f"{prefix}事业单位登记管理局"
        if self.flags[i] & CITY_REGISTERED:
            return f"{city.name}市场监督管理局"
        return f"{prefix}市场监督管理局"

    def scope(self, i: int) -> str:
        t = self.stype[i]
        if t == ENTERPRISE:
            return pools.INDUSTRIES[self.industry[i]].scope
        if t == COOPERATIVE:
            return "组织收购、销售成员及同类生产经营者的产品；开展成员所需的农业生产资料购买、技术培训。"
        if t == INDIVIDUAL:
            return SHOP_SCOPES[pools.SHOPS[self.industry[i]][1]]
        if t == SOCIAL:
            return "业务范围：行业交流、业务培训、咨询服务、行业自律、承办委托事项。"
        return "宗旨和业务范围：依法履行公共服务职能，提供社会公益服务。"


SHOP_SCOPES = {
    "catering": "餐饮服务；食品销售（仅销售预包装食品）。",
    "retail_food": "食品销售；日用百货销售；烟草制品零售。",
    "tobacco": "烟草制品零售；食品销售；酒类经营。",
    "retail": "日用百货销售；五金产品零售；服装服饰零售。",
    "service": "理发服务；生活美容服务；日用电器修理；机动车修理和维护。",
    "entertainment": "棋牌室服务；互联网上网服务。",
    "pharmacy": "药品零售；第二类医疗器械销售；保健食品销售。",
}


# --------------------------------------------------------------------------------------------------
# building


def _allocate(total: int, weights: Sequence[float], minimum: int) -> list[int]:
    """Whole counts in proportion to the weights (largest remainder), each at least ``minimum``
    when the total allows it."""
    s = sum(weights)
    exact = [total * w / s for w in weights]
    counts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda k: (counts[k] - exact[k], k))
    for k in order[: total - sum(counts)]:
        counts[k] += 1
    if minimum and total >= minimum * len(weights):
        for k in range(len(counts)):
            while counts[k] < minimum:
                donor = max(range(len(counts)), key=lambda j: (counts[j], -j))
                counts[donor] -= 1
                counts[k] += 1
    return counts


def _distinct(rng: random.Random, chars: str, length: int) -> str:
    """``length`` different characters of ``chars``."""
    n = len(chars)
    picked = chars[below(rng, n)]
    while len(picked) < length:
        ch = chars[below(rng, n)]
        if ch not in picked:
            picked += ch
    return picked


class _Namer:
    """Unique subject names in realistic patterns."""

    def __init__(self, geography: Geography, taken: set[str]) -> None:
        self.geo = geography
        self.taken = taken
        self.form_picker = Picker(
            range(len(pools.ENTERPRISE_FORMS)), [f[2] for f in pools.ENTERPRISE_FORMS]
        )

    def brand(self, rng: random.Random, length: int = 2) -> str:
        return _distinct(rng, pools.BRAND_CHARS, length)

    def place(self, rng: random.Random) -> str:
        return _distinct(rng, pools.PLACE_CHARS, 2)

    def local_prefix(self, rng: random.Random, county_index: int, enterprise: bool) -> str:
        county = self.geo.counties[county_index]
        city = self.geo.cities[county.city]
        u = rng.random()
        if city.province == "31":
            if u < 0.6:
                return "上海"
            return f"上海市{county.name}" if u < 0.8 else f"上海{county.name}"
        if county.kind == "区":
            if u < 0.25:
                return city.name + county.name
            if u < 0.75 or not enterprise:
                return city.short if u < 0.9 or enterprise else city.short + county.name
            return city.short + county.short
        if county.kind == "市":
            return county.name if u < 0.45 else county.short if u < 0.85 else city.short
        return county.name if u < 0.45 else city.short if u < 0.8 else city.name + county.name

    def unique(self, make: Callable[[int], str]) -> str:
        for attempt in range(40):
            name = make(2 if attempt < 20 else 3)
            if name not in self.taken:
                self.taken.add(name)
                return name
        raise RuntimeError("no unique name")  # pragma: no cover - 3-character brands suffice

    def enterprise(self, rng: random.Random, county: int, industry: int) -> tuple[str, int]:
        form = self.form_picker.pick(rng)
        suffix = pools.ENTERPRISE_FORMS[form][0]
        word = pools.INDUSTRIES[industry].word
        geo = self.geo
        city = geo.cities[geo.counties[county].city]
        province = geo.provinces[city.province]

        def make(length: int) -> str:
            brand = self.brand(rng, length)
            if suffix == "（集团）有限公司":
                return f"{self.local_prefix(rng, county, True)}{brand}{suffix}"
            u = rng.random()
            if u < 0.1:
                return f"{brand}（{city.short}）{word}{suffix}"
            if u < 0.18 and province.code != "31":
                return f"{province.short}{brand}{word}{suffix}"
            return f"{self.local_prefix(rng, county, True)}{brand}{word}{suffix}"

        return self.unique(make), form

    def cooperative(self, rng: random.Random, county: int) -> str:
        word = rng.choice(pools.COOPERATIVE_WORDS)
        return self.unique(
            lambda n: f"{self.local_prefix(rng, county, False)}{self.brand(rng, n)}{word}专业合作社"
        )

    def individual(self, rng: random.Random, county_index: int, shop: int, surname: str) -> str:
        county = self.geo.counties[county_index]
        city = self.geo.cities[county.city]
        word = pools.SHOPS[shop][0]
        where = city.short + county.name if county.kind == "区" else county.name

        def make(length: int) -> str:
            u = rng.random()
            if u < 0.35 and length == 2:
                return f"{where}{surname}记{word}"
            if u < 0.6:
                return f"{where}{self.brand(rng, length)}{word}"
            if u < 0.8:
                return f"{self.geo.county_prefix(county)}{self.brand(rng, length)}{word}"
            return f"{self.local_prefix(rng, county_index, False)}{self.brand(rng, length)}{word}"

        return self.unique(make)

    def social(self, rng: random.Random, county_index: int, subtype: int) -> tuple[str, str]:
        """(name, sector) of a social organisation (subtype 1 社团, 2 民非, 3 基金会)."""
        county = self.geo.counties[county_index]
        city = self.geo.cities[county.city]
        prefix = self.geo.county_prefix(county)
        sector = "none"
        if subtype == 2:
            pattern = rng.choice(pools.NONPROFIT_PATTERNS)
            sector = (
                "school"
                if "学校" in pattern or "幼儿园" in pattern
                else "medical"
                if "医院" in pattern
                else "none"
            )
            name = self.unique(lambda n: prefix + pattern.format(brand=self.brand(rng, n)))
            return name, sector
        if subtype == 3:
            pattern = rng.choice(pools.FOUNDATION_PATTERNS)
            return self.unique(
                lambda n: city.name + pattern.format(brand=self.brand(rng, n))
            ), sector

        def make(length: int) -> str:
            u = rng.random()
            extra = self.brand(rng, length) if length > 2 else ""
            if u < 0.3:
                return f"{city.name}{extra}{rng.choice(pools.ASSOCIATION_WORDS)}行业协会"
            if u < 0.5:
                return f"{prefix}{extra}{rng.choice(pools.ASSOCIATION_WORDS)}行业协会"
            if u < 0.65:
                home = rng.choice(pools.HOMETOWNS)
                return f"{city.name}{extra}{home}商会"
            if u < 0.8:
                return f"{city.name}{extra}{rng.choice(pools.DISCIPLINES)}学会"
            return f"{prefix}{extra}{rng.choice(pools.SOCIETIES)}协会"

        return self.unique(make), sector

    def public(self, rng: random.Random, county_index: int, subtype: int) -> tuple[str, str]:
        """(name, sector) of a public body (subtype 1 机关, 2 事业单位)."""
        county = self.geo.counties[county_index]
        prefix = self.geo.county_prefix(county)
        patterns = (
            pools.PUBLIC_ORGAN_PATTERNS if subtype == 1 else pools.PUBLIC_INSTITUTION_PATTERNS
        )
        pattern = rng.choice(patterns)
        sector = "medical" if "卫生" in pattern else "none"

        def make(length: int) -> str:
            place = (
                self.place(rng) if length == 2 else self.place(rng) + rng.choice(pools.PLACE_CHARS)
            )
            return prefix + pattern.format(place=place)

        return self.unique(make), sector


def build_world(
    geography: Geography,
    n: int,
    seed: int,
    as_of: dt.date,
    progress: Callable[[int, int], None] | None = None,
) -> World:
    """Build ``n`` subjects, their representatives, shareholders and natural-person parties."""
    rng = random.Random(f"{seed}:world")
    used_bodies: set[str] = set()
    institutions = Institutions(geography, seed, used_bodies)
    persons = Persons(geography)
    world = World(geography=geography, institutions=institutions, persons=persons, n=n)
    namer = _Namer(geography, {inst.name for inst in institutions.items})

    # who is where, and of which type
    cities = geography.cities
    city_counts = _allocate(n, [c.weight for c in cities], 1)
    city_of: list[int] = [
        c.index for c, k in zip(cities, city_counts, strict=True) for _ in range(k)
    ]
    rng.shuffle(city_of)
    type_counts = _allocate(n, TYPE_SHARES, 0)
    type_of: list[int] = [t for t, k in enumerate(type_counts) for _ in range(k)]
    rng.shuffle(type_of)
    county_pickers = [
        Picker(c.counties, [geography.counties[k].weight for k in c.counties]) for c in cities
    ]
    province_county_pickers: dict[str, Picker] = {}
    for code, p in geography.provinces.items():
        items, weights = [], []
        for ci in p.cities:
            c = cities[ci]
            total = sum(geography.counties[k].weight for k in c.counties)
            for k in c.counties:
                items.append(k)
                weights.append(c.weight * geography.counties[k].weight / total)
        province_county_pickers[code] = Picker(items, weights)
    region_picker = Picker(
        range(len(geography.counties)),
        [
            cities[k.city].weight
            * k.weight
            / sum(geography.counties[j].weight for j in cities[k.city].counties)
            for k in geography.counties
        ],
    )
    status_picker = Picker(range(len(STATUSES)), STATUS_WEIGHTS)
    industry_count = len(pools.INDUSTRIES)
    shop_count = len(pools.SHOPS)
    old_start, old_end = dt.date(1995, 1, 1), dt.date(2014, 12, 31)
    new_start = dt.date(2015, 1, 1)
    new_end = max(new_start, as_of - dt.timedelta(days=30))
    sequence: dict[int, int] = {}
    enterprises: list[int] = []
    step = max(1, n // 50)

    def birthplace(province: str) -> int:
        if rng.random() < 0.8:
            return province_county_pickers[province].pick(rng)
        return region_picker.pick(rng)

    for i in range(n):
        t = type_of[i]
        county = county_pickers[city_of[i]].pick(rng)
        province = cities[city_of[i]].province
        division = geography.counties[county].code
        flags = 0
        # ~10 % of subjects are old; individual businesses more often (their legacy-only records
        # are about half of the old subjects), and ~1 % of them have an unmapped 工商注册号
        old = rng.random() < (OLD_SHARE_INDIVIDUAL if t == INDIVIDUAL else OLD_SHARE_OTHER)
        if t == INDIVIDUAL and not old and rng.random() < 0.0134:
            flags |= UNMAPPED | LEGACY_ONLY
            old = True
        if old:
            flags |= OLD
        start = dt.date(1990, 1, 1) if t in (SOCIAL, PUBLIC) else old_start
        established = (
            date_between(rng, start, old_end) if old else date_between(rng, new_start, new_end)
        )
        gszc_type = -1
        if old and not flags & UNMAPPED:
            if t in (ENTERPRISE, COOPERATIVE):
                if rng.random() < 0.7:
                    flags |= REG_ORG_CODE
                if rng.random() < 0.6 or not flags & REG_ORG_CODE:
                    flags |= REG_BUSINESS_NO
                    gszc_type = rng.choice((0, 0, 0, 1, 2, 3))
            elif t == INDIVIDUAL:
                flags |= REG_BUSINESS_NO
                gszc_type = rng.choice((6, 6, 6, 7, 8, 9))
                if rng.random() < 0.85:
                    flags |= LEGACY_ONLY
            else:
                flags |= REG_ORG_CODE
        if flags & UNMAPPED:
            gszc_type = rng.choice((6, 6, 7, 8))
        # identifiers
        subtype = 0
        if t == ENTERPRISE:
            prefix, style = "91", "MA"
        elif t == COOPERATIVE:
            prefix, style = "93", "MA"
        elif t == INDIVIDUAL:
            prefix, style = "92", "MA"
        elif t == SOCIAL:
            subtype = rng.choices((1, 2, 3), (0.5, 0.45, 0.05))[0]
            prefix, style = f"5{subtype}", "MJ"
        else:
            subtype = 1 if rng.random() < 0.3 else 2
            prefix, style = f"1{subtype}", "digits"
        if old:
            style = "digits"
        while True:
            body = random_body(rng, style)
            if body not in used_bodies:
                used_bodies.add(body)
                break
        code, _ = uscc_of(prefix, division, body)
        gszc = ""
        if gszc_type >= 0:
            seq = sequence.get(county)
            seq = rng.randint(10_000, 900_000) if seq is None else seq + rng.randint(1, 40)
            sequence[county] = seq
            gszc = business_reg_no_of(division, gszc_type, seq)
        # representative (operator for an individual business)
        if t != INDIVIDUAL and len(persons) > 10 and rng.random() < 0.05:
            rep = world.rep[rng.randrange(i)] if i else persons.new(rng, birthplace(province))
        else:
            rep = persons.new(rng, birthplace(province))
        # name, sector, form, capital
        industry = -1
        if t == ENTERPRISE:
            industry = rng.randrange(industry_count)
            name, form = namer.enterprise(rng, county, industry)
            sector = pools.INDUSTRIES[industry].sector
            capital = int(10 ** rng.uniform(1, 3.7)) * 10_000
            if rng.random() < 0.02:
                capital *= rng.randint(10, 50)
        elif t == COOPERATIVE:
            name, sector = namer.cooperative(rng, county), "agriculture"
            form = FORM_INDEX["农民专业合作社"]
            capital = rng.randint(10, 500) * 10_000
        elif t == INDIVIDUAL:
            industry = rng.randrange(shop_count)
            surname = persons.name(rep)[0]
            name = namer.individual(rng, county, industry, surname)
            sector = pools.SHOPS[industry][1]
            form = FORM_INDEX["个体工商户"]
            capital = rng.randint(1, 50) * 10_000 if rng.random() < 0.5 else 0
        elif t == SOCIAL:
            name, sector = namer.social(rng, county, subtype)
            form = FORM_INDEX[("社会团体", "民办非企业单位", "基金会")[subtype - 1]]
            capital = rng.randint(3, 500) * 10_000
        else:
            name, sector = namer.public(rng, county, subtype)
            form = FORM_INDEX["机关" if subtype == 1 else "事业单位"]
            capital = rng.randint(10, 5000) * 10_000 if subtype == 2 else 0
        if t in (ENTERPRISE, COOPERATIVE) and rng.random() < 0.3:
            flags |= CITY_REGISTERED
        status = 0 if t == PUBLIC else status_picker.pick(rng)
        road = rng.randrange(len(ROAD_CHARS)) + 256 * rng.randrange(len(ROAD_CHARS))
        road += 65536 * rng.randrange(len(pools.ROAD_SUFFIXES))
        # shareholders (enterprises)
        world.holders_start.append(len(world.holders))
        if t == ENTERPRISE:
            count = rng.choices((1, 2, 3, 4), (0.35, 0.35, 0.2, 0.1))[0]
            names: list[str] = []
            corporate: list[int] = []
            for k in range(count):
                if k == 0 and rng.random() < 0.8:
                    ref = rep
                elif enterprises and rng.random() < 0.15:
                    other = enterprises[rng.randrange(len(enterprises))]
                    if other in corporate:
                        continue
                    corporate.append(other)
                    world.holders.append(-other - 1)
                    continue
                else:
                    ref = persons.new(rng, birthplace(province), names)
                person_name = persons.name(ref)
                if person_name in names:
                    continue
                names.append(person_name)
                world.holders.append(ref)
            enterprises.append(i)
        world.stype.append(t)
        world.subtype.append(subtype)
        world.county.append(county)
        world.established.append(established.toordinal())
        world.flags.append(flags)
        world.status.append(status)
        world.sector.append(SECTOR_INDEX[sector])
        world.industry.append(industry)
        world.form.append(form)
        world.capital.append(capital)
        world.rep.append(rep)
        world.road.append(road)
        world.names.append(name)
        world.usccs.append(code)
        world.business_nos.append(gszc)
        if progress is not None and (i + 1) % step == 0:
            progress(i + 1, n)
    world.holders_start.append(len(world.holders))
    institutions._used_bodies = set()  # only needed while codes are handed out
    for _ in range(max(1, round(n * 0.04))):
        world.party_persons.append(persons.new(rng, region_picker.pick(rng)))
    persons.done()
    if progress is not None:
        progress(n, n)
    return world
