"""The map of the synthetic world: 4 provinces, 41 prefecture-level cities, their counties.

Cities come from the standard's ``city`` code list; county-level divisions from GB/T 2260
(:mod:`credit_yrd.ids.divisions`), only those still in use. Subjects are spread by rough economic
size: provinces by share, cities by GDP (2023, 100 billion yuan, rounded), counties with urban
districts a little heavier than counties.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from credit_yrd.demo.options import GenerateError
from credit_yrd.ids import divisions
from credit_yrd.standards.models import Standard

#: province code → (source code, share of subjects, short name, one-character abbreviation)
PROVINCES: dict[str, tuple[str, float, str, str]] = {
    "31": ("shanghai", 0.22, "上海", "沪"),
    "32": ("jiangsu", 0.30, "江苏", "苏"),
    "33": ("zhejiang", 0.28, "浙江", "浙"),
    "34": ("anhui", 0.20, "安徽", "皖"),
}

#: city code → (GDP weight, abbreviation used in document numbers)
CITY_FACTS: dict[str, tuple[float, str]] = {
    "310000": (47.2, "沪"),
    "320100": (17.4, "宁"),
    "320200": (15.5, "锡"),
    "320300": (9.0, "徐"),
    "320400": (10.1, "常"),
    "320500": (24.7, "苏"),
    "320600": (11.8, "通"),
    "320700": (4.4, "连"),
    "320800": (5.0, "淮"),
    "320900": (7.4, "盐"),
    "321000": (7.4, "扬"),
    "321100": (5.3, "镇"),
    "321200": (6.7, "泰"),
    "321300": (4.4, "宿"),
    "330100": (20.1, "杭"),
    "330200": (16.5, "甬"),
    "330300": (8.7, "温"),
    "330400": (7.1, "嘉"),
    "330500": (4.0, "湖"),
    "330600": (7.8, "绍"),
    "330700": (6.0, "金"),
    "330800": (2.1, "衢"),
    "330900": (2.1, "舟"),
    "331000": (6.2, "台"),
    "331100": (2.0, "丽"),
    "340100": (12.7, "合"),
    "340200": (4.7, "芜"),
    "340300": (2.2, "蚌"),
    "340400": (1.6, "淮南"),
    "340500": (2.6, "马"),
    "340600": (1.3, "淮北"),
    "340700": (1.3, "铜"),
    "340800": (2.9, "宜"),
    "341000": (1.0, "黄"),
    "341100": (3.6, "滁"),
    "341200": (3.4, "阜"),
    "341300": (2.3, "宿州"),
    "341500": (2.0, "六"),
    "341600": (2.2, "亳"),
    "341700": (1.1, "池"),
    "341800": (2.0, "宣"),
}

_COUNTY_WEIGHT = {"区": 2.0, "市": 1.5, "县": 1.0}


@dataclass(frozen=True)
class County:
    index: int  # position in Geography.counties
    code: str
    name: str  # 吴中区, 昆山市, 肥东县, 浦东新区
    short: str  # 吴中, 昆山, 肥东, 浦东
    kind: str  # 区, 市 or 县
    city: int  # index into Geography.cities
    weight: float

    @property
    def is_district(self) -> bool:
        return self.kind == "区"


@dataclass(frozen=True)
class City:
    index: int
    code: str
    name: str  # 苏州市
    short: str  # 苏州
    abbr: str  # 苏 (document numbers)
    province: str  # two digits
    weight: float  # share of all subjects
    counties: tuple[int, ...]  # indices into Geography.counties


@dataclass(frozen=True)
class Province:
    code: str  # two digits
    source: str  # shanghai, jiangsu …
    name: str  # 江苏省
    short: str  # 江苏
    abbr: str  # 苏
    share: float
    cities: tuple[int, ...]


@dataclass(frozen=True)
class Geography:
    provinces: dict[str, Province]
    cities: tuple[City, ...]
    counties: tuple[County, ...]

    def province_of(self, city: City) -> Province:
        return self.provinces[city.province]

    def county_prefix(self, county: County) -> str:
        """How an authority or an address names the county: 苏州市吴中区, 昆山市, 肥东县,
        上海市浦东新区 (districts carry their city)."""
        if county.kind == "区":
            return self.cities[county.city].name + county.name
        return county.name


def _short(name: str) -> tuple[str, str]:
    for suffix in ("新区", "区", "市", "县"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            kind = "区" if suffix == "新区" else suffix
            return name[: -len(suffix)], kind
    kind = name[-1] if name[-1] in _COUNTY_WEIGHT else "县"
    return name, kind


@cache
def _county_divisions(province: str) -> tuple[divisions.Division, ...]:
    table = divisions._table()[0]
    return tuple(
        d
        for code, d in sorted(table.items())
        if code[:2] == province
        and d.level == "county"
        and not d.abolished
        and d.county is not None
        and d.county not in ("市辖区", "县", "市", "市区", "郊区", "矿区")
    )


def build_geography(standard: Standard) -> Geography:
    """The provinces, cities and counties, checked against the standard's ``city`` list."""
    city_list = standard.code_lists["city"]
    cities: list[City] = []
    counties: list[County] = []
    by_province: dict[str, list[int]] = {code: [] for code in PROVINCES}
    for entry in city_list.ordered():
        code = entry.code
        province = entry.parent or code[:2]
        if province not in PROVINCES or code not in CITY_FACTS:
            raise GenerateError(
                f"代码表 city 中的城市 {code} 不在生成器的城市表中",
                f"city {code} of code list 'city' is unknown to the generator",
            )
        gdp, abbr = CITY_FACTS[code]
        index = len(cities)
        members = [
            d for d in _county_divisions(province) if province == "31" or d.code[:4] == code[:4]
        ]
        if not members:
            raise GenerateError(
                f"城市 {code} 下没有现行县级行政区划", f"city {code} has no current county"
            )
        county_indices = []
        for d in members:
            assert d.county is not None
            short, kind = _short(d.county)
            county_indices.append(len(counties))
            counties.append(
                County(
                    index=len(counties),
                    code=d.code,
                    name=d.county,
                    short=short,
                    kind=kind,
                    city=index,
                    weight=_COUNTY_WEIGHT[kind],
                )
            )
        name = entry.label_zh
        cities.append(
            City(
                index=index,
                code=code,
                name=name,
                short=name[:-1] if name.endswith("市") else name,
                abbr=abbr,
                province=province,
                weight=gdp,
                counties=tuple(county_indices),
            )
        )
        by_province[province].append(index)
    provinces: dict[str, Province] = {}
    for code, (source, share, short, abbr) in PROVINCES.items():
        in_province = by_province[code]
        total = sum(cities[i].weight for i in in_province)
        for i in in_province:
            c = cities[i]
            cities[i] = City(**{**c.__dict__, "weight": share * c.weight / total})
        provinces[code] = Province(
            code=code,
            source=source,
            name=divisions.REGION_PROVINCES[code],
            short=short,
            abbr=abbr,
            share=share,
            cities=tuple(in_province),
        )
    return Geography(provinces=provinces, cities=tuple(cities), counties=tuple(counties))
