"""OpenAI's ``model_error`` ("The model produced invalid content"): the model's own output failed the
server's checks, a server-side failure to retry (``cause.server-error``), whether it comes as an HTTP 500
(where the status tier would say the same) or inside a stream with no error status (where only the
sentence names it: trial20a saw Codex retry it six times on a Responses WebSocket, session 19)."""

from __future__ import annotations

import pytest

from toolguard_core.causes import recognise_error
from toolguard_core.upstream_errors import parse_error

OPENAI = (  # BerriAI/litellm#8020, OpenHands/OpenHands#5876 (gpt-4o, o1-preview)
    b'{"error": {"message": "The model produced invalid content. Consider modifying your prompt if you are '
    b'seeing this error persistently.", "type": "model_error", "param": null, "code": null}}'
)
AZURE = (  # Azure OpenAI's variant with its link (griptape-ai/griptape-nodes-engine#4366)
    b'{"error": {"message": "The model produced invalid content. Consider modifying your prompt if you are '
    b'seeing this error persistently. For more information, please see https://aka.ms/model-error", '
    b'"type": "model_error", "param": null, "code": null}}'
)


@pytest.mark.parametrize(
    ("case", "body", "status"),
    [
        ("OpenAI, HTTP 500", OPENAI, 500),
        ("OpenAI, inside a stream (no status)", OPENAI, None),
        ("Azure OpenAI, inside a stream", AZURE, None),
    ],
)
def test_model_error_is_a_server_side_failure(case: str, body: bytes, status: int | None) -> None:
    found = recognise_error(parse_error(body, status=status), status=status)
    assert found is not None, case
    assert (found.cause.id, found.wording.provider, found.cause.transient) == (
        "cause.server-error",
        "openai",
        True,
    ), case
