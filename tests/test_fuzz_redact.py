"""Property: a secret (a credential header's value, a ``key=`` query parameter, a provider-shaped key)
echoed anywhere (the request body, the answer, its headers, the URL, a finding's message), raw or
percent-, JSON- or base64-encoded, never appears in the row the store would write
(:meth:`toolguard_core.capture.Capture.to_row`, the function that prepares every stored row)."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st
from support.fuzz import FUZZ, dumps, mutated, rejected_capture, request_seeds

from toolguard_core.capture import Capture
from toolguard_core.findings import Finding, Severity
from toolguard_core.redact import redact_path, redact_text_urls, redact_url

ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

# Where the request carries the secret: a credential header (name, value template) or the query.
CARRIERS = {
    "authorization": ("Authorization", "Bearer {}"),
    "x-api-key": ("x-api-key", "{}"),
    "x-goog-api-key": ("x-goog-api-key", "{}"),
    "api-key": ("api-key", "{}"),
    "custom": ("x-custom-gateway", "{}"),  # matched by the capture's redact_headers glob below
    "query": (None, "{}"),
    "shape-only": (None, None),  # carried nowhere: scrubbed for its key shape alone
}


@st.composite
def secrets(draw: st.DrawFn, carrier: str) -> str:
    if carrier == "shape-only":
        prefix, minimum = draw(
            st.sampled_from(
                [
                    ("sk-", 20),
                    ("sk-proj-", 20),
                    ("sk-svcacct-", 20),
                    ("sk-or-v1-", 20),
                    ("gsk_", 24),
                    ("xai-", 24),
                    ("AIza", 34),
                    ("hf_", 24),
                    ("ghp_", 36),
                    ("github_pat_", 82),
                ]
            )
        )
    else:
        prefix, minimum = draw(st.sampled_from(["", "sk-", "sk-ant-api03-", "tok_"])), 12
    token = draw(st.text(alphabet=ALNUM, min_size=minimum, max_size=minimum + 28))
    return prefix + token + draw(st.sampled_from("0123456789"))  # real keys hold a digit


def _echo(secret: str, form: str) -> str:
    if form == "percent":
        return quote(f"key={secret}&x", safe="")
    if form == "json":
        return json.dumps({"k": secret})[1:-1]
    if form == "base64":
        return base64.b64encode(f"user:{secret}".encode()).decode()
    return secret


@st.composite
def captures(draw: st.DrawFn) -> tuple[Capture, str, list[str]]:
    carrier = draw(st.sampled_from(sorted(CARRIERS)))
    secret = draw(secrets(carrier))
    # A shape-only key percent-encoded after "key=" (key%3Dsk-...) has no word boundary before it:
    # scrubbed since session 18 (the key shapes also start after a percent-escape).
    forms = ["raw", "json", "percent"] if carrier == "shape-only" else ["raw", "json", "percent", "base64"]
    places = draw(
        st.sets(st.sampled_from(["request", "response", "finding", "param", "header", "url"]), min_size=1)
    )
    echoes: list[str] = []

    def echo() -> str:
        text = _echo(secret, draw(st.sampled_from(forms)))
        echoes.append(text)
        return f" {text} "

    header, template = CARRIERS[carrier]
    headers = [(b"content-type", b"application/json"), (b"user-agent", b"OpenAI/Python 1.99.0")]
    if header is not None and template is not None:
        headers.append((header.encode(), template.format(secret).encode()))
    query = f"key={secret}" if carrier == "query" else "alt=sse"
    url, body = draw(st.sampled_from(request_seeds()))
    body = draw(mutated(body)) if draw(st.booleans()) else body
    if "request" in places:
        body = {"note": echo(), "body": body} if draw(st.booleans()) else [body, echo()]
    error: dict[str, Any] = {
        "message": "Incorrect API key provided" + ("" if "response" not in places else echo())
    }
    if "param" in places:
        error["param"] = echo()
    response_headers = [(b"content-type", b"application/json")]
    if "header" in places:
        response_headers.append((b"x-echo", echo().strip().encode()))
    findings = [Finding(rule="tools.orphan", severity=Severity.ERROR, location="messages[1]", message="m")]
    if "finding" in places:
        findings.append(
            Finding(rule="params.x", severity=Severity.WARNING, location=f"x{echo()}", message=echo())
        )
    path = url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]
    if "url" in places:  # in the path, or in a query parameter no name marks as a secret
        if draw(st.booleans()):
            path += "/" + echo().strip()
        else:
            query += "&note=" + draw(st.sampled_from(["", "x/", "a b "])) + echo().strip()
    capture = rejected_capture(
        f"/{path}",
        query,
        request_headers=tuple(headers),
        raw_request=(dumps(body).encode("utf-8", "surrogatepass"), None, 1 << 20),
        findings=findings,
        status=draw(st.sampled_from([400, 401, 403, 422, 500])),
        response_headers=tuple(response_headers),
        response_body=json.dumps({"error": error}).encode(),
        redact_headers=("x-custom-*",),
    )
    return capture, secret, echoes


@FUZZ
@given(case=captures())
def test_no_secret_reaches_the_stored_row(case: tuple[Capture, str, list[str]]) -> None:
    capture, secret, echoes = case
    row = capture.to_row()
    stored = row.model_dump_json()
    texts = [stored, json.dumps(row.model_dump(), ensure_ascii=False)]
    for text in texts:
        assert secret not in text
        for echoed in echoes:
            assert echoed not in text, echoed


# Key shapes a URL's components are searched for (redact._URL_KEY_SHAPES): the providers' keys, an
# AWS access key id and a JWT; each with its minimum length.
URL_SHAPES = [("sk-", 20), ("sk-proj-", 20), ("sk-ant-api03-", 20), ("sk-or-v1-", 20), ("gsk_", 24),
              ("xai-", 24), ("AIza", 34), ("hf_", 24), ("sk-svcacct-", 20), ("ghp_", 36),
              ("github_pat_", 82)]  # fmt: skip
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
B64URL = ALNUM + "-_"


@st.composite
def url_keys(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["provider", "aws", "jwt"]))
    if kind == "aws":  # a long-term (AKIA) or an STS temporary (ASIA) access key id
        return draw(st.sampled_from(["AKIA", "ASIA"])) + draw(
            st.text(alphabet=UPPER, min_size=16, max_size=16)
        )
    if kind == "jwt":
        part = st.text(alphabet=B64URL, min_size=8, max_size=40)
        return "eyJ" + ".".join([draw(part), "eyJ" + draw(part), draw(part) + "0"])
    prefix, minimum = draw(st.sampled_from(URL_SHAPES))
    return prefix + draw(st.text(alphabet=ALNUM, min_size=minimum, max_size=minimum + 28)) + "7"


# Where the key sits in the URL ({} raw, {q} percent-encoded whole), and what surrounds it.
URL_SLOTS = [
    "/{}",
    "/key%3D{q}",
    "/x%2F{q}",
    "/key={}",
    "/m;api_key={}",
    "/a:{}",
    "?note=x%2F{q}",
    "#token={}",
    # After an invalid or truncated percent-escape, which a decoder leaves as it is (session 19).
    "/%ZZ{}",
    "/x%Z{}",
    "?q=%ZZ{}",
    "#%ZZ{}",
]


@FUZZ
@given(
    key=url_keys(),
    slot=st.sampled_from(URL_SLOTS),
    before=st.lists(st.text(alphabet=ALNUM + "-._:%", min_size=1, max_size=12), max_size=3),
    after=st.sampled_from(["", "/chat/completions", ":generateContent", "?alt=sse"]),
    userinfo=st.booleans(),
)
def test_no_key_shape_survives_in_any_url_component(
    key: str, slot: str, before: list[str], after: str, userinfo: bool
) -> None:
    """A key in a path segment (raw or percent-encoded, after an escaped separator), a matrix
    parameter, a query value, the fragment or the userinfo never survives redact_url, redact_path
    (the path column) or redact_text_urls (toolguard run's log)."""
    prefix = "/" + "/".join(quote(b, safe="") for b in before) if before else ""
    tail = slot.format(key, q=quote(key, safe=""))
    if tail.startswith(("?", "#")):
        after = ""
    authority = f"user:{key}@h.example" if userinfo else "h.example"
    url = f"https://{authority}{prefix}{tail}{after}"
    for text in (redact_url(url), redact_text_urls(f"POST {url} HTTP/1.1")):
        assert key not in text and quote(key, safe="") not in text, text
    target = f"{prefix}{tail}{after}".split("#", 1)[0]
    if key in target or quote(key, safe="") in target:
        stored = redact_path(target)
        assert key not in stored and quote(key, safe="") not in stored, stored


# A DNS label: letters, digits and "-", at most 63 characters (RFC 1035), lower-cased by the proxy.
HOST_SHAPES = [("sk-", 20), ("sk-proj-", 20), ("xai-", 24), ("aiza", 34), ("akia", 16), ("asia", 16)]


@FUZZ
@given(
    shape=st.sampled_from(HOST_SHAPES),
    token=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=40, max_size=48),
    before=st.lists(st.text(alphabet="abcdefghij-", min_size=1, max_size=8), max_size=2),
    port=st.sampled_from(["", ":8443"]),
)
def test_no_key_shaped_host_label_survives(
    shape: tuple[str, int], token: str, before: list[str], port: str
) -> None:
    """A key used as a host label (``<key>.relay.example``), wherever the host is written: the url
    column (redact_url), toolguard run's log (redact_text_urls), the host column and every report's
    upstream name (redact_host through upstreams.authority_host), the stored row (session 19)."""
    from toolguard_core.redact import redact_host
    from toolguard_core.upstreams import upstream_name

    prefix, minimum = shape
    key = prefix + token[: minimum - 1] + "7"
    host = ".".join([*before, key, "relay", "example"])
    url = f"https://{host}{port}/v1/chat/completions"
    for text in (
        redact_url(url),
        redact_text_urls(f"POST {url} HTTP/1.1"),
        redact_host(host),
        upstream_name(host, 8443 if port else 443, "https"),
        rejected_capture("/v1/chat/completions", "", host=host, url=url).to_row().model_dump_json(),
    ):
        assert key not in text, text
