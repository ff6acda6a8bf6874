"""Secrets never reach disk or logs: headers, query keys, URL userinfo, echoed tokens, key shapes."""

from __future__ import annotations

import base64
import json
import re
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from support.fuzz import rejected_capture

from toolguard_core.redact import (
    REDACTED,
    redact_headers,
    redact_path,
    redact_query,
    redact_text_urls,
    redact_url,
    scrub,
    scrub_many,
    secret_values,
)

OPENAI_KEY = "sk-proj-Abc123Def456Ghi789Jkl012Mno345Pqr678Stu901"


@pytest.mark.parametrize(
    "name",
    [
        "Authorization",
        "authorization",
        "Proxy-Authorization",
        "api-key",
        "X-Api-Key",
        "Cookie",
        "Set-Cookie",
        "x-goog-api-key",
    ],
)
def test_secret_headers_are_redacted(name: str):
    assert redact_headers([(name, "secret-value-123"), ("Content-Type", "application/json")]) == {
        name.lower(): REDACTED,
        "content-type": "application/json",
    }


def test_repeated_headers_are_joined_and_each_redacted():
    headers = [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Accept", "a"), ("Accept", "b")]
    assert redact_headers(headers) == {"set-cookie": f"{REDACTED}, {REDACTED}", "accept": "a, b"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("key=AIzaSyA1234567890abcdefghijklmnopqrstu", f"key={REDACTED}"),  # Gemini
        ("api-version=2024-06-01", "api-version=2024-06-01"),  # Azure: kept, it is evidence
        ("api-version=2024-06-01&api-key=abc123456", f"api-version=2024-06-01&api-key={REDACTED}"),
        ("access_token=ya29.xyz&alt=sse", f"access_token={REDACTED}&alt=sse"),
        ("sig=abcdef&se=2030", f"sig={REDACTED}&se=2030"),
        ("author=me&keyword=x", "author=me&keyword=x"),  # names that merely contain a secret word
        ("", ""),
        # A key shape in any parameter's value, read decoded (found by tests/test_fuzz_redact.py: after
        # an escaped separator it had no word boundary, and the stored URL kept it).
        ("note=x/sk-000000000000000000000", f"note=x%2F{REDACTED}"),
        ("q=hello%20gsk_abcdefghij0123456789AB&n=1", f"q=hello+{REDACTED}&n=1"),
        ("q=task-0000000000000000000000", "q=task-0000000000000000000000"),  # no key shape
    ],
)
def test_key_like_query_parameters_are_redacted(query: str, expected: str):
    assert redact_query(query) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions?key=AIzaSyA1234567890",
            f"https://generativelanguage.googleapis.com/v1beta/openai/chat/completions?key={REDACTED}",
        ),
        (
            "https://user:p4ssw0rd@proxy.example/v1/chat/completions",
            f"https://{REDACTED}@proxy.example/v1/chat/completions",
        ),
        ("https://token@host:8443/v1/chat/completions", f"https://{REDACTED}@host:8443/v1/chat/completions"),
        ("https://api.openai.com/v1/chat/completions", "https://api.openai.com/v1/chat/completions"),
    ],
)
def test_urls_lose_userinfo_and_key_params(url: str, expected: str):
    assert redact_url(url) == expected


def test_secret_values_from_headers_and_query():
    values = secret_values(
        [
            ("Authorization", f"Bearer {OPENAI_KEY}"),
            ("Cookie", "session=abcdefgh12345678; theme=dark"),
            ("User-Agent", "OpenAI/Python 1.54.0"),
        ],
        "key=AIzaSyA1234567890abc&api-version=2024-06-01",
    )
    assert OPENAI_KEY in values
    assert f"Bearer {OPENAI_KEY}" in values
    assert "abcdefgh12345678" in values
    assert "AIzaSyA1234567890abc" in values
    assert "OpenAI/Python 1.54.0" not in values and "2024-06-01" not in values
    assert "dark" not in values  # too short to scrub safely
    assert values == sorted(values, key=len, reverse=True)


