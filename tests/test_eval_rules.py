"""The rule-accuracy measurement (scripts/eval_rules.py) on the development part of the corpus.

The hard gate: no accepted request in ``tests/data/corpus/valid-*.jsonl`` gets an error finding
(a provider took it, so an error would flag what the provider accepts). The recall numbers are a
measurement, reported in docs/accuracy.md, not asserted here; only their shape is. The held-out part
is never scored in the suite, so no test can be tuned to it.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_rules", ROOT / "scripts" / "eval_rules.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["eval_rules"] = module
    spec.loader.exec_module(module)
    return module


EVAL = _load()


@pytest.fixture(scope="module")
def dev() -> dict[str, Any]:
    return EVAL.score(["dev"])


def test_no_error_finding_on_any_valid_request(dev: dict[str, Any]) -> None:
    valid = dev["valid"]
    assert valid["checked"] > 0
    assert valid["errors"] == {}, json.dumps(valid["errors"], indent=2)


def test_dev_table_has_every_class_with_consistent_counts(dev: dict[str, Any]) -> None:
    rows = dev["splits"]["dev"]["classes"]
    assert set(rows) == {"spec", "provider", "model"}
    for row in rows.values():
        assert 0 < row["evaluable"] <= row["entries"]
        assert row["from_request"] + row["built"] == row["evaluable"]
        assert 0 <= row["hits"] <= row["evaluable"]
        assert row["recall"] == round(row["hits"] / row["evaluable"], 3)
        # A first-occurrence hit is a hit on the repeat too; the repeat adds what a refusal taught.
        assert row["hits"] <= row["repeat_hits"] <= row["evaluable"]
        assert row["repeat_recall"] == round(row["repeat_hits"] / row["evaluable"], 3)


def test_only_the_requested_split_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """A dev run builds no request from a held-out entry (the discipline the script promises)."""
    seen: list[str] = []
    original = EVAL.build_request

    def spy(entry: dict[str, Any]) -> Any:
        seen.append(entry["split"])
        return original(entry)

    monkeypatch.setattr(EVAL, "build_request", spy)
    EVAL.score(["dev"])
    assert seen and set(seen) == {"dev"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # OpenAI's reasoning-model rejection names max_tokens.
        (
            "Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
            {"max_tokens": 4096},
        ),
        # A quoted value is taken as sent.
        (
            "Unsupported value: 'temperature' does not support 0.2 with this model. "
            "Only the default (1) value is supported.",
            {"temperature": 0.2},
        ),
        # Azure's list of camelCase arguments: the client really sent these names.
        (
            "Unrecognized request arguments supplied: frequencyPenalty, presencePenalty, topP",
            {"frequencyPenalty": 0.5, "presencePenalty": 0.5, "topP": 0.9},
        ),
        # Cerebras names the field with a body. prefix.
        ("API Error: 422 body.store: property 'body.store' is unsupported", {"store": True}),
        # Anthropic's limit answer quotes the value sent.
        (
            '{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: 128001 > 64000, '
            'which is the maximum allowed number of output tokens for claude-opus-4-5-20251101"}}',
            {"max_tokens": 128001},
        ),
        # "cannot both be specified" states that the request set both.
        (
            "`temperature` and `top_p` cannot both be specified for this model. Please use only one.",
            {"temperature": 0.7, "top_p": 0.9},
        ),
        # LiteLLM's UnsupportedParamsError names the field and the value as name=value.
        (
            "litellm.UnsupportedParamsError: gpt-5-nano doesn't support temperature=0.1 while reasoning is "
            "active. Only temperature=1 is supported",
            {"temperature": 0.1},
        ),
        # DashScope names it with a parameter. prefix, in Chinese as in English.
        ("parameter.enable_thinking必须设置为false才能进行非流式调用", {"enable_thinking": True}),
        # Gemini's own field, sent at the top level instead of inside extra_body.
        ('Invalid JSON payload received. Unknown name "google": Cannot find field.', {"google": "x"}),
        # NVIDIA NIM's validator lists the fields it refuses.
        ("API Error: 400 Validation: Unsupported parameter(s): `tool_stream`", {"tool_stream": "x"}),
    ],
)
def test_named_parameters_are_built_into_the_request(body: str, expected: dict[str, Any]) -> None:
    entry = {"api": "chat", "model": "m", "request": None, "body": body, "class": "provider"}
    request, how = EVAL.build_request(entry)
    assert how == "built"
    assert request == {
        "model": "m",
        "messages": [{"role": "user", "content": "What is the weather in Paris?"}],
        **expected,
    }


def test_an_error_naming_nothing_is_not_evaluable() -> None:
    entry = {"api": "chat", "model": "m", "request": None, "body": "prompt is too long", "class": "model"}
    assert EVAL.build_request(entry) == (None, "the error names no request field")


@pytest.mark.parametrize(
    ("model", "request_model", "named"),
    [
        ("gpt-4o", None, True),
        (None, "hf.co/org/model:Q4_K_M", True),
        (None, "<YOUR_ENDPOINT_ID>", False),
        (None, "{model}", False),
        (None, "YOUR_MODEL", False),
        (None, None, False),
        ("", "   ", False),
    ],
)
def test_a_model_failure_is_evaluable_only_when_the_thread_names_a_real_model(
    model: str | None, request_model: str | None, named: bool
) -> None:
    """The same bar for a thread's request and a built one: a template slot names no model."""
    request = {"messages": [{"role": "user", "content": "hi"}]}
    if request_model is not None:
        request["model"] = request_model
    entry = {
        "api": "chat",
        "model": model,
        "request": request,
        "request_fidelity": "verbatim",
        "body": "x",
        "class": "model",
    }
    assert EVAL._names_model(entry) is named
    _, how = EVAL.build_request(entry)
    assert (how == "request") is named


