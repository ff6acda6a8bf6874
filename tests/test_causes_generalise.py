"""Issue #10 round 2: error bodies the parser now unwraps, error codes that name a cause whatever the
text, and the HTTP status as the last, lowest-ranked tier. Real bodies from public threads (source
per row); each row asserts the whole parsed shape and the recognition."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from toolguard_core.causes import CODES, STATUS, recognise_error
from toolguard_core.upstream_errors import parse_error


@dataclass(frozen=True)
class Body:
    name: str
    source: str
    status: int
    body: str
    shape: str
    inner_shape: str | None
    message: str
    cause: str | None
    tier: str  # "message", "code" or "status": which tier named it


CLOUDFLARE = json.dumps(
    {
        "success": False,
        "errors": [
            {
                "code": 7003,
                "message": "Could not route to /accounts/xxx/ai/v1, perhaps your object identifier is invalid?",
            },
            {"code": 7000, "message": "No route for that URI"},
        ],
        "messages": [],
        "result": None,
    }
)
LMSTUDIO_ZOD = (
    'OpenAIException - Error code: 400 - {\'error\': \'[\\n  {\\n    "code": "invalid_type",\\n    "expected": '
    '"object",\\n    "received": "undefined",\\n    "path": [\\n      2,\\n      "function",\\n      "parameters",'
    '\\n      "properties"\\n    ],\\n    "message": "Required"\\n  }\\n]\'}'
)
AZURE_FILTER_REPR = (
    "{'error': {'message': \"The response was filtered due to the prompt triggering Azure OpenAI's content "
    "management policy. Please modify your prompt and retry.\", 'type': None, 'param': 'prompt', 'code': "
    "'content_filter', 'status': 400, 'innererror': {'code': 'ResponsibleAIPolicyViolation', "
    "'content_filter_result': {'violence': {'filtered': True, 'severity': 'medium'}}}}}"
)
AWS_EXPIRED = json.dumps(
    {
        "__type": "com.amazon.coral.service#ExpiredTokenException",
        "message": "The security token included in the request is expired",
    }
)

BODIES = [
    Body(
        "cloudflare errors[]",
        "https://github.com/musistudio/claude-code-router/issues/1630",
        400,
        CLOUDFLARE,
        "errors-array",
        None,
        "Could not route to /accounts/xxx/ai/v1, perhaps your object identifier is invalid?; No route for that URI",
        "cause.wrong-endpoint",
        "message",
    ),
    Body(
        "lm studio zod issues inside a python dict",
        "https://github.com/lmstudio-ai/lmstudio-bug-tracker/issues/2203",
        400,
        LMSTUDIO_ZOD,
        "relay-nested",
        "relay-nested",
        "2.function.parameters.properties: Required",
        "cause.tool-schema-invalid",
        "message",
    ),
    Body(
        "bare python dict with azure innererror",
        "https://github.com/compl-ai/compl-ai/issues/20",
        400,
        AZURE_FILTER_REPR,
        "relay-nested",
        "openai",
        "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please "
        "modify your prompt and retry.",
        "cause.moderation",
        "message",
    ),
    Body(
        "aws __type",
        "https://docs.aws.amazon.com/bedrock/latest/APIReference/CommonErrors.html",
        403,
        AWS_EXPIRED,
        "aws",
        None,
        "The security token included in the request is expired",
        "cause.auth",
        "code",
    ),
    Body(
        "sglang 401 says only Unauthorized",
        "https://github.com/sgl-project/sglang/issues/25127",
        401,
        '{"error":"Unauthorized"}',
        "ollama-string",
        None,
        "Unauthorized",
        "cause.auth",
        "message",
    ),
    Body(
        "fastapi 404 without a model",
        "https://github.com/xorbitsai/inference/issues/1317",
        404,
        '{"detail":"Not Found"}',
        "fastapi-detail",
        None,
        "Not Found",
        "cause.wrong-endpoint",
        "status",
    ),
    Body(
        "hugging face 503 while the model loads",
        "https://github.com/huggingface/huggingface_hub/issues/2763",
        503,
        '{"error":"Model Qwen/Qwen2-VL-2B-Instruct is currently loading","estimated_time":176.7188568}',
        "ollama-string",
        None,
        "Model Qwen/Qwen2-VL-2B-Instruct is currently loading",
        "cause.overloaded",
        "status",
    ),
    Body(
        "nim 404 naming a function of a model",
        "https://github.com/Alishahryar1/free-claude-code/issues/956",
        404,
        '{"status":404,"title":"Not Found","detail":"Function \'12345678-b123-12a3-1221-123456789123\': Not found for '
        "account 'Ab1EzDFj7NoQ-ABzl5JqcPLREQPLS8B7Pez92BZeEWQ1'\"}",
        "fastapi-detail",
        None,
        "Function '12345678-b123-12a3-1221-123456789123': Not found for account 'Ab1EzDFj7NoQ-ABzl5JqcPLREQPLS8B7Pez92BZeEWQ1'",
        "cause.model-not-found",
        "message",
    ),
]


@pytest.mark.parametrize("case", BODIES, ids=[b.name for b in BODIES])
def test_body_is_unwrapped_and_named(case: Body) -> None:
    error = parse_error(case.body, status=case.status)
    root = error.root()
    found = recognise_error(error, status=case.status)
    assert found is not None
    tier = "status" if found.wording.on == "status" else "code" if found.wording.on == "code" else "message"
    assert (
        error.shape,
        error.upstream.shape if error.upstream else None,
        root.message,
        found.cause_id,
        tier,
    ) == (
        case.shape,
        case.inner_shape,
        case.message,
        case.cause,
        case.tier,
    )


def test_the_status_tier_says_it_is_the_status_and_never_fires_without_one() -> None:
    error = parse_error('{"detail":"Not Found"}', status=404)
    assert recognise_error(error) is None  # the text alone names nothing
    found = recognise_error(error, status=404)
    assert found is not None
    summary = found.summary()
    assert (summary["cause"], summary["provider"], summary["values"], summary["constraint"]) == (
        "cause.wrong-endpoint",
        "http-status",
        {"status": "404"},
        None,
    )
    assert recognise_error(parse_error("", status=200), status=200) is None  # not a rejection status


def test_every_code_and_status_wording_matches_its_example() -> None:
    for _, wording in (*CODES, *STATUS.values()):
        assert wording.pattern.fullmatch(wording.example), wording.example
        assert wording.source.startswith("https://")


def test_one_alternation_sentence_names_the_system_role_when_the_request_shows_one() -> None:
    # vLLM + Mistral v0.2 (microsoft/autogen#1037): the template rejects the system message with the
    # alternation sentence. The flow's own finding (the request carries a system message the model
    # does not take) decides; without it the text names alternation.
    body = (
        "{'object': 'error', 'message': 'Conversation roles must alternate user/assistant/user/assistant/...', "
        "'type': 'invalid_request_error', 'param': None, 'code': None}"
    )
    error = parse_error(body, status=400)
    plain = recognise_error(error, status=400)
    shown = recognise_error(error, status=400, finding_rules=["roles.system-unsupported"])
    assert plain is not None and shown is not None
    assert (plain.cause_id, plain.rule_id) == ("cause.role-order", "roles.alternation")
    assert (shown.cause_id, shown.rule_id) == ("cause.model-no-system-role", "roles.system-unsupported")


@pytest.mark.parametrize(
    ("body", "cause"),
    [
        # Ollama's 404 for a model it has not pulled (otwld/ollama-helm#61): the text mentions the model.
        ('{"error":"model \'tinyllama\' not found, try pulling it first"}', "cause.model-not-found"),
        # FastAPI's 404 for a path the server does not route (a wrong base URL).
        ('{"detail":"Not Found"}', "cause.wrong-endpoint"),
    ],
)
def test_the_status_tier_splits_404_by_whether_the_text_mentions_a_model(body: str, cause: str) -> None:
    from toolguard_core.causes import _recognise_status

    found = _recognise_status(404, parse_error(body, status=404), None, ())
    assert found is not None
    assert (found.cause_id, found.wording.provider, dict(found.values)) == (
        cause,
        "http-status",
        {"status": "404"},
    )
