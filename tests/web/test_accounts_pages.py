"""Login, logout, the credit office's pages, the authority view with a purpose and the subject's
own file, over HTTP on both backends."""

from __future__ import annotations

import re

from credit_yrd.auth.sessions import SESSION_COOKIE
from tests.ledger.conftest import REP_ID
from tests.web.conftest import ACCOUNTS, Portal, assert_page

OFFICE_PAGES = ("/office/sources", "/office/batches", "/office/batches?source=shanghai")


def test_login_lands_a_credit_office_on_its_sources(portal: Portal) -> None:
    response = portal.login("office")
    assert response.status_code == 303
    assert response.headers["location"] == "/office/sources"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    text = assert_page(portal.client.get("/office/sources"))
    assert "已登录：" in text and "office" in text
    assert 'href="/office/batches?source=shanghai"' in text
    assert portal.client.get("/office/sources").headers["cache-control"] == "no-store"


def test_login_goes_back_to_the_page_asked_for_but_never_off_site(portal: Portal) -> None:
    assert portal.login("office", next="/office/batches").headers["location"] == "/office/batches"
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil", "javascript:x"):
        portal.client.cookies.clear()
        response = portal.login("office", next=target)
        assert response.headers["location"] == "/office/sources", target


def test_a_wrong_password_is_401_and_starts_no_session(portal: Portal) -> None:
    response = portal.login("office", password="not-the-password")
    text = assert_page(response, 401)
    assert "用户名或密码不正确" in text and 'value="office"' in text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
    unknown = portal.login("nobody-here", password="whatever-long")
    assert unknown.status_code == 401


def test_repeated_wrong_passwords_lock_the_login_form_for_a_while(portal: Portal) -> None:
    statuses = [portal.login("office", password=f"wrong-guess-{i}").status_code for i in range(5)]
    assert statuses == [401] * 5
    locked = portal.login("office")  # even the right password waits
    text = assert_page(locked, 429)
    assert "登录失败次数过多" in text
    assert SESSION_COOKIE not in locked.headers.get("set-cookie", "")


