"""The public pages over HTTP, on both backends: home, search, a credit file, a record, errors,
the language switch, and what every page carries (headers, labels, no resident ID in clear)."""

from __future__ import annotations

import re

from credit_yrd.web.routes import page_routes, undeclared_pages
from tests.ledger.conftest import COMPANY_NAME, PERSON_ID, PERSON_NAME, REP_ID
from tests.web.conftest import Portal, assert_page


def test_every_page_declares_who_may_open_it() -> None:
    assert undeclared_pages() == []
    assert len(page_routes()) >= 12


def test_home_keeps_the_figures_and_offers_search(portal: Portal) -> None:
    text = assert_page(portal.client.get("/"))
    assert '<html lang="zh-CN">' in text
    assert '<label for="q">' in text and 'id="q" name="q"' in text
    assert "区域概况" in text and "上海市公共信用信息" in text
    # The footer names the data date: the day the Shanghai batch was completed.
    assert "数据截至 2026-06-01" in text
    # Nothing external: every script and style sheet is served here.
    for url in re.findall(r'(?:src|href)="([^"]+)"', text):
        assert not url.startswith(("http:", "https:", "//")), url


def test_search_by_part_of_the_name(portal: Portal) -> None:
    text = assert_page(portal.client.get("/search", params={"q": "测试信用"}))
    assert COMPANY_NAME in text
    assert f'href="/subjects/{portal.region.uscc}"' in text
    assert re.search(r'id="result-count">1<', text)
    # Natural persons are never listed.
    assert PERSON_NAME not in text and PERSON_NAME[0] + "*" not in text


def test_search_by_code_and_by_legacy_code(portal: Portal) -> None:
    for code in (portal.region.uscc, portal.region.org_code):
        text = assert_page(portal.client.get("/search", params={"q": code}))
        assert COMPANY_NAME in text and "按代码精确匹配" in text


def test_search_filters_and_paging(portal: Portal) -> None:
    client = portal.client
    # The batch's companies are Shanghai legal persons named 上海测试…贸易有限公司.
    both = assert_page(client.get("/search", params={"q": "上海测试"}))
    assert "上海测试1贸易有限公司" in both
    shanghai = assert_page(client.get("/search", params={"q": "测试", "province": "31"}))
    assert COMPANY_NAME in shanghai
    anhui = assert_page(client.get("/search", params={"q": "测试", "province": "34"}))
    assert "没有找到符合条件的主体" in anhui and COMPANY_NAME not in anhui
    licensed = assert_page(client.get("/search", params={"q": "测试", "kind": "license"}))
    assert COMPANY_NAME in licensed and "上海测试1贸易有限公司" not in licensed
    typed = assert_page(client.get("/search", params={"q": "测试", "type": "legal_person"}))
    assert COMPANY_NAME in typed
    past = assert_page(client.get("/search", params={"q": "测试", "page": "50"}))
    assert "超出结果范围" in past and 'rel="prev"' in past


BAD_SEARCHES: list[tuple[dict[str, str], str]] = [
    ({"q": "测试", "type": "natural_person"}, "自然人不可公开检索"),
    ({"q": "测试", "province": "北京"}, "未知的省份"),
    ({"q": "测试", "kind": "nonsense"}, "未知的信息类别"),
    ({"q": "测试", "domain": "nonsense"}, "未知的领域"),
    ({"q": "测试", "page": "0"}, "页码应为"),
    ({"q": "测试", "page": "x" * 30}, "页码应为"),
    ({"q": "测" * 300}, "查询过长"),
    ({"q": "", "province": "31"}, "请输入查询内容"),
    ({"q": "\x00\x01"}, "查询为空"),
]
ODD_QUERIES = [
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "%_%",
    "测试\u202e\u200b",
    "🙂" * 50,
    "ｔｅｓｔ（测试）",
]
#: Query strings that are not UTF-8 (a lone surrogate, a stray byte), as a browser may send.
RAW_QUERIES = ["q=%ED%A0%80", "q=%FF%FE", "q=%E6%B5", "q=a&q=b&page=1&page=2"]


def test_bad_searches_say_why(portal: Portal) -> None:
    for params, message in BAD_SEARCHES:
        text = assert_page(portal.client.get("/search", params=params), 400)
        assert message in text and 'role="alert"' in text, params


def test_odd_queries_are_inert(portal: Portal) -> None:
    for q in ODD_QUERIES:
        response = portal.client.get("/search", params={"q": q})
        assert response.status_code in (200, 400), q
        text = assert_page(response, response.status_code)
        assert "<script>alert(1)</script>" not in text
    for raw in RAW_QUERIES:
        response = portal.client.get("/search?" + raw)
        assert response.status_code in (200, 400), raw
        assert_page(response, response.status_code)


def test_search_without_a_query_asks_for_one(portal: Portal) -> None:
    text = assert_page(portal.client.get("/search"))
    assert "请输入企业名称" in text and 'id="results"' in text