def test_a_stated_range_without_the_sent_value_is_not_evaluable() -> None:
    """DeepSeek names the range, not the value; the default 4096 would lie inside [1, 8192]."""
    body = {"error": {"message": "Invalid max_tokens value, the valid range of max_tokens is [1, 8192]"}}
    entry = {"api": "chat", "model": "deepseek-reasoner", "request": None, "body": body, "class": "model"}
    assert EVAL.build_request(entry) == (
        None,
        "the error states the valid range of a field but not the value sent",
    )
    # A range the default lies outside of is still built (the default is a value the error rejects).
    narrow = {"error": {"message": "Invalid max_tokens value, the valid range of max_tokens is [1, 2048]"}}
    request, how = EVAL.build_request({**entry, "body": narrow})
    assert how == "built" and request is not None and request["max_tokens"] == 4096


def test_a_cause_label_matches_an_error_at_the_named_field() -> None:
    from toolguard_core.findings import Finding, Severity

    named = EVAL.named_by("Unsupported parameter: 'max_tokens' is not supported with this model.")
    at_field = Finding(rule="x.y", severity=Severity.ERROR, location="max_tokens", message="m")
    elsewhere = Finding(rule="x.y", severity=Severity.ERROR, location="temperature", message="m")
    warning = Finding(rule="x.y", severity=Severity.WARNING, location="max_tokens", message="m")
    assert EVAL.matches("cause.param-unsupported", at_field, named)
    assert not EVAL.matches("cause.param-unsupported", elsewhere, named)
    assert not EVAL.matches("cause.param-unsupported", warning, named)
    assert EVAL.matches("x.y", elsewhere, named)
    assert EVAL.matches("x.y:detail", elsewhere, named)


def test_a_gemini_parameter_refused_in_words_is_located_in_generation_config() -> None:
    """Gemma 4's "Thinking budget is not supported for this model." names its parameter in words: an error on
    the budget matches the label, one elsewhere in the request does not (eval_rules.GEMINI_CAUSE_FIELDS)."""
    from toolguard_core.findings import Finding, Severity

    body = '{"error":{"code":400,"message":"Thinking budget is not supported for this model.","status":"INVALID_ARGUMENT"}}'
    budget = Finding(
        rule="x.y",
        severity=Severity.ERROR,
        location="generationConfig.thinkingConfig.thinkingBudget",
        message="m",
    )
    elsewhere = Finding(rule="x.y", severity=Severity.ERROR, location="contents[0].parts[0]", message="m")
    assert EVAL.gemini_matches("cause.param-unsupported", budget, body)
    assert not EVAL.gemini_matches("cause.param-unsupported", elsewhere, body)
    assert not EVAL.gemini_matches(
        "cause.param-unsupported", budget.model_copy(update={"severity": Severity.WARNING}), body
    )


def test_anthropic_names_the_field_first_in_its_message() -> None:
    # {"type":"error","error":{"type":"invalid_request_error","message":"stop_sequences: each stop sequence
    # must contain non-whitespace"}} (stanford-crfm/helm's Claude3RunExpander quotes the message).
    text = (
        '{"type":"error","error":{"type":"invalid_request_error","message":"stop_sequences: each stop '
        'sequence must contain non-whitespace"}}'
    )
    assert list(EVAL.named_by(text).params) == ["stop_sequences"]
    # Only a known parameter: "messages: ..." names no top-level parameter.
    assert EVAL.named_by('{"message":"messages: text content blocks must be non-empty"}').params == {}


def test_a_jsonpath_rooted_path_is_a_quoted_path() -> None:
    # Azure OpenAI's older validator roots its paths at "$.": "'$.messages[5].content' is invalid. Please
    # check the API reference: https://platform.openai.com/docs/api-reference."
    text = "'$.messages[5].content' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."
    assert EVAL.quoted_paths(text) == [("messages", "content")]
    assert EVAL.quoted_paths("see api.openai.com or gpt-4.1") == []


def test_cache_breakpoints_are_credited_wherever_the_fifth_one_sits() -> None:
    # "A maximum of 4 blocks with cache_control may be provided. Found 5." counts system blocks, tools
    # and message blocks alike (continuedev/continue#6937 caps them "including system messages, tools, and
    # user messages").
    from toolguard_core.findings import Finding, Severity

    named = EVAL.named_by("A maximum of 4 blocks with cache_control may be provided. Found 5.")
    for location in ("system[4]", "tools[3]", "messages[6].content[0]"):
        finding = Finding(rule="x.y", severity=Severity.ERROR, location=location, message="m")
        assert EVAL.matches("cause.too-many-cache-breakpoints", finding, named, "messages")
    elsewhere = Finding(rule="x.y", severity=Severity.ERROR, location="max_tokens", message="m")
    assert not EVAL.matches("cause.too-many-cache-breakpoints", elsewhere, named, "messages")


# Real texts (probe-rules-5's rows and the corpus' wordings): what each quotes, and whether an error at
# each location is credited for a cause label whose field the text does not otherwise name.
_ANTHROPIC_IMAGE = (
    "messages.208.content.0.tool_result.content.0.image.source.base64.media_type: Input should be "
    "'image/jpeg', 'image/png', 'image/gif' or 'image/webp'"
)
_THINKING = (
    '"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and '
    '"output_config.effort" to control thinking behavior.'
)
_DEEPSEEK = (
    "Failed to deserialize the JSON body into the target type: tools[7].type: unknown variant namespace"
)