def test_bearer_token_echoed_back_in_a_response_body_is_scrubbed():
    token = "proxy-token-8f1c2e"  # not a known key shape: only the request's own value catches it
    secrets = secret_values([("Authorization", f"Bearer {token}")])
    body = (
        f'{{"error": {{"message": "Incorrect API key provided: {token}. You can find your API key at ..."}}}}'
    )
    scrubbed = scrub(body, secrets)
    assert token not in scrubbed
    assert f"Incorrect API key provided: {REDACTED}." in scrubbed


@pytest.mark.parametrize(
    "key",
    [
        OPENAI_KEY,
        "sk-abcdefghijklmnopqrstuvwxyz123456",  # legacy OpenAI / DeepSeek
        "sk-or-v1-0123456789abcdef0123456789abcdef",  # OpenRouter
        "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz",  # Anthropic
        "gsk_AbCdEfGhIjKlMnOpQrStUvWxYz0123",  # Groq
        "AIzaSyA1234567890abcdefghijklmnopqrstu",  # Google
        "xai-AbCdEfGhIjKlMnOpQrStUvWxYz",  # xAI
        "hf_AbCdEfGhIjKlMnOpQrStUvWxYz",  # Hugging Face
        "sk-svcacct-AbCdEfGhIjKlMnOpQrStUvWxYz0123",  # OpenAI service account
        "ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",  # GitHub classic token (GitHub Models)
        "github_pat_11ABCDEFG0abcdefghijklmn_opqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456",
    ],
)
def test_key_shapes_are_scrubbed_without_knowing_the_request(key: str):
    assert scrub(f"api key {key} rejected") == f"api key {REDACTED} rejected"
    # After an invalid percent-escape ("%ZZ" is no escape: a decoder leaves it, and "Z" and "s"
    # are both word characters, so no word boundary lies before the key): session 19.
    assert key not in (scrub(f"bad url /v1/%ZZ{key}") or "")


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer abc123def456ghi789",
        "authorization: basic dXNlcjpwYXNzd29yZA==",
    ],
)
def test_bearer_and_basic_credentials_in_text(text: str):
    assert scrub(text).endswith(REDACTED)


@pytest.mark.parametrize(
    "text",
    [
        "This is basic functionality.",
        "a bearer instrument",
        "task-list, sk-tch, skeleton",
        '{"role": "user", "content": "call the tool"}',
    ],
)
def test_ordinary_text_is_not_mangled(text: str):
    assert scrub(text) == text


def test_scrub_keeps_json_valid():
    import json

    body = json.dumps({"messages": [{"role": "user", "content": f"my key is {OPENAI_KEY}"}]})
    assert json.loads(scrub(body))["messages"][0]["content"] == f"my key is {REDACTED}"


def test_scrub_none_and_empty():
    assert scrub(None) is None
    assert scrub("") == ""


# ---------------------------------------------------------------------------------- issue #16


from toolguard_core.redact import is_secret_header  # noqa: E402


@pytest.mark.parametrize(
    ("name", "value", "extra", "secret"),
    [
        ("Helicone-Auth", "anything", (), True),
        ("X-Portkey-Api-Key", "anything", (), True),
        ("X-Goog-User-Auth", "anything", (), True),
        ("X-Refresh-Token", "anything", (), True),
        ("X-Client-Secret", "anything", (), True),
        ("X-Trace", "Bearer abcdef123", (), True),  # by its value
        ("X-Forward", "sk-proj-" + "a1" * 12, (), True),  # a key shape
        ("X-Gateway-Id", "gw-1", ("x-gateway-*",), True),  # the toolguard_redact_headers option
        ("X-Gateway-Id", "gw-1", (), False),
        ("Content-Type", "application/json", (), False),
        ("User-Agent", "OpenAI/Python 1.54.0", (), False),
        ("OpenAI-Organization", "org-abc", (), False),
        ("Accept-Encoding", "gzip, br", (), False),
    ],
)
def test_the_credential_header_rule(name: str, value: str, extra: tuple[str, ...], secret: bool):
    assert is_secret_header(name, value, extra) is secret


