"""``gen_ai.provider.name`` says what toolguard knows of the upstream (session 21): the conventions'
well-known value for a provider it identified, its own id for another, the upstream itself (host, and
port when not the scheme's) for a host no profile claims, never toolguard's ``generic`` profile."""

from __future__ import annotations

import pytest

from toolguard_core.otel import attributes
from toolguard_core.store import FlowRow


@pytest.mark.parametrize(
    ("provider", "scheme", "host", "port", "expected"),
    [
        ("openai", "https", "api.openai.com", 443, "openai"),
        ("xai", "https", "api.x.ai", 443, "x_ai"),
        ("dashscope", "https", "dashscope.aliyuncs.com", 443, "dashscope"),
        ("generic", "https", "llm.internal.example", 443, "llm.internal.example"),
        ("generic", "http", "127.0.0.1", 8000, "127.0.0.1:8000"),
        ("generic", "http", "::1", 8080, "[::1]:8080"),
        ("generic", None, None, None, None),
    ],
)
def test_the_provider_name_is_what_toolguard_knows(
    provider: str, scheme: str | None, host: str | None, port: int | None, expected: str | None
) -> None:
    row = FlowRow(
        id="f",
        datetime_utc="2026-12-02T21:00:00.000Z",
        provider=provider,
        scheme=scheme,
        host=host,
        port=port,
    )
    attrs = attributes(row)
    assert (attrs.get("gen_ai.provider.name"), attrs.get("gen_ai.system"), attrs["toolguard.provider"]) == (
        expected,
        expected,
        provider,
    )