@pytest.mark.parametrize(
    ("text", "paths", "location", "credited"),
    [
        # The finding sits on the path, past the union tags pydantic's loc puts in it.
        (
            _ANTHROPIC_IMAGE,
            [("messages", "content", "tool_result", "content", "image", "source", "base64", "media_type")],
            "messages[2].content[0].content[0].source",
            True,
        ),
        # The text appends the refused value to the path.
        (
            _THINKING,
            [("thinking", "type", "enabled"), ("thinking", "type", "adaptive")],
            "thinking.type",
            True,
        ),
        (
            _THINKING,
            [("thinking", "type", "enabled"), ("thinking", "type", "adaptive")],
            "thinking.budget_tokens",
            False,
        ),
        # A sibling of the quoted field is not on its path; nor is a bare top-level location.
        (_DEEPSEEK, [("tools", "type")], "tools[0].function", False),
        (_DEEPSEEK, [("tools", "type")], "tools[0].type", True),
        (
            _ANTHROPIC_IMAGE,
            [("messages", "content", "tool_result", "content", "image", "source", "base64", "media_type")],
            "messages[2]",
            False,
        ),
        # Bracket paths; hosts, model names and Vertex's bare `request.tools[0]` are not paths.
        (
            "Invalid value at messages[1].content[0].type",
            [("messages", "content", "type")],
            "messages[1].content[0].type",
            True,
        ),
        ("see api.openai.com, e.g. gpt-4.1; at 'request.tools[0]...'", [], "tools[0].type", False),
        # Every validator's notation, read by toolguard_core.locations: pydantic's loc tuple with its
        # TypedDict tag (vLLM), a Zod issue path, serde's path before its position in the body, a JSON
        # Pointer, Go's struct field path.
        (
            "[{'type': 'string_type', 'loc': ('body', 'messages', 1, 'typed-dict', 'name'), "
            "'msg': 'Input should be a valid string', 'input': None}]",
            [("messages", "name")],
            "messages[1].name",
            True,
        ),
        (
            '{"code": "invalid_type", "expected": "string", "path": ["input", 3, "call_id"], "message": "Required"}',
            [("input", "call_id")],
            "input[3].call_id",
            True,
        ),
        (
            "Failed to deserialize the JSON body into the target type: messages[2].content: invalid type: "
            "null, expected a string at line 1 column 80",
            [("messages", "content")],
            "messages[2].content",
            True,
        ),
        (
            "Type mismatch of '/messages/0/content', 'array' not in 'string'",
            [("messages", "content")],
            "messages[0].content",
            True,
        ),
        (
            "json: cannot unmarshal string into Go struct field ChatRequest.messages.tool_calls.function.arguments",
            [("messages", "tool_calls", "function", "arguments")],
            "messages[1].tool_calls[0].function.arguments",
            True,
        ),
    ],
)
def test_a_quoted_dotted_path_credits_a_finding_on_it(
    text: str, paths: list[tuple[str, ...]], location: str, credited: bool
) -> None:
    from toolguard_core.findings import Finding, Severity

    named = EVAL.named_by(text)
    finding = Finding(rule="x.y", severity=Severity.ERROR, location=location, message="m")
    assert (named.paths, EVAL.matches("cause.param-value-unsupported", finding, named)) == (paths, credited)


def test_a_cause_label_falls_back_to_the_field_it_concerns_and_params_labels_match_the_catalog() -> None:
    from toolguard_core.findings import Finding, Severity

    named = EVAL.named_by("No endpoints found that support the requested features.")
    assert not named
    at_tools = Finding(
        rule="model.tools-unsupported", severity=Severity.ERROR, location="tools[0]", message="m"
    )
    assert EVAL.matches("cause.model-no-tools", at_tools, named)
    assert not EVAL.matches("cause.model-no-vision", at_tools, named)
    catalog = Finding(
        rule="model.max-tokens-on-reasoning-model", severity=Severity.ERROR, location="x", message="m"
    )
    assert EVAL.matches("params.max-tokens-on-reasoning-model", catalog, named)


def test_openai_parameter_paths_into_messages_name_the_message_field() -> None:
    """OpenAI quotes the path of a bad message field ("Missing required parameter:
    'messages[2].tool_calls[0].type'", DashScope's "Invalid type for 'messages.[0].content'"): the
    path without indices is a named field for matching; nothing is built from it."""
    from toolguard_core.findings import Finding, Severity

    named = EVAL.named_by("Missing required parameter: 'messages[2].tool_calls[0].type'.")
    assert named.fields == {"messages.tool_calls.type"} and not named
    at_call = Finding(
        rule="x.y", severity=Severity.ERROR, location="messages[1].tool_calls[0].type", message="m"
    )
    at_content = Finding(rule="x.y", severity=Severity.ERROR, location="messages[1].content", message="m")
    assert EVAL.matches("cause.param-type-invalid", at_call, named)
    assert not EVAL.matches("cause.param-type-invalid", at_content, named)
    dashscope = EVAL.named_by(
        "Invalid type for 'messages.[0].content': expected one of a string or array of objects, but got an "
        "object instead."
    )
    assert dashscope.fields == {"messages.content"}


def test_labels_of_the_same_cause_match_the_catalog_rule_and_the_endpoint_cause() -> None:
    from toolguard_core.findings import Finding, Severity

    nothing = EVAL.named_by("")
    sampling = Finding(
        rule="model.sampling-on-reasoning-model", severity=Severity.ERROR, location="temperature", message="m"
    )
    assert EVAL.matches("params.temperature-on-reasoning-model", sampling, nothing)
    at_model = Finding(
        rule="model.chat-completions-unsupported", severity=Severity.ERROR, location="model", message="m"
    )
    assert EVAL.matches("cause.wrong-endpoint", at_model, nothing)
    assert not EVAL.matches("cause.model-no-tools", at_model, nothing)


def test_anthropic_budget_sentence_builds_a_budget_not_below_max_tokens() -> None:
    body = {
        "type": "error",
        "error": {
            "type": "invalid_request_error",
            "message": "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation",
        },
    }
    entry = {"api": "messages", "model": None, "request": None, "body": body, "class": "spec"}
    request, how = EVAL.build_request(entry)
    assert how == "built"
    assert request == {
        "model": "unknown-model",
        "messages": [{"role": "user", "content": "What is the weather in Paris?"}],
        "max_tokens": 4096,
        "thinking": {"type": "enabled", "budget_tokens": 4096},
    }


def test_deepseek_unknown_image_url_variant_names_an_image_part() -> None:
    body = {
        "error": {
            "message": "Failed to deserialize the JSON body into the target type: messages[148]: unknown variant "
            "`image_url`, expect..."
        }
    }
    entry = {"api": "chat", "model": "deepseek-v4-pro", "request": None, "body": body, "class": "model"}
    request, how = EVAL.build_request(entry)
    assert how == "built" and request is not None
    assert request["messages"][-1]["content"][1]["type"] == "image_url"