def test_secrets_are_scrubbed_in_every_encoding():
    key = "hlc/Gw+ZX9sQnE4k7Lq2Rv8Tt1Yy=="
    secrets = secret_values([("Helicone-Auth", f"Bearer {key}")])
    encoded = base64.b64encode(f"user:{key}".encode()).decode()
    texts = [
        key,
        quote(key, safe=""),
        re.sub("%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(key, safe="")),
        key.replace("/", "\\/"),
        encoded,
    ]
    scrubbed = [scrub(f"echo <{text}> end", secrets) for text in texts]
    assert all(key not in s and quote(key, safe="") not in s for s in scrubbed)
    assert scrubbed[:4] == [f"echo <{REDACTED}> end"] * 4
    assert REDACTED in scrubbed[4]


def test_short_secrets_from_an_auth_header_are_scrubbed_as_whole_tokens():
    secrets = secret_values([("api-key", "k9Tz5"), ("Cookie", "theme=dark")])
    assert "k9Tz5" in secrets and "dark" not in secrets
    assert scrub("Incorrect API key provided: k9Tz5.", secrets) == f"Incorrect API key provided: {REDACTED}."
    assert scrub("k9Tz5x and ak9Tz5 stay", secrets) == "k9Tz5x and ak9Tz5 stay"


def test_basic_credentials_are_secrets_decoded_too():
    token = base64.b64encode(b"alice:pa55word-XyZ").decode()
    secrets = secret_values([("Authorization", f"Basic {token}")])
    assert "pa55word-XyZ" in secrets
    assert scrub("password pa55word-XyZ rejected", secrets) == f"password {REDACTED} rejected"


def test_a_key_hidden_in_base64_is_scrubbed_without_knowing_it():
    hidden = base64.b64encode(b"token=sk-proj-" + b"Z9" * 20).decode()
    assert scrub(f"x {hidden} y") == f"x {REDACTED} y"


# scrub_many (issue #12): one pass over a row's texts must scrub exactly as scrub() does text by
# text, whatever the texts hold, so the writer's shortcut can never store a secret scrub() removes.
_KEY = "sk-proj-" + "Q7" * 20
_HIDDEN = base64.b64encode(b"token=" + _KEY.encode()).decode()
_SHORT_SECRETS = secret_values([("api-key", "k9Tz5"), ("Authorization", f"Bearer {_KEY}")])


@pytest.mark.parametrize(
    "texts",
    [
        [None, "", "plain", f"Incorrect API key provided: {_KEY}.", "k9Tz5", "xk9Tz5 and k9Tz5."],
        [f"x {_HIDDEN} y", "A" * 19, "B" * 19],  # two short texts never form one 20-character run
        ["bearer abcdef12345 and basic zz9zz9zz9", '{"authorization": "Bearer ' + _KEY + '"}'],
        ["a\x00b k9Tz5", f"{_KEY}\x00"],  # texts holding the separator: scrubbed one by one
        ["x" * (64 * 1024 + 1) + f" {_HIDDEN} {_KEY}", f"y {_HIDDEN}"],  # over the base64 scan limit
        [quote(_KEY, safe=""), _KEY.replace("-", "\\u002d"), "k9Tz5" * 3],
    ],
)
def test_scrub_many_equals_scrub_text_by_text(texts: list[str | None]) -> None:
    assert scrub_many(texts, _SHORT_SECRETS) == [scrub(t, _SHORT_SECRETS) for t in texts]


from toolguard_core.redact import redact_command  # noqa: E402


@pytest.mark.parametrize(
    ("command", "stored"),
    [
        # Found on a fresh clone: `toolguard run -- qwen --openai-api-key sk-...` (a documented qwen-code
        # flag) put the key in runs.command, on disk.
        ("qwen --openai-api-key sk-proj-abcdef0123456789xyz -p hi", "qwen --openai-api-key '[REDACTED]' -p hi"),
        ("agent --api-key=plainsecretvalue --model o3", "agent '--api-key=[REDACTED]' --model o3"),
        ("env OPENAI_API_KEY=whatever123 HF_TOKEN=hf-x python a.py", "env 'OPENAI_API_KEY=[REDACTED]' "
         "'HF_TOKEN=[REDACTED]' python a.py"),
        ("curl -H 'Authorization: Bearer abc123def456' http://x", "curl -H 'Authorization: Bearer [REDACTED]' http://x"),
        ("python agent.py sk-ant-0123456789abcdefghij", "python agent.py '[REDACTED]'"),
        # Found on a fifth walkthrough: a header without a Bearer word and a query key stayed in runs.command.
        ("curl -H 'x-api-key: plainsecret' -H 'Content-Type: application/json' 'https://h/v1/m?key=AIzaPlain&alt=sse'",
         "curl -H 'x-api-key: [REDACTED]' -H 'Content-Type: application/json' 'https://h/v1/m?key=[REDACTED]&alt=sse'"),
        ("curl https://bob:hunter2@llm.corp.example/v1/chat/completions",
         "curl 'https://[REDACTED]@llm.corp.example/v1/chat/completions'"),
        # Session 19: an AWS key id and a JWT as bare words or an assignment whose name is no secret
        # word (AWS_ACCESS_KEY_ID ends in _ID), a GitHub token, a key as a host label.
        ("env AWS_ACCESS_KEY_ID=ASIAIOSFODNN7EXAMPLE aws-agent AKIAIOSFODNN7EXAMPLE",
         "env 'AWS_ACCESS_KEY_ID=[REDACTED]' aws-agent '[REDACTED]'"),
        ("agent eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmN", "agent '[REDACTED]'"),
        ("agent ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "agent '[REDACTED]'"),
        ("curl https://sk-abcdefghijklmnopqrstuvwxyz123456.relay.example/v1",
         "curl 'https://[REDACTED].relay.example/v1'"),
        # Not secrets: options whose name only contains a secret word, and ordinary commands.
        ("qwen --auth-type openai --yolo -p 'List the files'", "qwen --auth-type openai --yolo -p 'List the files'"),
        ("agent --max-tokens 50 --token-limit 9", "agent --max-tokens 50 --token-limit 9"),
        ("", ""),
        # Unbalanced quotes (mitmdump's own argv joined by hand): still scrubbed as one text.
        ("agent 'unclosed sk-0123456789abcdefghijkl", "agent 'unclosed [REDACTED]"),
    ],
)  # fmt: skip
def test_redact_command(command: str, stored: str) -> None:
    assert redact_command(command) == stored


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # mitmdump's per-flow line for Gemini's API key in the query (toolguard run writes it to a file).
        (
            "127.0.0.1:50912: POST https://generativelanguage.googleapis.com/v1beta/models/"
            "gemini-2.5-flash:streamGenerateContent?alt=sse&key=AIzaSyFAKEFAKEFAKEFAKE",
            "127.0.0.1:50912: POST https://generativelanguage.googleapis.com/v1beta/models/"
            "gemini-2.5-flash:streamGenerateContent?alt=sse&key=[REDACTED]",
        ),
        # A bare path with Azure's api-version (kept) and a key-like parameter (redacted).
        (
            "POST /openai/deployments/x/chat/completions?api-version=2024-10-21&api-key=abc123 HTTP/1.1",
            "POST /openai/deployments/x/chat/completions?api-version=2024-10-21&api-key=[REDACTED] HTTP/1.1",
        ),
        (
            "upstream https://bob:hunter2@llm.corp.example/v1",
            "upstream https://[REDACTED]@llm.corp.example/v1",
        ),
        # Lines without a URL are left alone.
        ("   << 200 OK 1.2k", "   << 200 OK 1.2k"),
        ("what? nothing to redact", "what? nothing to redact"),
        # psycopg's error in the addon's sync line: the question mark is prose, not a query. It was
        # re-encoded as "connections?%29%3B= rows stay in ..." in toolguard run's log.
        (
            "Is the server running on that host and accepting TCP/IP connections?); rows stay in /x/spool.db",
            "Is the server running on that host and accepting TCP/IP connections?); rows stay in /x/spool.db",
        ),
        # A query without a secret is left exactly as printed (not re-encoded).
        ("GET /v1/models?filter=a%20b&x=1;y=2 HTTP/1.1", "GET /v1/models?filter=a%20b&x=1;y=2 HTTP/1.1"),
    ],
)
def test_redact_text_urls(line: str, expected: str) -> None:
    assert redact_text_urls(line) == expected


