"""Issue #10, round 19 (docs/errors.md "Generalisation"): the leave-one-source-out score and the mechanisms
it asked for. ``scripts/eval_causes.py --leave-one-out`` scores every development and probe row with the
wordings written from its own thread taken out; what is left is the catalogue's generalisation rate. The
round then read structure rather than one provider's sentence: a validator's fault at a path (OpenAI's
"Invalid '<path>': <fault>", pydantic's pattern and length, Google's empty required field, a quoted
"'<path>' must be a <type>"), a model refused for an API, the conversation's key said to be required, a
value refused with its alternatives listed, a key spelt out in words, the assistant's final position.

A row fails on any difference in the cause, the rule, the values read, the constraint or the wording's
provider. Rows are real texts from the threads cited (a request is the thread's where it shows one,
else the smallest that carries what the text names, marked so). The neighbours are texts each reading
must leave alone or leave to another tier.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from support.recognition import assert_neighbour_cause

from toolguard_core.causes import (
    CAUSES,
    FRAMEWORKS,
    Constraint,
    _framework_cause,
    _path_parts,
    _recognise_framework,
    recognise_error,
)
from toolguard_core.upstream_errors import parse_error

ROOT = Path(__file__).resolve().parent.parent

_REASONING_MAX = {
    "model": "gpt-5",
    "messages": [{"role": "user", "content": "hi"}],
    "reasoning_effort": "max",
}
_SYSTEM_PARTS = {
    "messages": [{"role": "system", "content": [{"type": "text", "text": "You are an assistant"}]}]
}
_WEB_SEARCH = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "web_search_options": {}}

ROWS: list[tuple[str, int | None, str, dict[str, Any] | None, tuple[object, ...]]] = [
    # GitHub Copilot through 9router: a model refused for an API, named by the API's name.
    (
        "https://github.com/decolua/9router/issues/1062",
        400,
        '{"error": {"message": "model gemini-3.1-pro-preview does not support Responses API.", "code": '
        '"unsupported_api_for_model", "type": "invalid_request_error"}}',
        None,
        (
            "cause.wrong-endpoint",
            "endpoint.unexpected-path",
            {"model": "gemini-3.1-pro-preview", "api": "Responses API"},
            None,
            "generic",
        ),
    ),
    # A proxy refusing reasoning effort "max" with the levels it takes (request constructed: the effort the
    # thread's settings.json sets).
    (
        "https://github.com/nguyenphutrong/quotio/issues/287",
        400,
        'Error: 400 level "max" not supported, valid levels: low, medium, high, xhigh',
        _REASONING_MAX,
        (
            "cause.reasoning-effort-unsupported",
            "params.reasoning-effort-value",
            {"param": "reasoning_effort", "value": "max"},
            Constraint(kind="value", name="reasoning_effort", value="max"),
            "request",
        ),
    ),
    # pydantic v1 through a local server: "str type expected" for a system message's content parts (the
    # thread quotes the request).
    (
        "https://github.com/jeffdapaz/VisualChatGPTStudio/issues/66",
        400,
        "{\"object\": \"error\", \"message\": \"[{'loc': ('body', 'messages'), 'msg': 'str type expected', 'type': "
        "'type_error.str'}, {'loc': ('body', 'messages', 0, 'content'), 'msg': 'str type expected', 'type': "
        '\'type_error.str\'}]", "type": "invalid_request_error", "param": null, "code": null}',
        _SYSTEM_PARTS,
        (
            "cause.content-array-unsupported",
            None,
            {"path": "messages.0.content", "index": "0"},
            Constraint(kind="content_type", name="array", value="system"),
            "pydantic",
        ),
    ),
    # OpenAI refusing web_search_options on a non-search model, the key spelt out in words (request
    # constructed: the key the maintainer's reply names).
    (
        "https://github.com/cpbotha/obsidian-ai-chat-as-md/issues/5",
        400,
        "Error: 400 Web search options not supported with this model.",
        _WEB_SEARCH,
        (
            "cause.param-unsupported",
            "params.unsupported-for-model",
            {"param": "web_search_options"},
            Constraint(kind="param", name="web_search_options", value=None),
            "request",
        ),
    ),
    # LM Studio: a part of the response format of the wrong type.
    (
        "https://github.com/bhimrazy/receipt-ocr/issues/20",
        400,
        "Error code: 400 - {'error': \"'response_format.json_schema.schema' must be an object\"}",
        None,
        (
            "cause.response-format-invalid",
            None,
            {"path": "response_format.json_schema.schema"},
            None,
            "validator",
        ),
    ),
    # Snowflake Cortex: the assistant's final position (the unknown-key family used to read "Requests").
    (
        "https://github.com/aaif-goose/goose/issues/5997",
        400,
        "Request failed with status: 400 Bad Request. Message: invalid request parameters: Requests cannot contain "
        "`assistant` role in the final position when `tools` are used..",
        None,
        ("cause.last-message-assistant", "roles.trailing-assistant-messages", {}, None, "generic"),
    ),
    # SambaNova: a model id in parentheses, refused.
    (
        "https://github.com/mozilla-ai/any-llm/issues/976",
        None,
        "openai.APIStatusError: The requested model (DeepSeek-R1-Distill-Llama-70B) is not available on SambaNova "
        "Cloud. For more information, please visit https://docs.sambanova.ai/cloud/docs/resources/deprecations.",
        None,
        ("cause.model-not-found", None, {"model": "DeepSeek-R1-Distill-Llama-70B"}, None, "refusal"),
    ),
    # Cohere: a V2-only model on /v1/chat (read before the parameter families).
    (
        "https://github.com/cohere-ai/cohere-typescript/issues/288",
        400,
        "invalid request: this model is not supported with '/v1/chat', please use '/v2/chat' instead",
        None,
        ("cause.wrong-endpoint", "endpoint.unexpected-path", {}, None, "generic"),
    ),
]


@pytest.mark.parametrize(
    ("source", "status", "body", "request_body", "expected"), ROWS, ids=[r[0] for r in ROWS]
)
def test_a_round_nineteen_text_is_named_whole(
    source: str,
    status: int | None,
    body: str,
    request_body: dict[str, Any] | None,
    expected: tuple[object, ...],
) -> None:
    found = recognise_error(parse_error(body, status=status), status=status, request=request_body)
    assert found is not None, source
    got = (found.cause_id, found.rule_id, dict(found.values), found.constraint, found.wording.provider)
    assert got == expected, source


#: The framework tier alone (not the catalogue's sentences): the texts it names from their format and path.
FRAMEWORK_ROWS = [
    (
        "https://github.com/coinbase/agentkit/pull/217",
        "Error: 400 Invalid 'tools[0].function.name': string does not match pattern. Expected a string that matches "
        "the pattern '^[a-zA-Z0-9_-]+$'.",
        None,
        ("cause.tool-name-invalid", "openai-validator"),
    ),
    (
        "https://github.com/marimo-team/marimo/issues/5493",
        "Invalid 'tools': empty array. Expected an array with minimum length 1, but got an empty array instead.",
        None,
        ("cause.tools-empty", "openai-validator"),
    ),
    (
        "https://github.com/nanbingxyz/5ire/issues/33",
        "Invalid 'tools[6].function.description': string too long. Expected a string with maximum length 1024",
        None,
        ("cause.tool-schema-invalid", "openai-validator"),
    ),
    (
        "https://github.com/apify/tester-mcp-client/issues/11",
        "tools.7.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'",
        None,
        ("cause.tool-name-invalid", "pydantic"),
    ),
    (
        "https://github.com/langchain-ai/langgraph/issues/3939",
        "GenerateContentRequest.contents[3].parts: contents.parts must not be empty.",
        None,
        ("cause.empty-content", "google-api"),
    ),
    (
        "https://github.com/vercel/ai/issues/3775",
        "* GenerateContentRequest.contents: contents is not specified",
        None,
        ("cause.empty-content", "google-api"),
    ),
    (
        "https://github.com/OpenHands/OpenHands/issues/4643",
        "'messages.0' : for 'role:system' the following must be satisfied[('messages.0.content' : value must be a "
        "string)]",
        _SYSTEM_PARTS,  # constructed: the system message's parts the thread describes
        ("cause.content-array-unsupported", "validator"),
    ),
]


@pytest.mark.parametrize(
    ("source", "text", "request_body", "expected"), FRAMEWORK_ROWS, ids=[r[0] for r in FRAMEWORK_ROWS]
)
def test_the_framework_tier_names_a_fault_at_a_path(
    source: str, text: str, request_body: dict[str, Any] | None, expected: tuple[str, str]
) -> None:
    found = _recognise_framework(text, None, (), request_body)
    assert found is not None, source
    assert (found.cause_id, found.wording.provider) == expected, source


def test_an_empty_conversation_is_the_rule_messages_empty() -> None:
    found = _recognise_framework("* GenerateContentRequest.contents: contents is not specified", None, ())
    assert found is not None and found.rule_id == "messages.empty"


@pytest.mark.parametrize(
    ("fault", "path", "field", "named"),
    [
        ("empty", "tools", None, "cause.tools-empty"),
        ("pattern", "tools[0].function.name", None, "cause.tool-name-invalid"),
        ("length", "function_declarations[2].name", None, "cause.tool-name-invalid"),
        # a property called "name" inside a tool's parameters is the schema's, not the tool's name
        ("pattern", "tools[0].function.parameters.properties.name", None, "cause.tool-schema-invalid"),
        ("empty", "messages", None, "cause.empty-content"),
        ("empty", "contents[3].parts", None, "cause.empty-content"),
        ("empty", "messages[2].tool_calls", None, None),
        ("pattern", "metadata.user_id", None, None),
        ("type", "response_format.json_schema.schema", None, "cause.response-format-invalid"),
        ("type", "messages", None, None),  # a union's string alternative, no input echoed
    ],
)
def test_a_new_fault_and_a_path_map_to_one_cause_or_none(
    fault: str, path: str, field: str | None, named: str | None
) -> None:
    found = _framework_cause(fault, _path_parts(path, field), None, "str" if fault == "type" else None)  # type: ignore[arg-type]
    assert (found[0] if found else None) == named


def test_a_content_list_is_read_from_the_request_only_where_it_is_one() -> None:
    parts = _path_parts("body.messages.0.content", None)
    as_list = {"messages": [{"role": "user", "content": [{"type": "text", "text": "x"}]}]}
    as_null = {"messages": [{"role": "user", "content": None}]}
    assert _framework_cause("type", parts, None, "str", as_list) == (
        "cause.content-array-unsupported",
        {"path": "messages.0.content", "index": "0"},
    )
    assert _framework_cause("type", parts, None, "str", as_null) is None
    assert _framework_cause("type", parts, None, "str", None) is None


@pytest.mark.parametrize(
    ("source", "status", "body", "cause"),
    [
        # Refused features, not parameters: the unknown-key family no longer reads "calling" or "input".
        (
            "constructed in DeepInfra's shape",
            405,
            "deepinfra error: Tool calling is not supported for model: mistralai/Mistral-Small-24B-Instruct-2501",
            "cause.model-no-tools",
        ),
        (
            "constructed in llama.cpp's shape",
            500,
            '{"code":500,"message":"image input is not supported by this server","type":"server_error"}',
            "cause.model-no-vision",
        ),
        # A quoted value after "value" is no parameter.
        (
            "constructed in Ollama's shape",
            400,
            'think value "medium" is not supported for this model',
            "not cause.param-unsupported",
        ),
        # "at least one contents field is required": an empty conversation, not a missing key.
        (
            "constructed in Vertex's shape",
            400,
            "Unable to submit request because at least one contents field is required.",
            "not cause.messages-missing",
        ),
        # "prompt" alone is a legacy completions body's key: not read as the conversation missing.
        ("constructed in Anthropic's shape", 400, "prompt: Field required", "not cause.messages-missing"),
        # The key thinking_level refused as such stays a parameter refusal.
        (
            "constructed in Vertex's shape",
            400,
            "Unable to submit request because thinking_level is not supported by this model.",
            "cause.param-unsupported",
        ),
        # An unquoted path is a Go client's own check: the validator reading needs the path quoted.
        (
            "constructed: a Go client's printout",
            500,
            "status code: 500, field stream_options must be an object",
            None,
        ),
        # A name unknown under tools[...] is the tool schema's fault, not a top-level field.
        (
            "constructed in Gemini's shape",
            400,
            'Invalid JSON payload received. Unknown name "x-mcp-header" at \'request.tools[0].function_declarations[71]'
            ".parameters.properties[2].value': Cannot find field.",
            "cause.tool-schema-invalid",
        ),
        # A parameter moved to another key in the Responses API is no model refused for an API.
        (
            "constructed in OpenAI's shape",
            400,
            "Unsupported parameter: 'response_format'. In the Responses API, this parameter has moved to 'text.format'.",
            "cause.wrong-endpoint",
        ),
        # A Go decoder's string type on messages is still a type fault (the union rule needs no input echoed).
        (
            "constructed in Ollama's shape",
            None,
            "json: cannot unmarshal object into Go struct field ChatRequest.messages of type string",
            "cause.param-type-invalid",
        ),
        # A model id named nowhere: the "not available" reading names nothing.
        ("constructed", 400, "The service is not available for this account.", "not cause.model-not-found"),
    ],
)
def test_the_round_nineteen_readings_leave_neighbouring_texts_alone(
    source: str, status: int | None, body: str, cause: str | None
) -> None:
    assert_neighbour_cause(source, status, body, cause)


def test_a_spelt_out_key_needs_the_request_to_carry_it() -> None:
    body = "Error: 400 Web search options not supported with this model."
    plain = recognise_error(parse_error(body, status=400), status=400)
    with_request = recognise_error(parse_error(body, status=400), status=400, request=_WEB_SEARCH)
    assert plain is None or plain.cause_id != "cause.param-unsupported"
    assert with_request is not None and with_request.values == {"param": "web_search_options"}


def test_every_new_framework_cites_a_real_answer_it_reads() -> None:
    new = {"openai-validator", "google-api", "validator"}
    frameworks = [f for f in FRAMEWORKS if f.library in new or f.fault == "validator"]
    assert {f.library for f in frameworks} >= new
    for framework in frameworks:
        assert framework.wording.source.startswith("https://github.com/")
        # (the validator's example is a content list refused as a string: read with the request that sent it)
        assert _recognise_framework(framework.wording.example, None, (), _SYSTEM_PARTS) is not None, (
            framework.library
        )


# ------------------------------------------------------------------ the leave-one-source-out score


def _eval_causes() -> Any:
    spec = importlib.util.spec_from_file_location("eval_causes_r19", ROOT / "scripts" / "eval_causes.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["eval_causes_r19"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://github.com/Owner/Repo/issues/12#issuecomment-3", "github.com/owner/repo/12"),
        ("https://github.com/owner/repo/pull/12/files", "github.com/owner/repo/12"),
        ("https://docs.example.com/errors/?lang=en#codes", "docs.example.com/errors"),
        (None, None),
    ],
)
def test_a_thread_has_one_key(url: str | None, key: str | None) -> None:
    assert _eval_causes().thread_key(url) == key


def test_a_wording_is_traced_to_the_row_it_was_written_from_and_taken_out_for_it() -> None:
    ec = _eval_causes()
    wording = next(
        w
        for c in CAUSES
        for w in c.wordings
        if w.source == "https://github.com/SilasMarvin/lsp-ai/issues/108"
    )
    by_url = ec.Row(
        "r1",
        "dev",
        "spec",
        None,
        "cause.messages-missing",
        "x",
        400,
        None,
        "https://github.com/SilasMarvin/lsp-ai/issues/108",
    )
    by_text = ec.Row(
        "r2",
        "dev",
        "spec",
        None,
        "cause.messages-missing",
        wording.example,
        400,
        None,
        "https://example.com/t/2",
    )
    traces = ec.trace_wordings([("message", wording)], [by_url, by_text])
    assert traces[id(wording)].how == "url" and traces[id(wording)].threads == {
        "github.com/silasmarvin/lsp-ai/108"
    }
    pattern = wording.pattern
    with ec._without([wording]):
        assert wording.pattern is not pattern and wording.pattern.search(wording.example) is None
    assert wording.pattern is pattern  # restored


def test_the_leave_one_out_mode_reads_no_held_out_row(capsys: pytest.CaptureFixture[str]) -> None:
    ec = _eval_causes()
    rows = list(ec.load_rows(sorted(ec.ROOT.glob(ec.CORPUS_GLOB)), dev_only=True))
    assert rows and {row.split for row in rows} == {"dev"}
    ec.leave_one_out(rows[:40] + list(ec.load_probe())[-25:])
    out = capsys.readouterr().out
    assert "leave one source out" in out and "heldout" not in out


def test_the_trace_records_each_wording_with_how_it_was_traced(tmp_path: Path) -> None:
    ec = _eval_causes()
    wording = next(
        w
        for c in CAUSES
        for w in c.wordings
        if w.source == "https://github.com/SilasMarvin/lsp-ai/issues/108"
    )
    row = ec.Row("r1", "dev", "spec", None, "cause.messages-missing", "x", 400, None, wording.source)
    wordings = [("message", wording)]
    out = tmp_path / "trace.json"
    ec.write_trace(out, wordings, ec.trace_wordings(wordings, [row]))
    (record,) = json.loads(out.read_text(encoding="utf-8"))
    assert record["how"] == "url" and record["threads"] == ["github.com/silasmarvin/lsp-ai/108"]
    assert record["source"] == wording.source and record["tier"] == "message"