def test_the_public_file_shows_penalties_with_their_key_fields(portal: Portal) -> None:
    region = portal.region
    text = assert_page(portal.client.get(f"/subjects/{region.uscc}"))
    shown = region.records["shown"]
    card = text[text.index(f'id="record-{shown}"') :]
    card = card[: card.index("</li>")]
    wanted = ("行政处罚", "处罚类别", "罚款", "处罚机关", "上海市市场监督管理局", "公示截止期")
    for needle in wanted:
        assert needle in card, needle
    assert "来源：上海市 · 上海市公共信用信息" in card and "2026-03-01" in card
    assert re.search(r'class="publication-end">2029-03-01<', card)
    assert f'href="/records/{shown}"' in card
    # Only records published today, not withdrawn: the withdrawn, corrected and old ones are out.
    for hidden in ("withdrawn", "old", "corrected"):
        assert f'id="record-{region.records[hidden]}"' not in text
    assert REP_ID not in text and "CF_GSZT" not in text and "公示状态" not in text
    # The legacy code opens the same file.
    by_org = assert_page(portal.client.get(f"/subjects/{region.org_code}"))
    assert f'id="record-{shown}"' in by_org


def test_record_detail_with_history(portal: Portal) -> None:
    shown = portal.region.records["shown"]
    text = assert_page(portal.client.get(f"/records/{shown}"))
    assert "历史版本" in text and "第 1 版" in text
    assert "处罚类别" in text and "公示截止期" in text
    assert f'href="/subjects/{portal.region.uscc}"' in text


def test_a_person_s_record_is_masked_everywhere(portal: Portal) -> None:
    record = portal.region.records["person_penalty"]
    text = assert_page(portal.client.get(f"/records/{record}"))
    assert PERSON_ID not in text and PERSON_NAME not in text
    assert PERSON_NAME[0] + "**" in text
    # A person's file is not opened by id for the public.
    assert_page(portal.client.get(f"/subjects/id/{portal.region.person_id}"), 404)


MALFORMED_PATHS = [
    "/subjects/91310000MA1FL0000X",
    "/subjects/not-a-code",
    "/subjects/%00",
    "/subjects/%3Cscript%3E",
    "/subjects/" + "9" * 100,
    "/subjects/id/0",
    "/subjects/id/abc",
    "/subjects/id/99999999999999999999",
    "/records/999999",
    "/records/-1",
    "/records/abc",
    "/records/" + "9" * 30,
]


def test_unknown_or_malformed_paths_are_404_pages(portal: Portal) -> None:
    for path in MALFORMED_PATHS:
        text = assert_page(portal.client.get(path), 404)
        assert "返回首页" in text, path


def test_hidden_records_are_404(portal: Portal) -> None:
    for name in ("withdrawn", "old"):
        assert_page(portal.client.get(f"/records/{portal.region.records[name]}"), 404)


def test_the_language_switch_is_kept(portal: Portal) -> None:
    client = portal.client
    zh = assert_page(client.get(f"/subjects/{portal.region.uscc}"))
    assert '<html lang="zh-CN">' in zh and "处罚类别" in zh
    assert f'href="/subjects/{portal.region.uscc}?lang=en"' in zh
    en = client.get(f"/subjects/{portal.region.uscc}", params={"lang": "en"})
    text = assert_page(en)
    assert '<html lang="en">' in text and "Penalty type" in text and "Publication ends" in text
    assert en.cookies.get("cyrd_lang") == "en" or client.cookies.get("cyrd_lang") == "en"
    # The cookie keeps English on the next page, until the switch says otherwise.
    assert '<html lang="en">' in assert_page(client.get("/search", params={"q": "测试"}))
    assert '<html lang="zh-CN">' in assert_page(client.get("/", params={"lang": "zh"}))
    assert '<html lang="zh-CN">' in assert_page(client.get("/"))
    # Any other value is ignored, never an error.
    assert '<html lang="zh-CN">' in assert_page(client.get("/", params={"lang": "fr"}))


def test_static_files_are_served_locally(portal: Portal) -> None:
    css = portal.client.get("/static/portal.css")
    assert css.status_code == 200 and ":focus-visible" in css.text
    js = portal.client.get("/static/htmx.min.js")
    assert js.status_code == 200 and "htmx" in js.text[:200]
    assert portal.client.get("/static/htmx.LICENSE.txt").status_code == 200
    assert portal.client.get("/static/../routes.py").status_code == 404


def test_every_input_has_a_label(portal: Portal) -> None:
    for path in ("/", "/search?q=测试", "/login"):
        text = portal.client.get(path).text
        labelled = set(re.findall(r'<label for="([^"]+)"', text))
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", text):
            if 'type="hidden"' in tag:
                continue
            found = re.search(r'id="([^"]+)"', tag)
            assert found and found.group(1) in labelled, (path, tag)


def test_a_path_nobody_serves_is_an_error_page_but_api_paths_stay_problem_json(
    portal: Portal,
) -> None:
    text = assert_page(portal.client.get("/no-such-page?lang=en"), 404)
    assert "page not found" in text
    assert "method not allowed" in assert_page(portal.client.post("/search"), 405)
    api = portal.client.get("/api/v1/no-such-route")
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")