def test_a_messages_request_is_built_with_its_required_max_tokens() -> None:
    entry = {
        "api": "messages",
        "model": "claude-sonnet-4-5",
        "request": None,
        "body": "temperature and top_p cannot both be specified for this model. Please use only one.",
        "class": "model",
    }
    assert EVAL.build_request(entry) == (
        {
            "model": "claude-sonnet-4-5",
            "messages": [{"role": "user", "content": "What is the weather in Paris?"}],
            "temperature": 0.7,
            "top_p": 0.9,
            "max_tokens": 4096,
        },
        "built",
    )


_WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Cerebras names the forced function: the object form, not the defaulted "auto" (the error's
        # `param: tool_choice` names the field with no value, the sentence states the value).
        (
            "Unsupported tool_choice: type='function' function=ChoiceObjectFunction(name='Steps'). "
            "Expected 'auto' or 'none'.",
            {
                "tool_choice": {"type": "function", "function": {"name": "Steps"}},
                "tools": [{**_WEATHER_TOOL, "function": {**_WEATHER_TOOL["function"], "name": "Steps"}}],
            },
        ),
        # LM Studio says the object type was sent.
        (
            "{'error': \"Invalid tool_choice type: 'object'. Supported string values: none, auto, required\"}",
            {
                "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
                "tools": [_WEATHER_TOOL],
            },
        ),
    ],
)
def test_a_stated_tool_choice_overrides_the_default_value(body: str, expected: dict[str, Any]) -> None:
    entry = {"api": "chat", "model": "m", "request": None, "body": body, "class": "provider"}
    request, how = EVAL.build_request(entry)
    assert how == "built"
    assert request == {
        "model": "m",
        "messages": [{"role": "user", "content": "What is the weather in Paris?"}],
        **expected,
    }


def test_a_quoted_value_is_not_overridden_by_a_statement() -> None:
    body = "Invalid value for 'tool_choice': 'get_weather'. Invalid tool_choice type: 'object'."
    entry = {"api": "chat", "model": "m", "request": None, "body": body, "class": "provider"}
    request, _ = EVAL.build_request(entry)
    assert request is not None
    assert request["tool_choice"] == "get_weather"


def test_content_array_goes_on_the_role_the_error_names() -> None:
    body = (
        "{'error': {'message': \"'messages.0' : for 'role:system' the following must be satisfied"
        "[('messages.0.content' : value must be a string)]\", 'type': 'invalid_request_error'}}"
    )
    entry = {"api": "chat", "model": "m", "request": None, "body": body, "class": "provider"}
    request, how = EVAL.build_request(entry)
    assert (how, request) == (
        "built",
        {
            "model": "m",
            "messages": [
                {"role": "system", "content": [{"type": "text", "text": "Be brief."}]},
                {"role": "user", "content": "What is the weather in Paris?"},
            ],
        },
    )


def _built(body: str) -> dict[str, Any] | None:
    entry = {"api": "chat", "model": "m", "request": None, "body": body, "class": "provider"}
    request, how = EVAL.build_request(entry)
    assert how == "built", how
    return request


def test_a_quoted_tool_call_id_is_replayed_with_its_answer() -> None:
    request = _built("Tool call id was call_0fypS1hVX but must be a-z, A-Z, 0-9, with a length of 9.")
    assert request is not None
    [_, calling, answer] = request["messages"]
    assert calling["tool_calls"][0]["id"] == "call_0fypS1hVX"
    assert answer == {"role": "tool", "tool_call_id": "call_0fypS1hVX", "content": "sunny"}


@pytest.mark.parametrize(
    "body",
    [
        '<400> InternalError.Algo.InvalidParameter: The "function.arguments" parameter of the code model '
        "must be in JSON format.",
        "invalid params, invalid function arguments json string, tool_call_id: call_1 (2013)",
    ],
)
def test_arguments_said_not_to_be_json_are_built_unparseable(body: str) -> None:
    request = _built(body)
    assert request is not None
    arguments = request["messages"][1]["tool_calls"][0]["function"]["arguments"]
    with pytest.raises(ValueError):
        json.loads(arguments)


def test_mistrals_last_role_sentence_builds_a_trailing_assistant() -> None:
    request = _built(
        "Expected last role User or Tool (or Assistant with prefix True) for serving but got assistant"
    )
    assert request is not None
    assert request["messages"][-1]["role"] == "assistant"


def test_moonshots_ref_conflict_builds_the_ref_next_to_the_keyword() -> None:
    request = _built(
        "Invalid request: tools.function.parameters is not a valid moonshot flavored json schema, details: "
        "<At path 'properties.variantOptions': conflicting keywords found after $ref expansion: description>"
    )
    assert request is not None
    parameters = request["tools"][0]["function"]["parameters"]
    assert parameters["properties"]["variantOptions"] == {
        "$ref": "#/$defs/variantOptions",
        "description": "Next to the $ref.",
    }
    assert parameters["$defs"]["variantOptions"]["description"] == "From the definition."


def test_a_gemini_proto_path_is_mapped_back_to_the_schema() -> None:
    request = _built(
        'Invalid JSON payload received. Unknown name "const" at \'tools[0].function_declarations[5]'
        ".parameters.properties[8].value.items.any_of[1]': Cannot find field."
    )
    assert request is not None
    assert request["tools"][0]["function"]["parameters"] == {
        "type": "object",
        "properties": {
            "field8": {
                "type": "array",
                "items": {"anyOf": [{"type": "string"}, {"type": "string", "const": "x"}]},
            }
        },
    }


def test_an_extra_key_on_a_tool_call_is_put_on_the_replayed_call() -> None:
    request = _built(
        'Mistral API error (422 Unprocessable Entity): {"detail":[{"type":"extra_forbidden","loc":["body",'
        '"messages",6,"assistant","tool_calls",0,"name"],"msg":"Extra inputs are not permitted","input":null}'
    )
    assert request is not None
    [call] = request["messages"][1]["tool_calls"]
    assert "name" in call and call["name"] is None