def test_toolguard_run_log_never_holds_a_query_key(tmp_path: Path) -> None:
    """ProxyProcess copies mitmdump's output to its log file through the redaction (a real child process
    printing mitmdump's per-flow line; it never listens, so start() gives up and says so)."""
    from toolguard_analysis.errors import ToolguardError
    from toolguard_analysis.run import ProxyProcess

    log = tmp_path / "mitmdump.log"
    line = "127.0.0.1:1: POST https://example.test/v1beta/models/m:generateContent?key=AIzaSyLEAKLEAKLEAK"
    proxy = ProxyProcess([sys.executable, "-c", f"print({line!r})"], log)
    with pytest.raises(ToolguardError):
        proxy.start(timeout=10)
    assert log.read_text("utf-8") == line.replace("AIzaSyLEAKLEAKLEAK", "[REDACTED]") + "\n"


# Real key shapes (the providers' documented formats; AWS's is its docs' example id, the JWT jwt.io's).
URL_KEYS = {
    "openai": "sk-abcdefghijklmnopqrstuvwxyz123456",
    "openai-project": OPENAI_KEY,
    "anthropic": "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123",
    "google": "AIzaSyA1234567890abcdefghijklmnopqrstu",
    "groq": "gsk_AbCdEfGhIjKlMnOpQrStUvWxYz0123",
    "xai": "xai-AbCdEfGhIjKlMnOpQrStUvWxYz0123",
    "openrouter": "sk-or-v1-0123456789abcdef0123456789abcdef",
    "huggingface": "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123",
    "aws": "AKIAIOSFODNN7EXAMPLE",
    "jwt": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "openai-service-account": "sk-svcacct-AbCdEfGhIjKlMnOpQrStUvWxYz0123",
    "aws-session": "ASIAIOSFODNN7EXAMPLE",  # an STS temporary access key id
    "github": "ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    "github-fine-grained": "github_pat_11ABCDEFG0abcdefghijklmn_opqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUV",
}
# Every URL component a key can sit in ({} is the key, {q} the key percent-encoded whole).
URL_PLACES = {
    "segment after an escaped =": "https://h.example/v1beta/models/x:generateContent/key%3D{q}",
    "segment": "https://h.example/v1/{}/chat/completions",
    "segment, last": "https://h.example/v1/chat/{}",
    "segment after an escaped /": "https://h.example/v1/x%2F{q}",
    "matrix parameter": "https://h.example/v1/chat;key={}",
    "userinfo password": "https://user:{}@h.example/v1/chat/completions",
    "userinfo user": "https://{}@h.example:8443/v1",
    "query value": "https://h.example/v1/chat?note=x%2F{q}",
    "query key": "https://h.example/v1/chat?key={q}",
    "fragment": "https://h.example/v1/chat#access_token={}",
    # After an invalid percent-escape: unquote leaves "%ZZ" as it is (session 19).
    "segment after an invalid escape": "https://h.example/v1/x/%ZZ{}",
    "segment after a truncated escape": "https://h.example/v1/x/%Z{}",
    "query value after an invalid escape": "https://h.example/v1/chat?q=%ZZ{}",
    "fragment after an invalid escape": "https://h.example/v1/chat#%ZZ{}",
}


