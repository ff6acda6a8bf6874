"""Properties: any answer (bytes, JSON, HTML, SSE, with any status and Content-Type) parses to an
:class:`UpstreamError` without its defensive net catching anything; the cause recogniser and the
fingerprint never raise on what the parser gives; the early reading the proxy makes returns."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from support.fuzz import FUZZ, JSON, dumps, error_seeds, mutated, raw_variants, seed_mutations, swallowed

from toolguard_core import causes, upstream_errors
from toolguard_core.capture import early_recognition
from toolguard_core.fingerprint import fingerprint, normalise
from toolguard_core.upstream_errors import UpstreamError, innermost_message, parse_error

STATUSES = st.one_of(
    st.none(),
    st.sampled_from([200, 400, 401, 403, 404, 413, 422, 429, 500, 502, 503, 529]),
    st.integers(min_value=-1, max_value=999),
)
CONTENT_TYPES = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "application/json",
            "application/json; charset=utf-8",
            "text/html",
            "text/event-stream",
            "text/plain; charset=iso-8859-1",
            'application/json; charset="utf-16"',
            "text/plain; charset=x-unknown-charset",
            "application/x-ndjson",
            "application/vnd.amazon.eventstream",
        ]
    ),
    st.text(max_size=30),
)
PROVIDERS = st.sampled_from(
    [None, "openai", "anthropic", "gemini", "bedrock", "openrouter", "mistral", "ollama"]
)


def _wrapped(text: str) -> st.SearchStrategy[str]:
    """A real error text as gateways and clients wrap it: SSE, HTML, an "Error code: 400 - " prefix,
    a Python repr, nested in another error's message."""
    return st.sampled_from(
        [
            text,
            f"event: error\ndata: {text}\n\n",
            f"data: {text}\n\ndata: [DONE]\n\n",
            f"<html><head><title>{text}</title></head><body>{text}</body></html>",
            f"Error code: 400 - {text}",
            repr({"error": {"message": text, "code": 400}}),
            dumps({"error": {"message": text, "type": "invalid_request_error"}}),
            dumps({"error": {"message": dumps({"error": {"message": text}})}}),
            dumps([{"error": {"code": 400, "message": text, "status": "INVALID_ARGUMENT"}}]),
        ]
    )


def _real_answer() -> st.SearchStrategy[bytes]:
    def variants(seed: tuple[int | None, str]) -> st.SearchStrategy[bytes]:
        text = seed[1]
        try:
            import json

            parsed = json.loads(text)
        except ValueError:
            parsed = None
        choices = [_wrapped(text).flatmap(raw_variants)]
        if isinstance(parsed, dict | list):
            choices.append(mutated(parsed).map(dumps).flatmap(raw_variants))
        return st.one_of(*choices)

    return st.sampled_from(error_seeds()).flatmap(variants)


ANSWERS = st.one_of(
    st.binary(max_size=400),
    JSON.map(lambda value: dumps(value).encode("utf-8", "surrogatepass")),
    JSON.map(lambda value: dumps({"error": value}).encode("utf-8", "surrogatepass")),
    _real_answer(),
)


def _check(body: bytes, status: int | None, content_type: str | None, provider: str | None) -> None:
    with swallowed(parse_error, causes.recognise_error, causes._recognise_error, causes.recognise) as caught:
        error = parse_error(body, status=status, content_type=content_type)
        assert isinstance(error, UpstreamError)
        assert len(error.raw) <= upstream_errors.MAX_RAW_CHARS
        error.summary()
        innermost_message(dumps(error.summary()))
        recognition = causes.recognise_error(error, provider=provider, status=status)
        if recognition is not None:
            recognition.summary()
        causes.recognise(error.effective_message, provider=provider)
    assert caught == [], caught
    fingerprint(error.effective_message)
    normalise(error.message)
    early_recognition(
        status=status,
        body=body,
        content_type=content_type,
        stream_error=None,
        provider=provider,
        finding_rules=[],
    )


@FUZZ
@given(body=ANSWERS, status=STATUSES, content_type=CONTENT_TYPES, provider=PROVIDERS)
def test_any_answer_parses_and_is_read(
    body: bytes, status: int | None, content_type: str | None, provider: Any
) -> None:
    _check(body, status, content_type, provider)


@FUZZ
@given(body=_real_answer(), status=STATUSES, seed=seed_mutations(), provider=PROVIDERS)
def test_the_request_aware_reading_takes_any_request(
    body: bytes, status: int | None, seed: tuple[str, Any], provider: Any
) -> None:
    """The writer's second reading (causes.REQUEST_TIER) with the request: the stored request text
    (:func:`causes.request_object`) of a mutated real body, beside a real error."""
    request = causes.request_object(dumps(seed[1]))
    error = parse_error(body, status=status)
    with swallowed(causes.recognise_error, causes._recognise_error) as caught:
        found = causes.recognise_error(error, provider=provider, status=status, request=request)
        if found is not None:
            found.summary()
    assert caught == [], caught


@FUZZ
@given(text=st.text(max_size=400))
def test_fingerprint_any_text(text: str) -> None:
    assert fingerprint(text) == fingerprint(text)
    normalise(text)


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text")


def test_swallowed_sees_what_the_defensive_net_catches() -> None:
    # The detector the properties rely on: parse_error's net catches this body's failing str().
    with swallowed(parse_error) as caught:
        error = parse_error(_Unprintable(), status=400)  # type: ignore[arg-type]
    assert error.shape == "unknown"
    assert [type(exc) for exc in caught] == [RuntimeError]
