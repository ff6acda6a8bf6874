"""Body-level rules: is there a JSON object to validate at all?

These run inside :func:`parse_body`, before any check, because every other rule needs the
parsed object. A body that fails here is passed through untouched; the finding says why.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from toolguard_core.findings import Finding, Severity
from toolguard_core.rules.jsonvalues import json_type
from toolguard_core.rules.registry import PredictedError, define, policy
from toolguard_core.unvalidated import NOT_VALIDATED_ID, TOO_DEEP_ID, TOO_LARGE_ID, UNDECODABLE_ID

#: The corrected example of every body rule: the smallest chat request a provider accepts.
_VALID = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}

OAI_BAD_JSON = PredictedError(
    provider="openai",
    text=(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using "
        "your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was "
        "not valid JSON. If you have trouble figuring out how to fix this, please contact us through "
        "our help center at help.openai.com.)"
    ),
    # Verbatim 400 body (param null, code null) quoted in this issue; also microsoft/graphrag#2286.
    source="https://github.com/ChatGPTNextWeb/NextChat/issues/4064",
)

NOT_JSON = define(
    "body.not-json",
    Severity.ERROR,
    "The request body is not valid JSON.",
    # Every provider parses JSON first; nothing else can be read from such a body.
    policy=policy(otherwise=Severity.ERROR),
    predicts=(OAI_BAD_JSON,),
    raw_example=b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"},]}',
    fixed=_VALID,
)
INVALID_UTF8 = define(
    "body.invalid-utf8",
    Severity.ERROR,
    "The request body is not valid UTF-8, so it cannot be JSON.",
    policy=policy(otherwise=Severity.ERROR),
    raw_example=b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "caf\xe9"}]}',
    fixed=_VALID,
    notes="No provider's answer to a non-UTF-8 body has been observed yet, so no error text is predicted.",
)
NOT_OBJECT = define(
    "body.not-object",
    Severity.ERROR,
    "The request body is JSON but not an object (e.g. a list or a string).",
    policy=policy(otherwise=Severity.ERROR),
    raw_example=b'[{"role": "user", "content": "hi"}]',
    fixed=_VALID,
    notes=(
        "A non-object body has no `model` or `messages`, so it cannot be a valid request; the exact "
        "provider error text for it has not been observed yet."
    ),
)
EMPTY = define(
    "body.empty",
    Severity.ERROR,
    "The request has no body.",
    policy=policy(otherwise=Severity.ERROR),
    raw_example=b"",
    fixed=_VALID,
    notes="An empty body has no `messages`; the exact provider error text has not been observed yet.",
)
TOO_LARGE = define(
    TOO_LARGE_ID,
    Severity.INFO,
    "The body is larger than toolguard_max_body, so it was passed through without validation.",
    # toolguard's own limit, not a provider's: context about the flow, the same wherever it goes.
    policy=policy(otherwise=Severity.INFO),
    notes="Raise toolguard_max_body (docs/robustness.md) to validate larger bodies. No example: the limit "
    "is the deployment's setting, and a provider may accept the body.",
)
TOO_DEEP = define(
    TOO_DEEP_ID,
    Severity.WARNING,
    "The body nests deeper than the JSON parser allows; it was passed through without validation.",
    # toolguard's own limit, not a provider's: a warning wherever the body goes.
    policy=policy(otherwise=Severity.WARNING),
    raw_example=b"[" * 5000 + b"]" * 5000,
    fixed=_VALID,
    notes="The limit is the JSON parsers' (orjson's 1024 levels, then the stdlib's recursion limit), not a "
    "provider's: the request goes on unvalidated, and the provider may accept it.",
)
UNDECODABLE = define(
    UNDECODABLE_ID,
    Severity.WARNING,
    "The body's Content-Encoding could not be decoded; it was passed through without validation.",
    # toolguard could not read the body; whether the provider can is not known: a warning everywhere.
    policy=policy(otherwise=Severity.WARNING),
    notes="No example: the finding is about the flow's Content-Encoding header, not the body alone.",
)
NOT_VALIDATED = define(
    NOT_VALIDATED_ID,
    Severity.INFO,
    "The body was forwarded without validation: the validation worker was saturated or had stopped "
    "(work per request is bounded, so toolguard never holds traffic to validate it).",
    # toolguard's own load, not the request's: context, the same for every provider.
    policy=policy(otherwise=Severity.INFO),
    notes="No example: reported by the addon when its validation worker is saturated, whatever the body.",
)


def parse_body(
    body: bytes | str | None, max_body_bytes: int, findings: list[Finding]
) -> dict[str, Any] | None:
    """The single JSON parse of a request body. Appends a finding and returns None on bad input."""
    return parse_body_exact(body, max_body_bytes, findings)[0]


def parse_body_exact(
    body: bytes | str | None, max_body_bytes: int, findings: list[Finding]
) -> tuple[dict[str, Any] | None, bool]:
    """:func:`parse_body`, and whether orjson parsed it (RequestView.exact): the stdlib's fallback
    accepts values orjson would not write back as they were (NaN, integers over 64 bits)."""
    if body is None or len(body) == 0:
        findings.append(EMPTY.finding("body", "The request body is empty; send a JSON object."))
        return None, False
    if len(body) > max_body_bytes:
        findings.append(
            TOO_LARGE.finding(
                "body",
                f"The body is {len(body)} bytes, over toolguard_max_body ({max_body_bytes}); not validated.",
            )
        )
        return None, False
    exact = True
    try:
        # Fast path: orjson parses strict JSON about twice as fast as the stdlib and validates UTF-8
        # itself. Anything it refuses goes through the stdlib, which gives the precise finding (or
        # accepts what orjson is stricter about: NaN, integers over 64 bits, lone surrogates).
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        exact = False
        parsed = _parse_stdlib(body, findings)
        if parsed is _FAILED:
            return None, False
    if not isinstance(parsed, dict):
        findings.append(
            NOT_OBJECT.finding(
                "body",
                f"The body is a JSON {json_type(parsed)}, "
                "not an object; send "
                '{"model": ..., "messages": [...]}.',
            )
        )
        return None, False
    return parsed, exact


_FAILED = object()


def _parse_stdlib(body: bytes | str, findings: list[Finding]) -> Any:
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            findings.append(
                INVALID_UTF8.finding(
                    "body",
                    f"The body is not valid UTF-8 (byte {exc.start}: {exc.reason}); "
                    "encode the JSON as UTF-8.",
                )
            )
            return _FAILED
    try:
        return json.loads(body)
    except RecursionError:
        findings.append(TOO_DEEP.finding("body", "The JSON nests too deeply to parse; not validated."))
    except ValueError as exc:
        findings.append(NOT_JSON.finding("body", f"The body is not valid JSON ({exc}); send a JSON object."))
    return _FAILED
