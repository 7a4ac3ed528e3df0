from __future__ import annotations

from credit_yrd.ids import divisions


def test_region_has_41_prefecture_level_units() -> None:
    counts = {p: len(divisions.cities(p)) for p in divisions.REGION_PROVINCES}
    assert counts == {"31": 1, "32": 13, "33": 11, "34": 16}
    assert sum(counts.values()) == 41


def test_current_cities_by_name() -> None:
    assert [c.name for c in divisions.cities("31")] == ["上海市"]
    assert [c.name for c in divisions.cities("32")] == [
        "南京市",
        "无锡市",
        "徐州市",
        "常州市",
        "苏州市",
        "南通市",
        "连云港市",
        "淮安市",
        "盐城市",
        "扬州市",
        "镇江市",
        "泰州市",
        "宿迁市",
    ]
    assert [c.name for c in divisions.cities("33")] == [
        "杭州市",
        "宁波市",
        "温州市",
        "嘉兴市",
        "湖州市",
        "绍兴市",
        "金华市",
        "衢州市",
        "舟山市",
        "台州市",
        "丽水市",
    ]
    anhui = [c.name for c in divisions.cities("34")]
    assert "巢湖市" not in anhui
    assert anhui == [
        "合肥市",
        "芜湖市",
        "蚌埠市",
        "淮南市",
        "马鞍山市",
        "淮北市",
        "铜陵市",
        "安庆市",
        "黄山市",
        "滁州市",
        "阜阳市",
        "宿州市",
        "六安市",
        "亳州市",
        "池州市",
        "宣城市",
    ]


def test_chaohu() -> None:
    prefecture = divisions.lookup("341400")
    assert prefecture is not None
    assert prefecture.abolished and (prefecture.valid_from, prefecture.valid_to) == (1999, 2011)
    # since 2011 巢湖市 is a county-level city under 合肥市: current
    county = divisions.lookup("340181")
    assert county is not None and not county.abolished
    assert county.full_name == "安徽省合肥市巢湖市" and county.valid_from == 2011


def test_lookup_and_names() -> None:
    kunshan = divisions.lookup("320583")
    assert kunshan is not None
    assert (kunshan.province, kunshan.city, kunshan.county) == ("江苏省", "苏州市", "昆山市")
    assert kunshan.full_name == "江苏省苏州市昆山市"
    assert kunshan.valid_from == 1989 and kunshan.level == "county"
    assert divisions.lookup("310101").full_name == "上海市黄浦区"  # type: ignore[union-attr]
    assert divisions.lookup("320000").full_name == "江苏省"  # type: ignore[union-attr]
    assert divisions.lookup("999999") is None
    assert divisions.lookup("3205") is None


def test_renamed_code_history() -> None:
    huaian = divisions.lookup("320800")
    assert huaian is not None and huaian.name == "淮安市"
    assert huaian.name_in(1995) == "淮阴市" and huaian.name_in(2001) == "淮安市"


def test_province_helpers() -> None:
    assert divisions.REGION_PROVINCES == {
        "31": "上海市",
        "32": "江苏省",
        "33": "浙江省",
        "34": "安徽省",
    }
    assert divisions.province_name("32") == "江苏省"
    assert divisions.province_name("330106") == "浙江省"
    assert divisions.province_name("99") is None
    assert divisions.is_province_code("34") and not divisions.is_province_code("10")


def test_development_zone() -> None:
    zone = divisions.development_zone("320594")
    assert zone is not None and zone.name_zh == "苏州工业园区"
    assert zone.confidence in ("high", "medium", "low") and zone.source
    assert divisions.lookup("320594") is None  # not in GB/T 2260
    assert divisions.development_zone("320583") is None
    for zone in divisions.development_zones():
        assert divisions.lookup(zone.code) is None