def test_the_login_form_needs_its_token_and_this_origin(portal: Portal) -> None:
    client = portal.client
    client.get("/login")
    forged = client.post(
        "/login",
        data={"login_token": "guess", "username": "office", "password": "长三角-Portal-2026"},
        follow_redirects=False,
    )
    assert_page(forged, 403)
    assert SESSION_COOKIE not in forged.headers.get("set-cookie", "")
    page = client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    other_site = client.post(
        "/login",
        data={"login_token": token, "username": "office", "password": "长三角-Portal-2026"},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert_page(other_site, 403)
    not_a_form = client.post("/login", json={"username": "office"}, follow_redirects=False)
    assert_page(not_a_form, 415)


def test_logout_needs_the_session_csrf_token(portal: Portal) -> None:
    client = portal.client
    portal.login("office")
    refused = client.post("/logout", data={"csrf_token": "wrong"}, follow_redirects=False)
    assert_page(refused, 403)
    assert client.get("/office/sources").status_code == 200
    token = portal.csrf("/office/sources")
    done = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/"
    # The session is over on the server, not only in this browser.
    client.cookies.clear()
    assert client.get("/office/sources", follow_redirects=False).status_code == 303


def test_office_pages_send_anonymous_visitors_to_login(portal: Portal) -> None:
    for path in (*OFFICE_PAGES, "/office/batches/1"):
        response = portal.client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=%2Foffice%2F")


def test_office_pages_are_403_for_other_roles(portal: Portal) -> None:
    others = [u for u, (role, _) in ACCOUNTS.items() if role != "credit_office"]
    assert len(others) == 4
    for username in others:
        portal.client.cookies.clear()
        assert portal.login(username).status_code == 303
        for path in (*OFFICE_PAGES, f"/office/batches/{portal.batch.batch_id}"):
            text = assert_page(portal.client.get(path), 403)
            assert "仅限信用办" in text, (username, path)


def test_batches_with_their_receipts(portal: Portal) -> None:
    portal.login("office")
    batch = portal.batch
    assert batch.batch_id is not None and batch.rejected == 1
    listing = assert_page(portal.client.get("/office/batches", params={"source": "shanghai"}))
    assert f'href="/office/batches/{batch.batch_id}"' in listing and batch.file in listing
    text = assert_page(portal.client.get(f"/office/batches/{batch.batch_id}"))
    for needle in ("回执", "读取行", "拒收", "拒收原因（按规则）", batch.content_sha256):
        assert needle in text, needle
    assert re.search(r"<strong>2</strong>读取行", text)
    assert re.search(r"<strong>1</strong>拒收", text)
    rule = next(iter(batch.rules))
    assert f"<td>{rule}</td>" in text
    # The quarantine is the API's download, which the portal session may fetch.
    link = f"/api/v1/batches/{batch.batch_id}/quarantine"
    assert f'href="{link}"' in text
    download = portal.client.get(link)
    assert download.status_code == 200 and download.text.count("\n") == 1


def test_office_pages_refuse_bad_input_with_a_page(portal: Portal) -> None:
    portal.login("office")
    for path in (
        "/office/batches?source=nowhere",
        "/office/batches?source=%00",
        "/office/batches?source=" + "a" * 500,
        "/office/batches?before=abc",
        "/office/batches?before=0",
        "/office/batches/999999",
        "/office/batches/abc",
        "/office/batches/0",
    ):
        assert_page(portal.client.get(path), 404)


def test_an_authority_reads_with_a_purpose_and_the_subject_sees_it(portal: Portal) -> None:
    region = portal.region
    client = portal.client
    path = f"/subjects/{region.uscc}"
    portal.login("dept_sh")
    public = assert_page(client.get(path))
    assert 'name="purpose"' in public and "公众视图" in public
    token = portal.csrf(path)
    # No token, no read; no purpose, a clear message and still the public view.
    assert_page(client.post(path, data={"purpose": "执法检查"}), 403)
    empty = assert_page(client.post(path, data={"purpose": " ", "csrf_token": token}), 400)
    assert "须说明目的" in empty and f'id="record-{region.records["withdrawn"]}"' not in empty
    read = client.post(path, data={"purpose": "执法检查", "csrf_token": token})
    assert read.status_code == 200
    assert "政务视图" in read.text and "本次读取已记入访问日志" in read.text
    assert f'id="record-{region.records["withdrawn"]}"' in read.text
    assert REP_ID not in read.text  # restricted fields stay masked for authorities
    record = client.post(
        f"/records/{region.records['corrected']}",
        data={"purpose": "复核", "csrf_token": token},
    )
    assert record.status_code == 200 and "已更正" in record.text
    # Shared fields in clear, restricted ones still masked.
    assert "公示状态" in record.text and REP_ID not in record.text

    client.cookies.clear()
    assert_page(client.post(path, data={"purpose": "x", "csrf_token": token}), 403)
    portal.login("company")
    mine = assert_page(client.get("/me"))
    assert "谁读取了我的非公开信息" in mine
    assert "执法检查" in mine and "复核" in mine and "dept_sh" in mine
    assert f'id="record-{region.records["withdrawn"]}"' in mine


def test_me_is_for_subject_accounts(portal: Portal) -> None:
    response = portal.client.get("/me", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Fme"
    portal.login("office")
    assert_page(portal.client.get("/me"), 403)
    portal.client.cookies.clear()
    assert portal.login("company").headers["location"] == "/me"
    text = assert_page(portal.client.get("/me"))
    assert "本人视图" in text and "尚无人读取您的非公开信息" in text


def test_a_market_institution_without_authorisation_reads_the_public_view(
    portal: Portal,
) -> None:
    portal.login("bank")
    text = assert_page(portal.client.get(f"/subjects/{portal.region.uscc}"))
    assert "公众视图" in text and 'name="purpose"' not in text
    assert_page(portal.client.post(f"/subjects/{portal.region.uscc}", data={"purpose": "x"}), 403)
