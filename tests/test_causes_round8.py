"""Issue #10, probe round 8: the families its misses showed, written to generalise rather than to
fit (docs/errors.md "Generalisation"):

* an API version the resource does not serve (Azure's api-version, OpenAI's OpenAI-Version header):
  a wrong endpoint, whatever the body says;
* several choices (``n`` above 1) refused by a server that generates one: a value of ``n``;
* a message role restricted to user/assistant: the system prompt was sent as a message;
* Bedrock's "maximum tokens you requested exceeds the model limit" (no parameter named);
* a gateway that got no answer from its provider (Cloudflare's 2005, ngrok's 3800);
* Azure's JSON-pointer form of a key outside its schema ("Validation error at #/stream_options");
* Volcengine Ark's "The parameter `<path>` specified in the request are not valid" for a content
  part's type (a value of that path);
* an unknown field that is the API's own container (``messages``, ``contents``, ``input``,
  ``prompt``): the body is for another API, so the request went to the wrong endpoint and nothing
  about the key is learned (:data:`toolguard_core.causes.FOREIGN_BODY_KEYS`).

Real texts from public threads, none of them a probe row's thread (the probe set measures these
recognisers and stays unseen); each row asserts the whole recognition: cause, rule, extracted values,
constraint and which tier named it.
"""

from __future__ import annotations

import pytest
from support.recognition import CauseRow as Row
from support.recognition import assert_neighbour_cause, whole_recognition

from toolguard_core.causes import Constraint, recognise_error
from toolguard_core.upstream_errors import parse_error

ROWS = [
    # An API version the resource does not serve (Azure through three clients).
    Row("https://github.com/langchain4j/langchain4j/issues/2636", 400,
        '{"error":{"code":"BadRequest","message":"Model {modelName} is enabled only for api versions '
        '2024-12-01-preview and later"}}',
        "cause.wrong-endpoint", "endpoint.unexpected-path", "azure"),
    Row("https://github.com/chatboxai/chatbox/issues/1745", 400,
        'API Error: Status Code 400, {"error":{"code":"BadRequest","message":"Model o1 is enabled only for api '
        'versions 2024-12-01-preview and later"}}',
        "cause.wrong-endpoint", "endpoint.unexpected-path", "azure"),
    Row("https://github.com/microsoft/genaiscript/issues/1121", 400,
        "LLM error (400): Model {modelName} is enabled only for api versions 2024-12-01-preview and later",
        "cause.wrong-endpoint", "endpoint.unexpected-path", "azure"),
    # n above 1 (a gateway's own rejection, as its source writes it).
    Row("https://github.com/theopenco/llmgateway/pull/2433", 400,
        '{"error":{"message":"Model ${usedInternalModel} with provider ${usedProvider} does not support the n '
        'parameter for multiple choices. Send n separate requests instead.","type":"invalid_request_error"}}',
        "cause.param-value-unsupported", None, "generic", {"param": "n"}),
    # The role restricted to user/assistant: the system prompt inside messages (a Messages-API server).
    Row("https://github.com/ogx-ai/ogx/issues/5982", 400,
        "API Error: 400 {'errors': [{'loc': ['body', 'messages', 1, 'role'], 'msg': \"Input should be 'user' or "
        "'assistant'\", 'type': 'literal_error'}]}",
        "cause.model-no-system-role", "roles.system-unsupported", "generic"),
    # Bedrock's output budget above the model's, in three clients' wrappers.
    Row("https://github.com/sigoden/aichat/pull/813", 400,
        "Failed to call chat-completions api\n\nCaused by:\n    The maximum tokens you requested exceeds the model "
        "limit of 4096. Try again with a maximum tokens value that is lower than 4096.",
        "cause.max-tokens-too-large", None, "bedrock"),
    Row("https://github.com/RooCodeInc/Roo-Code/issues/248", 400,
        "Error: The maximum tokens you requested exceed the model limit of 4096. Try again with a maximum tokens "
        "value lower than 4096.",
        "cause.max-tokens-too-large", None, "bedrock"),
    Row("https://github.com/vercel/ai/issues/2772", 400,
        "ValidationException: The maximum tokens you requested exceeds the model limit of 4096. Try again with a "
        "maximum tokens value that is lower than 4096.",
        "cause.max-tokens-too-large", None, "bedrock"),
    # Azure's JSON pointer to a key outside its schema (On Your Data rejects stream_options).
    Row("https://github.com/microsoft/semantic-kernel/issues/10510", 400,
        '{"error":{"code":400,"message":"Validation error at #/stream_options: Extra inputs are not permitted"}}',
        "cause.extra-request-field", "params.unknown", "azure",
        {"path": "stream_options", "field": "stream_options"}, Constraint(kind="field", name="stream_options")),
    # A chat body at Gemini's native endpoint: "messages" is unknown there, so the endpoint is wrong and
    # no constraint on a "messages" field is learned.
    Row("https://github.com/LeenHawk/gproxy/issues/92", 400,
        '{"error": {"code": 400, "message": "Invalid JSON payload received. Unknown name \\"messages\\": Cannot find '
        'field.", "status": "INVALID_ARGUMENT"}}',
        "cause.wrong-endpoint", "endpoint.unexpected-path", "gemini", {"field": "messages"}),
    # A gateway that got no answer from its provider (Cloudflare AI Gateway's 2005 before any provider
    # was called; ngrok's documented message for its upstream failure).
    Row("https://github.com/cloudflare/ai/issues/611", 400,
        '{"success": false, "result": [], "messages": [], "error": [{"code": 2005, "message": "Failed to get '
        'response from provider"}]}',
        "cause.server-error", None, "generic"),
    Row("https://ngrok.com/docs/ai-gateway/reference/error-codes.md", 502,
        "Could not reach the AI provider. The upstream request failed.",
        "cause.server-error", None, "generic"),
    # Volcengine Ark names the refused path (the development rows' threads).
    Row("https://github.com/farion1231/cc-switch/issues/1519", 400,
        '{"error":{"code":"InvalidParameter","message":"The parameter `messages.content.type` specified in the '
        "request are not valid: invalid value: `document`, supported values are: `text`, `thinking`, `image`, "
        "'tool_use' and `tool_result`. Request id: 0217736355560584bb2d320cfcd0d3dcaa0804120ace3f94d4c42\",\"param\""
        ':"","type":"BadRequest"}}',
        "cause.param-value-unsupported", None, "volcengine",
        {"param": "messages.content.type", "value": "document"}),
]  # fmt: skip


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.source.split("//")[1])
def test_round_eight_families_name_the_cause(row: Row) -> None:
    assert whole_recognition(row.body, row.status) == (
        row.cause,
        row.rule,
        row.values,
        row.constraint,
        row.provider,
    )