def test_a_refused_field_label_matches_either_rule_that_reports_it() -> None:
    """Cerebras' 'property body.store is unsupported' is params.rejected-by-provider in toolguard (store is
    an OpenAI field), 'body.maxTokens' is params.unknown: one provider answer, either label."""
    from toolguard_core.findings import Finding, Severity

    named = EVAL.named_by("API Error: 422 body.store: property 'body.store' is unsupported")
    rejected = Finding(
        rule="params.rejected-by-provider", severity=Severity.ERROR, location="store", message="m"
    )
    unknown = Finding(rule="params.unknown", severity=Severity.ERROR, location="maxTokens", message="m")
    assert EVAL.matches("params.unknown", rejected, named)
    assert EVAL.matches("params.rejected-by-provider", unknown, named)
    assert not EVAL.matches("params.max-tokens-range", rejected, named)


def test_a_message_field_named_without_a_role_serves_matching_only() -> None:
    from toolguard_core.findings import Finding, Severity

    named = EVAL.named_by(
        "ValueError: Validating messages' `tool_calls` raised an error. Please ensure `tool_calls` are "
        "iterable of tool calls."
    )
    assert named.fields == {"messages.tool_calls"}
    at_calls = Finding(
        rule="shape.tool-calls-not-array",
        severity=Severity.ERROR,
        location="messages[1].tool_calls",
        message="m",
    )
    assert EVAL.matches("cause.param-type-invalid", at_calls, named)
    entry = {"api": "chat", "model": "m", "request": None, "body": "Validating messages' `tool_calls` raised"}
    # Nothing to build from: an entry without a thread request stays not evaluable.
    assert EVAL.build_request({**entry, "class": "spec"}) == (None, "the error names no request field")


def test_the_probe_set_is_fresh_and_in_the_corpus_shape() -> None:
    """probe-rules.jsonl: every corpus field, split "probe", a measured class, and no thread that the
    dev or held-out parts hold (the probe measures unseen cases)."""
    from support.corpus import FAILURE_FIELDS, load_failures, read_jsonl, thread_key

    rows = read_jsonl(EVAL.PROBE)
    assert len(rows) >= 40
    corpus = {thread_key(r["thread"]) for r in load_failures()}
    for row in rows:
        assert set(FAILURE_FIELDS) <= row.keys(), row["id"]
        assert (row["split"], row["class"] in EVAL.CLASSES) == ("probe", True), row["id"]
        assert thread_key(row["thread"]) not in corpus, row["id"]
        assert row["source"].startswith("https://") and row["body"], row["id"]


def test_probe_scores_only_the_probe_file_and_misses_run_there(capsys: pytest.CaptureFixture[str]) -> None:
    result = EVAL.score(["probe"])
    assert list(result["splits"]) == ["probe"]
    model = result["splits"]["probe"]["classes"]["model"]
    assert model["entries"] == model["evaluable"] > 0
    assert EVAL.main(["--probe", "--misses"]) == 0
    assert "probe " in capsys.readouterr().out
    with pytest.raises(SystemExit):
        EVAL.main(["--split", "heldout", "--misses"])


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        # OpenAI's sentence as a client re-words it (Datus-ai/Datus-agent#98), without "Unsupported value:".
        ("for gpt-5 : 'temperature' does not support 0.7 with this model. Only the default (1) value is "
         "supported", "temperature", 0.7),
        # GitHub Copilot's CAPI (github/copilot-cli#3394).
        ('CAPIError: 400 reasoning_effort "medium" was provided, but model gpt-4o-2024-11-20 does not support '
         "reasoning effort", "reasoning_effort", None),
        # Anthropic's sampling answers for Claude Opus 4.7 on (session 11; The-PR-Agent/pr-agent#2456) and
        # with thinking on.
        ("`temperature` is deprecated for this model.", "temperature", None),
        ("`temperature` may only be set to 1 when thinking is enabled or in adaptive mode.", "temperature", None),
    ],
)  # fmt: skip
def test_round_four_wordings_name_their_field(text: str, field: str, value: Any) -> None:
    """Read alike for every entry of every part (issue 9 round 4): the field the sentence names."""
    named = EVAL.named_by(text)
    assert field in named.params and named.params[field] == value


def test_a_cause_about_the_messages_concerns_input_on_the_responses_api() -> None:
    """The Responses API keeps the conversation in ``input``: label vocabulary per API, never the request."""
    from toolguard_core.findings import Finding, Severity

    nothing = EVAL.named_by("Invalid value: 'input_text'. Supported values are: 'output_text' and 'refusal'.")
    at_input = Finding(rule="x.y", severity=Severity.ERROR, location="input[2].content[0]", message="m")
    assert EVAL.cause_fields("cause.content-part-unsupported", "responses") == {"input.content"}
    assert EVAL.matches("cause.content-part-unsupported", at_input, nothing, "responses")
    assert not EVAL.matches("cause.content-part-unsupported", at_input, nothing, "chat")
    effort = Finding(rule="x.y", severity=Severity.ERROR, location="reasoning.effort", message="m")
    assert EVAL.matches("cause.reasoning-effort-unsupported", effort, nothing, "responses")


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # Anthropic's own sentences (dev threads), read for every Messages API entry of every part.
        ("messages.33: `tool_use` ids were found without `tool_result` blocks immediately after: "
         "toolu_01WQfwh7MJKmV9YfsFiJ4zxx. Each `tool_use` block must have a corresponding `tool_result` block "
         "in the next message.", "anthropic.tool-use-without-result"),
        ("messages: text content blocks must be\n     non-empty", "anthropic.empty-text-block"),
        ("messages.x.content.0.type: Expected `thinking` or `redacted_thinking`, but found `text`. When "
         "`thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the "
         "lastmost set of `tool_use` and `tool_result` blocks).", "anthropic.thinking-block-missing"),
    ],
)  # fmt: skip
def test_anthropic_sentences_state_the_messages_shape(text: str, rule: str) -> None:
    from toolguard_core.analyze import analyse_request

    entry = {
        "id": "t",
        "api": "messages",
        "provider": "anthropic",
        "model": "claude-sonnet-4-5",
        "body": text,
    }
    request, how = EVAL.build_request(entry)
    assert how == "built" and request is not None
    analysis = analyse_request(json.dumps(request), EVAL.url_for(entry))
    assert rule in {f.rule for f in analysis.findings if f.severity.value == "error"}
    # The same sentence on Chat Completions builds nothing Anthropic-shaped.
    assert "thinking" not in (EVAL.build_request({**entry, "api": "chat"})[0] or {})


