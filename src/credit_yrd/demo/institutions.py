"""The institutions that decide and report: departments of the four provinces (market regulation,
ecology, courts, tax …) and the market institutions that report market records (banks, credit
agencies, trade associations, utilities). Each has a realistic name and a valid USCC."""

from __future__ import annotations

from dataclasses import dataclass

from credit_yrd.demo import pools
from credit_yrd.demo.codes import hashed_body, uscc_of
from credit_yrd.demo.geography import City, County, Geography, Province

#: Province-level seat of each province's institutions (the capital).
CAPITALS = {"31": "310000", "32": "320100", "33": "330100", "34": "340100"}


@dataclass(frozen=True)
class Institution:
    index: int
    role: str  # authority or reporter
    key: str  # department key (amr, court …) or reporter type (bank …)
    level: str  # province, city or county
    name: str
    uscc: str
    division: str  # six digits of the seat
    province: str  # two digits
    city: int  # index into Geography.cities (-1: province level)
    county: int  # index into Geography.counties (-1: above county level)
    domain: str  # domain code (authorities), "" for reporters
    abbr: str  # prefix of document numbers: 苏吴 (county), 苏 (city), 苏 (province)
    court_code: str  # 苏0506, 苏05, 苏 (courts only)


class Institutions:
    """All institutions, built up front in a fixed order (so the same seed gives the same codes)."""

    def __init__(self, geography: Geography, seed: int, used_bodies: set[str]) -> None:
        self.geography = geography
        self.seed = seed
        self.items: list[Institution] = []
        self._used_bodies = used_bodies  # shared with the subjects while the world is built
        self._by_key: dict[tuple[str, str, int], int] = {}
        self.reporters: dict[tuple[str, str], list[int]] = {}
        self.city_banks: dict[int, list[int]] = {}
        self.city_utilities: dict[int, int] = {}
        self._build()

    # ------------------------------------------------------------------ building

    def _add(
        self,
        role: str,
        key: str,
        level: str,
        name: str,
        prefix: str,
        division: str,
        province: str,
        city: int = -1,
        county: int = -1,
        domain: str = "",
        abbr: str = "",
        court_code: str = "",
    ) -> int:
        salt = 0
        while True:
            body = hashed_body(self.seed, f"{name}#{salt}" if salt else name)
            if body not in self._used_bodies:
                break
            salt += 1
        code, org = uscc_of(prefix, division, body)
        self._used_bodies.add(org[:8])
        index = len(self.items)
        self.items.append(
            Institution(
                index,
                role,
                key,
                level,
                name,
                code,
                division,
                province,
                city,
                county,
                domain,
                abbr,
                court_code,
            )
        )
        return index

    def _authority_name(
        self, dept: pools.Department, level: str, p: Province, c: City | None, k: County | None
    ) -> str | None:
        if p.code == "31" and level in ("province", "city"):
            if dept.key in pools.SHANGHAI_NAMES:
                return pools.SHANGHAI_NAMES[dept.key]
            pattern = dept.city or dept.province
            return pattern.format(c="上海市", p="上海市", k="") if pattern else None
        if level == "province":
            return dept.province.format(p=p.name) if dept.province else None
        if level == "city":
            assert c is not None
            return dept.city.format(c=c.name) if dept.city else None
        assert c is not None and k is not None
        if dept.county is None:
            return None
        if dept.key == "police" and k.is_district:
            return f"{c.name}公安局{k.short}分局"
        return dept.county.format(k=self.geography.county_prefix(k))

    def _build(self) -> None:
        geo = self.geography
        for p in geo.provinces.values():
            for dept in pools.DEPARTMENTS:
                if p.code == "31":
                    continue  # Shanghai's bodies are city-level (below)
                name = self._authority_name(dept, "province", p, None, None)
                if name is None:
                    continue
                self._by_key[(dept.key, "province", int(p.code))] = self._add(
                    "authority",
                    dept.key,
                    "province",
                    name,
                    "11",
                    f"{p.code}0000",
                    p.code,
                    domain=dept.domain,
                    abbr=p.abbr,
                    court_code=p.abbr,
                )
            customs = self._add(
                "authority",
                "customs",
                "province",
                pools.CUSTOMS[p.code],
                "11",
                CAPITALS[p.code],
                p.code,
                domain="other",
                abbr=p.abbr,
            )
            self._by_key[("customs", "province", int(p.code))] = customs
        for c in geo.cities:
            p = geo.provinces[c.province]
            for dept in pools.DEPARTMENTS:
                name = self._authority_name(dept, "city", p, c, None)
                if name is None:
                    continue
                index = self._add(
                    "authority",
                    dept.key,
                    "city",
                    name,
                    "11",
                    c.code,
                    p.code,
                    city=c.index,
                    domain=dept.domain,
                    abbr=c.abbr,
                    court_code=f"{p.abbr}{c.code[2:4]}",
                )
                self._by_key[(dept.key, "city", c.index)] = index
                if p.code == "31":
                    self._by_key[(dept.key, "province", 31)] = index
            for k_index in c.counties:
                k = geo.counties[k_index]
                for dept in pools.DEPARTMENTS:
                    name = self._authority_name(dept, "county", p, c, k)
                    if name is None:
                        continue
                    self._by_key[(dept.key, "county", k.index)] = self._add(
                        "authority",
                        dept.key,
                        "county",
                        name,
                        "11",
                        k.code,
                        p.code,
                        city=c.index,
                        county=k.index,
                        domain=dept.domain,
                        abbr=f"{c.abbr}{k.short[0]}",
                        court_code=f"{p.abbr}{k.code[2:]}",
                    )
        self._build_reporters()

    def _reporter(
        self, key: str, name: str, prefix: str, division: str, province: str, city: int = -1
    ) -> int:
        index = self._add(
            "reporter",
            key,
            "city" if city >= 0 else "province",
            name,
            prefix,
            division,
            province,
            city=city,
        )
        self.reporters.setdefault((province, key), []).append(index)
        return index

    def _build_reporters(self) -> None:
        geo = self.geography
        for p in geo.provinces.values():
            capital = CAPITALS[p.code]
            for name in pools.PROVINCE_BANKS[p.code]:
                self._reporter("bank", name, "91", capital, p.code)
            for name in pools.CREDIT_AGENCIES[p.code]:
                self._reporter("credit_agency", name, "91", capital, p.code)
            for word in ("信用", "质量", "品牌建设"):
                self._reporter("trade_association", f"{p.name}{word}促进会", "51", capital, p.code)
        for c in geo.cities:
            p = geo.provinces[c.province]
            where = "上海市" if p.code == "31" else c.short
            self.city_banks[c.index] = [
                self._reporter("bank", pattern.format(s=where), "91", c.code, p.code, c.index)
                for pattern in pools.BANKS
            ]
            utility = (
                f"{pools.UTILITIES[p.code]}市区供电公司"
                if p.code == "31"
                else f"{pools.UTILITIES[p.code]}{c.short}供电分公司"
            )
            self.city_utilities[c.index] = self._reporter(
                "utility", utility, "91", c.code, p.code, c.index
            )

    # ------------------------------------------------------------------ lookup

    def authority(self, dept: str, level: str, county: County) -> Institution:
        """The body of a department that sits at ``level`` above (or at) a county; a level the
        department lacks falls back to the next one up (or down, for Shanghai)."""
        city = county.city
        province = int(self.geography.cities[city].province)
        order = {
            "county": (("county", county.index), ("city", city), ("province", province)),
            "city": (("city", city), ("province", province), ("county", county.index)),
            "province": (("province", province), ("city", city), ("county", county.index)),
        }[level]
        for lvl, idx in order:
            found = self._by_key.get((dept, lvl, idx))
            if found is not None:
                return self.items[found]
        raise KeyError((dept, level, county.code))
