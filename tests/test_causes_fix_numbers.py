"""The context-length fix quotes the numbers the provider gave, never the wrong one.

vLLM's newer wording ("However, you requested 32000 output tokens and your prompt contains at least
131841 input tokens, for a total of ...") put the *output* budget after "requested"; the fix then said
"the model takes 163840 tokens, the request needed 32000" — as if the request fitted. Rows are real
bodies (probe-review-4, sources below), each through the live path: ``parse_error`` then
``recognise_error``; whole-fix assertions.
"""

from __future__ import annotations

import pytest

from toolguard_core.causes import recognise_error
from toolguard_core.upstream_errors import parse_error

STEM = "Shorten the conversation (drop or summarise old turns and large tool results) or lower max_tokens"

CASES = [
    pytest.param(
        # https://github.com/anomalyco/opencode/issues/38108 (opencode, DeepSeek V4 Flash)
        "deepseek",
        '{"error":{"message":"This model\'s maximum context length is 163840 tokens. However, you requested '
        "32000 output tokens and your prompt contains at least 131841 input tokens, for a total of at least "
        "163841 tokens. Please reduce the length of the input prompt or the number of requested output tokens. "
        '(parameter=input_tokens, value=131841)","type":"BadRequestError","param":"input_tokens","code":400}}',
        f"{STEM}: the model takes 163840 tokens.",
        id="vllm-output-tokens-wording",
    ),
    pytest.param(
        # https://github.com/AIDotNet/OpenCowork/issues/82
        "vllm",
        "This model's maximum context length is 262144 tokens. However, you requested 128000 output tokens and "
        "your prompt contains at least 134145 input tokens, for a total of at least 262145 tokens. Please reduce "
        "the length of the input prompt or the number of requested output tokens. (parameter=input_tokens, "
        "value=134145)",
        f"{STEM}: the model takes 262144 tokens.",
        id="vllm-output-tokens-wording-plain",
    ),
    pytest.param(
        # https://github.com/OpenHands/OpenHands/issues/998 (the older total wording keeps its number)
        "openai",
        "{'error': {'message': \"This model's maximum context length is 16385 tokens. However, your messages "
        "resulted in 33625 tokens. Please reduce the length of the messages.\", 'type': 'invalid_request_error', "
        "'param': 'messages', 'code': 'context_length_exceeded'}}",
        f"{STEM}: the model takes 16385 tokens, the request needed 33625.",
        id="openai-total-wording",
    ),
]


@pytest.mark.parametrize(("provider", "body", "fix"), CASES)
def test_context_length_fix_quotes_the_right_numbers(provider: str, body: str, fix: str) -> None:
    found = recognise_error(parse_error(body, status=400), provider=provider, status=400)
    assert found is not None
    assert (found.cause_id, found.fix) == ("cause.context-length-exceeded", fix)