@pytest.mark.parametrize(
    ("api", "provider", "text", "rule"),
    [
        # Each a real wording (dev threads); the request built states only what the sentence does.
        ("messages", "anthropic", "Did not find 1 tool_result block(s) at the beginning of this message. Messages "
         "following tool_use blocks must begin with a matching number of tool_result blocks.",
         "anthropic.tool-use-without-result"),
        ("messages", "anthropic", "A maximum of 4 blocks with cache_control may be provided. Found 5.",
         "anthropic.too-many-cache-breakpoints"),
        ("chat", "deepseek", "Invalid schema for function 'image_generate': schema must be a JSON Schema of "
         "'type: \"object\"', got 'type: null'.", "tools.parameters-not-object"),
        ("responses", "openai", "Invalid schema for function 'codex_app::automation_update': schema must be a JSON "
         "Schema of 'type: \"object\"', got 'type: \"None\"'.", "tools.parameters-not-object"),
        ("chat", "deepseek", "Invalid 'tools': empty array. Expected an array with minimum length 1, but got an "
         "empty array instead.", "tools.empty"),
        ("chat", "deepseek", "Failed to deserialize the JSON body into the target type: messages[3]: missing field "
         "`tool_call_id`", "shape.tool-message-without-id"),
        ("chat", "zhipu", '{"error":{"code":"1214","message":"messages[4]:content和tool_calls 字段不能同时为空"}}',
         "shape.empty-assistant-message"),
        ("chat", "openai", "Invalid image URL: 'messages[0].content[1].image_url.url'. Expected a base64-encoded "
         "data URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got a value "
         "without the 'data:' prefix.", "content.invalid-image-url"),
        ("responses", "openai", "Response input messages must contain the word 'json' in some form to use "
         "'text.format' of type 'json_object'.", "responses.json-without-json-word"),
    ],
)  # fmt: skip
def test_round_four_sentences_build_what_they_state(api: str, provider: str, text: str, rule: str) -> None:
    from toolguard_core.analyze import analyse_request

    entry = {"id": "t", "api": api, "provider": provider, "model": "m-1", "body": text}
    request, how = EVAL.build_request(entry)
    assert how == "built" and request is not None
    url = EVAL.url_for(entry)
    analysis = analyse_request(json.dumps(request), url, target=EVAL.target_for(entry, url))
    assert rule in {f.rule for f in analysis.findings if f.severity.value == "error"}


def test_thinking_mode_sentences_state_their_shape() -> None:
    """Moonshot's "thinking is enabled but reasoning_content is missing in assistant tool call message" builds
    that tool call; ModelScope's "enable thinking can not be support when `stream=False`" states stream=False."""
    from toolguard_core.analyze import analyse_request

    kimi = {"id": "t", "api": "chat", "provider": "moonshot", "model": "kimi-k2.5", "class": "model",
            "body": "thinking is enabled but reasoning_content is missing in assistant tool call message at index 2"}  # fmt: skip
    request, how = EVAL.build_request(kimi)
    assert how == "built" and request is not None
    assert request["messages"][1]["tool_calls"] and "reasoning_content" not in request["messages"][1]
    url = EVAL.url_for(kimi)
    analysis = analyse_request(json.dumps(request), url, target=EVAL.target_for(kimi, url))
    assert "quirks.moonshot-reasoning-content-missing" in {f.rule for f in analysis.findings}
    qwen = {**kimi, "provider": "modelscope", "model": "Qwen/Qwen3-235B-A22B-Thinking-2507",
            "body": "enable thinking can not be support when `stream=False`."}  # fmt: skip
    request, how = EVAL.build_request(qwen)
    assert how == "built" and request is not None and request["stream"] is False


@pytest.mark.parametrize(
    ("api", "provider", "model", "text", "rule"),
    [
        # Issue 9 round 8 (nineteenth pass): each a dev wording; the request built states only what it says.
        ("chat", "vertex", "gemini-2.5-pro", "[400]: Unable to submit request because terminal_last_command "
         "functionDeclaration parameters schema should be of type OBJECT.", "tools.parameters-not-object"),
        ("messages", "anthropic", "claude-sonnet-4-5", "tools.7.custom.name: String should match pattern "
         "'^[a-zA-Z0-9_-]{1,64}$'", "anthropic.invalid-tool-name"),
        ("chat", "dashscope", "qwen-plus", "<400> InternalError.Algo.InvalidParameter: The content field is a "
         "required field.", "messages.missing-content"),
        ("responses", "openai", "gpt-5", "Duplicate item found with id rs_0ad20f1f86. Remove duplicate items from "
         "your input and try again.", "responses.duplicate-item-id"),
        ("chat", "ollama", "llava", '{"error":"illegal base64 data at input byte 4"}', "content.invalid-base64"),
        ("chat", "gemini", "gemini-2.5-flash", "Please ensure that function call turn comes immediately after a user "
         "turn or after a function response turn.", "gemini.function-call-turn-order"),
    ],
)  # fmt: skip
def test_round_eight_sentences_build_what_they_state(
    api: str, provider: str, model: str, text: str, rule: str
) -> None:
    from toolguard_core.analyze import analyse_request

    entry = {"id": "t", "api": api, "provider": provider, "model": model, "body": text}
    request, how = EVAL.build_request(entry)
    assert how == "built" and request is not None
    url = EVAL.url_for(entry)
    analysis = analyse_request(json.dumps(request), url, target=EVAL.target_for(entry, url))
    assert rule in {f.rule for f in analysis.findings if f.severity.value == "error"}