@pytest.mark.parametrize("place", sorted(URL_PLACES))
@pytest.mark.parametrize("provider", sorted(URL_KEYS))
def test_a_key_in_any_url_component_is_redacted(provider: str, place: str) -> None:
    key = URL_KEYS[provider]
    url = URL_PLACES[place].format(key, q=quote(key, safe=""))
    stored = redact_url(url)
    assert key not in stored and quote(key, safe="") not in stored and REDACTED in stored
    assert stored.split("://", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1] in ("h.example", "h.example:8443")
    line = redact_text_urls(f"127.0.0.1:50912: POST {url} HTTP/1.1")
    assert key not in line and REDACTED in line
    if "@" not in url and "#" not in url:  # the path column: the request target
        target = url.split("h.example", 1)[1].split("#", 1)[0]
        assert key not in redact_path(target) and REDACTED in redact_path(target)


@pytest.mark.parametrize(
    "target",
    [
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        "/openai/deployments/my-dep/chat/completions?api-version=2024-10-21",
        "/v1/models/task-0000000000000000000000",
        "/v1/files/file%20abc%2Fdef",
        "/v1/x=1/y;a=b?filter=a%20b&x=1;y=2",
        "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream",
        "",
        "*",
    ],
)
def test_a_path_without_a_key_is_kept_byte_for_byte(target: str) -> None:
    assert redact_path(target) == target
    assert redact_url(f"https://h.example{target}") == f"https://h.example{target}"


