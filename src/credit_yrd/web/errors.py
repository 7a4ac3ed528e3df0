"""What a page raises instead of answering: an error page (status and a bilingual message) or a
redirect. :class:`credit_yrd.web.routing.PageRoute` turns them into HTML responses."""

from __future__ import annotations


class PageError(Exception):
    """Answer with an error page: ``status`` and the reason in Chinese and English."""

    def __init__(self, status: int, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} ({message_en})")
        self.status = status
        self.message_zh = message_zh
        self.message_en = message_en


class PageRedirect(Exception):
    """Answer with a 303 redirect to a local ``url``."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def not_found(zh: str = "未找到该页面", en: str = "page not found") -> PageError:
    return PageError(404, zh, en)
