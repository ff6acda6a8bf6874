"""A web page where the API's JSON was expected (causes.HTML_PAGE_ANSWER): with a 2xx status it is a base
URL that points at a web app, not at the API; with an error status the status tier decides as before."""

from __future__ import annotations

import pytest

from toolguard_core.causes import HTML_PAGE_ANSWER, recognise_error
from toolguard_core.upstream_errors import parse_error

# A single-page app's index, as ChatGPTNextWeb/NextChat#4761 and xtekky/gpt4free#1049 show it returned.
SPA_INDEX = (
    b'<!DOCTYPE html>\n<html lang="zh-cmn-Hans">\n<head>\n<meta charset="UTF-8" />\n'
    b'<link rel="icon" href="/favicon.ico" />\n<title></title>\n'
    b'<script type="module" crossorigin src="/assets/index-fd7ef130.js"></script>\n</head>\n'
    b'<body><div id="app"></div></body>\n</html>\n'
)
OPEN_WEBUI = (
    b"<!doctype html><html><head><title>Open WebUI</title></head><body><div id=app></div></body></html>"
)
# nginx's own 404 and 502 pages (the tsundereraws/aisub-translator#2 text for the 404).
NGINX_404 = (
    b"<html>\n<head><title>404 Not Found</title></head>\n<body>\n<center><h1>404 Not Found</h1></center>\n"
    b"<hr><center>nginx</center>\n</body>\n</html>\n"
)
NGINX_502 = (
    b"<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n"
    b"<hr><center>nginx</center>\n</body>\n</html>\n"
)


@pytest.mark.parametrize(
    ("case", "status", "body", "expected"),
    [
        ("a chat UI's index answered 200", 200, SPA_INDEX, "cause.wrong-endpoint"),
        ("Open WebUI's page answered 200", 200, OPEN_WEBUI, "cause.wrong-endpoint"),
        ("a page answered 203", 203, OPEN_WEBUI, "cause.wrong-endpoint"),
        ("nginx's 404 page: the status tier", 404, NGINX_404, "cause.wrong-endpoint"),
        ("nginx's 502 page: its title, not a base URL", 502, NGINX_502, "cause.server-error"),
    ],
)
def test_a_web_page_is_read_by_its_status(case: str, status: int, body: bytes, expected: str) -> None:
    found = recognise_error(parse_error(body, status=status, content_type="text/html"), status=status)
    assert found is not None, case
    assert found.cause.id == expected, case
    # The 2xx reading is the only one that uses HTML_PAGE_ANSWER's wording.
    assert (found.wording is HTML_PAGE_ANSWER[1]) == (200 <= status < 300), case


def test_a_json_answer_with_a_2xx_status_is_not_a_web_page() -> None:
    body = b'{"error": {"message": "Provider returned error", "code": 502}}'
    found = recognise_error(parse_error(body, status=200, content_type="application/json"), status=200)
    assert found is None or found.wording is not HTML_PAGE_ANSWER[1]


def test_the_wording_says_where_it_comes_from() -> None:
    cause_id, wording = HTML_PAGE_ANSWER
    assert cause_id == "cause.wrong-endpoint"
    assert wording.source.startswith("https://github.com/")
    assert wording.pattern.fullmatch(wording.example)