def test_the_stored_row_holds_no_key_from_the_path() -> None:
    """The path and url columns and the run's unchecked paths go through redact_path (the row as
    Capture.to_row writes it, every other column included)."""
    key = URL_KEYS["openai-project"]
    path = f"/v1beta/models/x:generateContent/key%3D{key}"
    body = json.dumps({"error": {"message": f"bad path {path}"}}).encode()
    capture = rejected_capture(path, "", host="h.example", url=f"https://h.example{path}", response_body=body)
    row = capture.to_row()
    assert key not in row.model_dump_json()
    assert row.path == "/v1beta/models/x:generateContent/key=[REDACTED]"
    assert row.url == "https://h.example/v1beta/models/x:generateContent/key=[REDACTED]"


def test_a_url_urlsplit_refuses_is_redacted_as_text_not_raised() -> None:
    key = URL_KEYS["openai"]
    assert redact_url(f"https://[not-ipv6]/v1/{key}?key=abc12345") == (
        "https://[not-ipv6]/v1/[REDACTED]?key=[REDACTED]"
    )


def test_a_key_beside_a_lone_surrogate_in_a_path_is_redacted_not_raised() -> None:
    key = URL_KEYS["openai"]
    assert redact_path(f"/v1/\udcff{key}") == "/v1/%ED%B3%BF[REDACTED]"
    assert redact_text_urls(f"POST https://h.example/v1/\udcff/{key}") == (
        "POST https://h.example/v1/\udcff/[REDACTED]"
    )


# A key used as a host label (some relays take the key as a subdomain: ``<key>.relay.example``). A
# DNS label holds at most 63 characters and no "_", so the shapes that fit one.
HOST_KEYS = [
    "sk-abcdefghijklmnopqrstuvwxyz123456",
    "AKIAIOSFODNN7EXAMPLE",
    "xai-AbCdEfGhIjKlMnOpQrStUvWxYz0123",
]