def test_a_tool_name_label_matches_the_messages_apis_rule() -> None:
    assert EVAL.SAME_CAUSE["tools.invalid-name"] == "anthropic.invalid-tool-name"
    assert EVAL.SAME_CAUSE["anthropic.invalid-tool-name"] == "tools.invalid-name"


def test_both_samplers_match_the_rule_the_host_reports() -> None:
    """docs/accuracy.md, forty-ninth pass: temperature with top_p to Claude 4.5+ is anthropic.temperature-with-top-p on Anthropic's own
    host and model.temperature-with-top-p (the catalog's) off it; a label naming either matches both."""
    from toolguard_core.findings import Finding, Severity

    for label, rule in (
        ("model.temperature-with-top-p", "anthropic.temperature-with-top-p"),
        ("anthropic.temperature-with-top-p", "model.temperature-with-top-p"),
    ):
        finding = Finding(rule=rule, severity=Severity.ERROR, location="top_p", message="m")
        assert EVAL.matches(label, finding, EVAL.named_by(""))


def test_a_refusal_the_request_does_not_show_is_caught_on_its_repeat() -> None:
    """vLLM started without --enable-auto-tool-choice (dev b-0004): no rule can see the server's flags,
    so the first request is a miss; the refusal teaches the host, and the same request is caught."""
    entry = next(e for e in EVAL.failures("dev") if e["id"] == "b-0004")
    outcome = EVAL.evaluate_failure(entry)
    assert outcome.evaluable and not outcome.hit and outcome.repeat_hit


# (error text Google answered, model, label, the built request's capability field): Gemini's refusals of a
# capability the model lacks name what the request held (the texts cited on model.system-role-unsupported
# and model.tools-unsupported), and the catalog's Gemini-host facts judge the built request.
GEMINI_CAPABILITY_TEXTS = [
    (
        '{"error": {"code": 400, "message": "Developer instruction is not enabled for models/gemma-3-27b-it", '
        '"status": "INVALID_ARGUMENT"}}',
        "gemma-3-27b-it",
        "cause.model-no-system-role",
        "systemInstruction",
    ),
    (
        "google.api_core.exceptions.InvalidArgument: 400 Function calling is not enabled for models/gemma-3-27b-it",
        "gemma-3-27b-it",
        "cause.model-no-tools",
        "tools",
    ),
]


@pytest.mark.parametrize(("text", "model", "label", "field"), GEMINI_CAPABILITY_TEXTS)
def test_gemini_capability_refusals_build_the_request_they_name(
    text: str, model: str, label: str, field: str
) -> None:
    entry = {
        "api": "gemini",
        "provider": "gemini",
        "model": model,
        "url": None,
        "request": None,
        "body": text,
    }
    body, how = EVAL.build_gemini_request(entry)
    assert how == "built" and body is not None and field in body
    outcome = EVAL.evaluate_failure(
        {**entry, "id": "t", "split": "probe", "class": "model", "root_cause": label}
    )
    assert (outcome.evaluable, outcome.hit) == (True, True)
    # The same refusal for a model the catalog says takes the capability is evaluable and not a hit.
    other = EVAL.evaluate_failure(
        {
            **entry,
            "model": "gemini-2.5-flash",
            "id": "t",
            "split": "probe",
            "class": "model",
            "root_cause": label,
        }
    )
    assert (other.evaluable, other.hit) == (True, False)


def test_a_converse_image_refusal_builds_an_image_turn() -> None:
    """Bedrock's "doesn't support the image content block" names an image block; the table's vision column
    judges the built request (converse.model-no-vision), and a model whose row says Yes is no hit."""
    text = (
        "An error occurred (ValidationException) when calling the Converse operation: This model doesn't support "
        "the image content block that you provided. Update the content block and try again."
    )
    entry = {"api": "other", "provider": "bedrock", "url": None, "request": None, "body": text}
    row = {**entry, "id": "t", "split": "probe", "class": "model", "root_cause": "cause.model-no-vision"}
    haiku = EVAL.evaluate_failure({**row, "model": "anthropic.claude-3-5-haiku-20241022-v1:0"})
    assert (haiku.evaluable, haiku.hit) == (True, True)
    lite = EVAL.evaluate_failure({**row, "model": "amazon.nova-lite-v1:0"})
    assert (lite.evaluable, lite.hit) == (True, False)


def test_accepted_requests_to_native_apis_are_judged_too() -> None:
    """A Converse body Bedrock answered 200 (pydantic-ai's cassette, av-009: Claude Sonnet 4.5 taking an
    assistant-first history) is on a path the addon validates, so the zero-errors gate covers it; it once
    got converse.first-message-not-user as an error while the gate skipped every ``api: other`` entry."""
    entry = next(e for e in EVAL.load_valid() if e["id"] == "av-009")
    assert EVAL.checked_api(entry)
    assert EVAL.evaluate_valid(entry) == []
    cohere = next(e for e in EVAL.load_valid() if e["id"] == "av-017")
    assert not EVAL.checked_api(cohere)


@pytest.mark.parametrize(
    ("api", "provider", "model", "text", "expected"),
    [
        # OpenAI's effort refusal names the value and the model, not the field (its JSON often has no
        # ``param``); a value and a list drawn only from the effort vocabulary name the API's effort field.
        ("chat", "openai", "gpt-5.1", "Unsupported value: 'minimal' is not supported with the 'gpt-5.1' model. "
         "Supported values are: 'none', 'low', 'medium', and 'high'.", {"reasoning_effort": "minimal"}),
        ("responses", "openai", "gpt-5.1", "Unsupported value: 'xhigh' is not supported with the 'gpt-5.1' model. "
         "Supported values are: 'none', 'low', 'medium', and 'high'.", {"reasoning": {"effort": "xhigh"}}),
    ],
)  # fmt: skip
def test_an_effort_value_refusal_names_the_effort_field(
    api: str, provider: str, model: str, text: str, expected: dict[str, Any]
) -> None:
    from toolguard_core.analyze import analyse_request

    entry = {"id": "t", "api": api, "provider": provider, "model": model, "class": "model", "body": text}
    request, how = EVAL.build_request(entry)
    assert how == "built" and request is not None
    assert {k: request[k] for k in expected} == expected
    url = EVAL.url_for(entry)
    analysis = analyse_request(json.dumps(request), url, target=EVAL.target_for(entry, url))
    errors = [f for f in analysis.findings if f.severity.value == "error"]
    assert any(
        EVAL.matches("cause.reasoning-effort-unsupported", f, EVAL.named_by(text), api) for f in errors
    )