@pytest.mark.parametrize(
    ("source", "status", "body", "cause"),
    [
        # A role list that includes system is not "no system role" (one-api's relay of OpenAI's validator).
        (
            "https://github.com/tatsu-lab/alpaca_eval/issues/436",
            400,
            "openai.BadRequestError: Error code: 400 - {'error': {'message': \"'' is not one of ['system', "
            "'assistant', 'user', 'function'] - 'messages.2.role' (request id: 202501241541378273314282HgWcVi0)\", "
            "'type': 'invalid_request_error'}}",
            None,
        ),
        # A role that must be "system" is another schema's complaint, not this family's.
        (
            "https://github.com/modelscope/ms-agent/issues/574",
            400,
            "openai.BadRequestError: Error code: 400 - {'object': 'error', 'message': '[{\\'type\\': "
            "\\'literal_error\\', \\'loc\\': (\\'body\\', \\'messages\\', 1, \\'typed-dict\\', \\'role\\'), \\'msg\\': "
            "\"Input should be \\'system\\'\", \\'input\\': \\'user\\'}]'}",
            "not cause.model-no-system-role",
        ),
        # Volcengine's sentence without a path names nothing (the development row's thread).
        (
            "https://github.com/volcengine/volcengine-python-sdk/issues/13",
            400,
            "{'error': {'code': 'InvalidParameter', 'message': 'One or more parameters specified in the request are "
            "not valid. Request id: 0217280951205813c183a1fb82c613f4d4485b7d388d5b4d02e7e', 'param': '', 'type': "
            "'BadRequest'}}",
            None,
        ),
        # A body the server could not parse names no cause: the body.* rules own it (verdict credit).
        (
            "https://github.com/nashsu/llm_wiki/issues/249",
            400,
            "The parameter `` specified in the request are not valid: we could not parse the JSON body of your "
            "request. Request id: 021779630950795fadef930ee560a642a7",
            None,
        ),
        # Any other unknown field stays an unknown field, with its constraint (the Go decoder's wording
        # relayed by a gateway, 9router's log of opencode's Go plan).
        (
            "https://github.com/decolua/9router/issues/4077",
            400,
            '{"error":{"param":"thinking","type":"invalid_request_error","message":"Error from provider (Console Go): '
            "Upstream request failed: [invalid_request_error] invalid request body: json: unknown field "
            '\\"thinking\\""}}',
            "cause.extra-request-field",
        ),
    ],
)
def test_the_new_families_leave_neighbouring_causes_alone(
    source: str, status: int, body: str, cause: str | None
) -> None:
    assert_neighbour_cause(source, status, body, cause)


@pytest.mark.parametrize(
    "text",
    [
        "the version of n is 2",  # a lone n that is not the parameter
        "n = 3 tokens were generated",
        "model version not supported yet by the exporter",  # a version that is not an API version
    ],
)
def test_the_n_and_api_version_families_need_their_own_phrasing(text: str) -> None:
    found = recognise_error(parse_error(text, status=400))
    assert found is None or found.cause_id not in {"cause.param-value-unsupported", "cause.wrong-endpoint"}, (
        text
    )