@pytest.mark.parametrize("key", HOST_KEYS)
def test_a_key_shaped_host_label_is_redacted(key: str) -> None:
    from toolguard_core.redact import redact_host
    from toolguard_core.upstreams import upstream_name

    host = f"{key.lower()}.relay.example"  # hosts reach toolguard lower-cased
    assert redact_host(host) == f"{REDACTED}.relay.example"
    assert redact_host(key) == REDACTED
    for url in (f"https://{host}/v1/chat/completions", f"https://{host}:8443/v1/chat/completions"):
        stored = redact_url(url)
        assert key.lower() not in stored.lower() and stored.startswith(f"https://{REDACTED}.relay.example")
        line = redact_text_urls(f"127.0.0.1:50912: POST {url} HTTP/1.1")
        assert key.lower() not in line.lower(), line
    assert upstream_name(host, 8443, "https") == f"{REDACTED}.relay.example:8443"
    row = rejected_capture(
        "/v1/chat/completions", "", host=host, url=f"https://{host}/v1/chat/completions"
    ).to_row()
    assert key.lower() not in row.model_dump_json().lower()
    assert row.host == f"{REDACTED}.relay.example"


@pytest.mark.parametrize(
    "host",
    [
        "api.openai.com",
        "sk-hynix.example",
        "task-force-abcdefghijklmnop.example",
        "127.0.0.1",
        "::1",
        "[::1]",
    ],
)
def test_an_ordinary_host_is_kept(host: str) -> None:
    from toolguard_core.redact import redact_host

    assert redact_host(host) == host


@pytest.mark.parametrize("provider", ["aws", "aws-session", "jwt", "openai-project", "github"])
def test_a_key_from_the_url_echoed_in_the_answer_is_scrubbed(provider: str) -> None:
    """An AWS key id or a JWT is not in the net over every stored text (it may be content there), but
    one the request's URL carried is a secret of that request: an upstream echoing it back in its
    error text ("invalid path /v1/AKIA...") has it scrubbed, raw or percent-encoded (session 19)."""
    key = URL_KEYS[provider]
    path = f"/v1/{quote(key, safe='')}/chat/completions"
    body = json.dumps({"error": {"message": f"No route for /v1/{key}/chat ({quote(key, safe='')})"}})
    row = rejected_capture(path, "", url=f"https://h.example{path}", response_body=body.encode()).to_row()
    assert key not in row.model_dump_json() and quote(key, safe="") not in row.model_dump_json()
    assert row.error_message == f"No route for /v1/{REDACTED}/chat ({REDACTED})"
    host = f"{URL_KEYS['aws'].lower()}.relay.example"
    echoed = json.dumps({"error": {"message": f"unknown host {host}"}}).encode()
    row = rejected_capture(path, "", host=host, url=f"https://{host}{path}", response_body=echoed).to_row()
    assert row.error_message == f"unknown host {REDACTED}.relay.example"


def test_the_otlp_export_of_a_row_holds_no_planted_key() -> None:
    """The OTLP export (otel.attributes, and the log record's summary line) is made of the stored
    row: a key in the host label, the path, a header or the upstream's echo is not in it."""
    from toolguard_core.otel import attributes
    from toolguard_core.upstreams import upstream_name

    key, path_key = HOST_KEYS[0], URL_KEYS["aws-session"]
    host = f"{key}.relay.example"
    path = f"/v1/%ZZ{path_key}/chat/completions"
    echoed = json.dumps({"error": {"message": f"bad key {URL_KEYS['jwt']} for {host}{path}"}}).encode()
    capture = rejected_capture(
        path,
        "",
        host=host,
        url=f"https://{host}{path}",
        request_headers=((b"authorization", f"Bearer {URL_KEYS['jwt']}".encode()),),
        response_body=echoed,
    )
    row = capture.to_row()
    summary = f"{upstream_name(row.host or '', row.port, row.scheme)}{row.path}: {row.error_message}"
    exported = json.dumps(attributes(row)) + summary
    assert [k for k in (key, path_key, URL_KEYS["jwt"]) if k in exported] == []
    assert attributes(row)["server.address"] == f"{REDACTED}.relay.example"