def test_a_value_refusal_outside_the_effort_vocabulary_names_no_effort_field() -> None:
    text = (
        "Unsupported value: 'auto' is not supported with the 'gpt-5.1' model. Supported values are: 'json'."
    )
    assert "reasoning_effort" not in EVAL.named_by(text).fields


@pytest.mark.parametrize(
    ("label", "text", "location", "credited"),
    [
        # OpenRouter's answer to an id without its vendor (probe-provider-rules-10), at the model id.
        ("cause.model-not-found", "claude-sonnet-4-6 is not a valid model ID", "model", True),
        ("cause.model-not-found", "claude-sonnet-4-6 is not a valid model ID", "messages[0]", False),
        # Vertex's OpenAI-compatible endpoint without the publisher (probe-provider-rules-10).
        (
            "cause.model-not-found",
            "Malformed publisher model name: expected format '<publisher>/<model>'",
            "model",
            True,
        ),
        # Z.ai's GLM-5.3 refusing thinking disabled (probe-provider-rules-9), at the thinking switch.
        (
            "cause.thinking-budget-invalid",
            "This model always engages in thinking and cannot be disabled; please use low, high, or max",
            "thinking.type",
            True,
        ),
        ("cause.thinking-budget-invalid", "This model always engages in thinking", "temperature", False),
        # The field a text names still wins over the cause's own field.
        (
            "cause.model-no-json-mode",
            "Invalid parameter: 'response_format' of type 'json_object' is not supported with this model.",
            "response_format.type",
            True,
        ),
        ("cause.model-no-json-mode", "This model does not support JSON mode.", "response_format", True),
        ("cause.model-no-json-mode", "This model does not support JSON mode.", "messages", False),
        # Anthropic's effort field on the Messages API (anthropics/claude-code#30795's text names none).
        (
            "cause.reasoning-effort-unsupported",
            "This model does not support the effort parameter.",
            "output_config.effort",
            True,
        ),
        (
            "cause.reasoning-effort-unsupported",
            "This model does not support the effort parameter.",
            "output_config",
            True,
        ),
        (
            "cause.reasoning-effort-unsupported",
            "This model does not support the effort parameter.",
            "messages",
            False,
        ),
    ],
)
def test_causes_that_name_a_request_field_are_scored_at_it(
    label: str, text: str, location: str, credited: bool
) -> None:
    """Session 13: ``cause.model-not-found`` concerns ``model``, ``cause.thinking-budget-invalid`` the
    ``thinking`` object, ``cause.model-no-json-mode`` ``response_format``, and the effort cause the Messages
    API's ``output_config.effort`` too (label vocabulary: what the cause is about, never what the request
    held); an error finding elsewhere is not credited."""
    from toolguard_core.findings import Finding, Severity

    named = EVAL.named_by(text)
    finding = Finding(rule="x.y", severity=Severity.ERROR, location=location, message="m")
    assert EVAL.matches(label, finding, named) is credited
    warning = Finding(rule="x.y", severity=Severity.WARNING, location=location, message="m")
    assert not EVAL.matches(label, warning, named)


@pytest.mark.parametrize(
    ("request_", "body", "location", "hit"),
    [
        # InvokeModel with Anthropic's body: the field the relayed text names is the body's own.
        (
            {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 100, "temperature": 0, "messages": []},
            "Bedrock API invoke model error: ValidationException: `temperature` is deprecated for this model.",
            "temperature",
            True,
        ),
        # Converse: the same text names the field where Converse takes it.
        (
            {"messages": [], "inferenceConfig": {"temperature": 0.7}},
            "ValidationException: `temperature` is deprecated for this model.",
            "inferenceConfig.temperature",
            True,
        ),
        # A finding elsewhere is not credited by the named field.
        (
            {"messages": [], "inferenceConfig": {"temperature": 0.7}},
            "ValidationException: `temperature` is deprecated for this model.",
            "inferenceConfig.maxTokens",
            False,
        ),
    ],
)
def test_a_native_error_naming_a_parameter_credits_a_finding_at_it(
    request_: dict[str, Any], body: str, location: str, hit: bool
) -> None:
    """Session 18: a Bedrock text that names a parameter in the chat path's words locates the error on the native
    APIs too (before, it fell back to the cause's field or `messages`)."""
    from toolguard_core.findings import Finding, Severity

    entry = {
        "provider": "bedrock",
        "api": "other",
        "body": body,
        "request": request_,
        "root_cause": "cause.sampling-on-reasoning-model",
    }
    kind = EVAL.native_kind(entry)
    finding = Finding(rule="x", severity=Severity.ERROR, location=location, message="")
    assert EVAL.native_matches(entry, kind, finding) is hit


def test_the_conversation_named_whole_locates_a_finding_on_it() -> None:
    """OpenAI's bound on the list itself ("Invalid 'messages': array too long") names the conversation:
    never a parameter to fill in, but a finding at `messages` is where the error is."""
    from toolguard_core.findings import Finding, Severity

    text = (
        "Invalid 'messages': array too long. Expected an array with maximum length 2048, but got an array "
        "with length 2050 instead."
    )
    named = EVAL.named_by(text)
    assert (named.params, named.containers, bool(named)) == ({}, ["messages"], False)
    at = Finding(rule="spec.out-of-range", severity=Severity.ERROR, location="messages", message="m")
    elsewhere = Finding(rule="x.y", severity=Severity.ERROR, location="tools[0]", message="m")
    label = "cause.param-value-unsupported"
    assert (EVAL.matches(label, at, named), EVAL.matches(label, elsewhere, named)) == (True, False)
