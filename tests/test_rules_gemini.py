"""Gemini's native API (``:generateContent``/``:streamGenerateContent``): the endpoint kind, the addon's
scope, and the rules of rules/gemini.py on real bodies (Google's docs examples, gemini-cli's Code Assist
request, and the request shapes real 400s quote), whole findings compared."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from support.corpus import CORPUS_DIR, FAILURE_FIELDS, load_failures, read_jsonl, thread_key

from toolguard_core.analyze import analyse_request
from toolguard_core.request import gemini_path_model
from toolguard_core.verdict import DEFAULT_PATHS, DEFAULT_RECORD_PATHS, Scope, scope

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import eval_rules

GEMINI = "https://generativelanguage.googleapis.com/v1beta/models/{}:generateContent"
CODE_ASSIST = "https://cloudcode-pa.googleapis.com/v1internal:streamGenerateContent?alt=sse"
USER = {"role": "user", "parts": [{"text": "What is the weather in Paris?"}]}
CALL = {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}
RESPONSE = {"functionResponse": {"name": "get_weather", "response": {"temperature": "18C"}}}
PROBE = CORPUS_DIR / "probe-gemini-native.jsonl"
VALID = CORPUS_DIR / "valid-gemini-native.jsonl"


def found(body: dict[str, Any], url: str) -> list[tuple[str, str, str]]:
    analysis = analyse_request(json.dumps(body), url)
    assert not analysis.internal_errors, analysis.internal_errors
    return [(f.rule, f.severity, f.location) for f in analysis.findings]


@pytest.mark.parametrize(
    ("path", "model"),
    [
        ("/v1beta/models/gemini-2.5-flash:generateContent", "gemini-2.5-flash"),
        ("/v1/models/gemini-2.0-flash-001:streamGenerateContent", "gemini-2.0-flash-001"),
        (
            "/v1/projects/p/locations/global/publishers/google/models/gemini-2.5-pro:generateContent",
            "gemini-2.5-pro",
        ),
        ("/v1beta/tunedModels/my-model:generateContent", "my-model"),
        ("/v1internal:generateContent", None),
    ],
)
def test_the_model_comes_from_the_path(path: str, model: str | None) -> None:
    assert gemini_path_model(path) == model


def test_the_addon_validates_native_paths_and_nothing_else_changes() -> None:
    paths = [re.compile(p) for p in DEFAULT_PATHS]
    record = [re.compile(p) for p in DEFAULT_RECORD_PATHS]

    def decide(path: str) -> Scope:
        return scope(allowed=True, path=path, paths=paths, record_paths=record, native_chat_path=False)

    assert decide("/v1beta/models/gemini-2.5-flash:streamGenerateContent") == Scope.VALIDATE
    assert decide("/v1internal:generateContent") == Scope.VALIDATE
    assert decide("/v1beta/models/gemini-2.5-flash:countTokens") == Scope.IGNORE
    assert decide("/v1beta/models/gemini-2.5-flash:embedContent") == Scope.IGNORE
    assert decide("/v1/chat/completions") == Scope.VALIDATE


def test_stored_facts_read_the_model_and_stream_from_the_path() -> None:
    url = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    analysis = analyse_request(json.dumps({"contents": [USER]}), url)
    assert (analysis.target.endpoint, analysis.model, analysis.stream, analysis.findings) == (
        "gemini",
        "gemini-2.5-flash",
        True,
        [],
    )


FLAGGED = [
    (  # an OpenAI chat body on the native path (the real answer: Unknown name "messages")
        {"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "hi"}]},
        GEMINI.format("gemini-2.5-flash"),
        [("gemini.unknown-field", "error", "messages"), ("gemini.contents-empty", "error", "contents")],
    ),
    (  # temperature at the top level (nashsu/llm_wiki#49 shape)
        {"contents": [USER], "temperature": 0.3},
        GEMINI.format("gemini-2.5-flash"),
        [("gemini.unknown-field", "error", "temperature")],
    ),
    (  # OpenAI's strict flag copied onto a declaration, through Code Assist: an unrecognised host, so an
        # unknown field is a warning there (a gateway may drop it; the policy's generic level)
        {
            "model": "gemini-2.5-pro",
            "project": "p",
            "request": {
                "contents": [USER],
                "tools": [{"functionDeclarations": [{"name": "f", "strict": True}]}],
            },
        },
        CODE_ASSIST,
        [("gemini.unknown-field", "warning", "request.tools[0].functionDeclarations[0].strict")],
    ),
    (  # MCP schemas: $schema and additionalProperties in parameters, an ARRAY without items
        {
            "contents": [USER],
            "tools": [
                {
                    "function_declarations": [
                        {
                            "name": "f",
                            "parameters": {
                                "$schema": "http://json-schema.org/draft-07/schema#",
                                "type": "object",
                                "properties": {"tags": {"type": "array"}},
                                "additionalProperties": False,
                            },
                        }
                    ]
                }
            ],
        },
        GEMINI.format("gemini-2.5-flash"),
        [
            (
                "gemini.schema-keyword-unsupported",
                "error",
                "tools[0].function_declarations[0].parameters.$schema",
            ),
            (
                "gemini.schema-keyword-unsupported",
                "error",
                "tools[0].function_declarations[0].parameters.additionalProperties",
            ),
            (
                "gemini.schema-array-without-items",
                "error",
                "tools[0].function_declarations[0].parameters.properties.tags.items",
            ),
        ],
    ),
    (  # a description-only property (an MCP tool's typeless parameter) and a typeless items schema;
        # anyOf stands in for a type (danny-avila/LibreChat#6971: "type: must be specified when not using
        # one_of, any_of or all_of fields")
        {
            "contents": [USER],
            "tools": [
                {
                    "functionDeclarations": [
                        {
                            "name": "edit",
                            "parameters": {
                                "type": "object",
                                "properties": {
                                    "command": {"description": "the command"},
                                    "paths": {"type": "array", "items": {"description": "a path"}},
                                    "mode": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                                },
                            },
                        }
                    ]
                }
            ],
        },
        GEMINI.format("gemini-2.5-flash"),
        [
            (
                "gemini.schema-type-missing",
                "error",
                "tools[0].functionDeclarations[0].parameters.properties.command.type",
            ),
            (
                "gemini.schema-type-missing",
                "error",
                "tools[0].functionDeclarations[0].parameters.properties.paths.items.type",
            ),
        ],
    ),
    (  # function names Gemini's proto validator refuses (one declaration each with the chat rules)
        {
            "contents": [USER],
            "tools": [
                {
                    "functionDeclarations": [
                        {"name": "mcp:files/read"},
                        {"name": "a" * 65},
                        {"name": "ok.name-1"},
                        # colons are taken since 2025 (kaitranntt/ccs#25's text names them)
                        {"name": "github:create_issue"},
                    ]
                }
            ],
        },
        GEMINI.format("gemini-2.5-flash"),
        [
            ("tools.invalid-name", "error", "tools[0].functionDeclarations[0].name"),
            ("tools.name-too-long", "error", "tools[0].functionDeclarations[1].name"),
        ],
    ),
    (  # a cache reused with the request's own system instruction and tools (vercel/ai#3333's shape)
        {
            "cachedContent": "cachedContents/lqbd0w1ye8ag",
            "system_instruction": {"parts": [{"text": "Answer from the documents."}]},
            "contents": [USER],
            "tools": [{"functionDeclarations": [{"name": "f"}]}],
        },
        GEMINI.format("gemini-2.5-flash"),
        [
            ("gemini.cached-content-with-config", "error", "system_instruction"),
            ("gemini.cached-content-with-config", "error", "tools"),
        ],
    ),
    (  # a system turn in contents, and an empty model turn
        {
            "contents": [
                {"role": "system", "parts": [{"text": "Be brief."}]},
                USER,
                {"role": "model", "parts": []},
            ]
        },
        GEMINI.format("gemini-2.5-flash"),
        [
            ("gemini.role-invalid", "error", "contents[0].role"),
            ("gemini.parts-empty", "error", "contents[2].parts"),
        ],
    ),
    (  # two calls answered by one response
        {"contents": [USER, {"role": "model", "parts": [CALL, CALL]}, {"role": "user", "parts": [RESPONSE]}]},
        GEMINI.format("gemini-2.5-flash"),
        [("gemini.function-response-count", "error", "contents[2]")],
    ),
    (  # a history that starts with a function call (google-gemini/gemini-cli#11814's shape)
        {"contents": [{"role": "model", "parts": [CALL]}, {"role": "user", "parts": [RESPONSE]}]},
        GEMINI.format("gemini-2.5-flash"),
        [("gemini.function-call-turn-order", "error", "contents[0]")],
    ),
    (  # a Gemini 3 call replayed without its signature: the one declaration of the chat rule
        {"contents": [USER, {"role": "model", "parts": [CALL]}, {"role": "user", "parts": [RESPONSE]}]},
        GEMINI.format("gemini-3-pro-preview"),
        [("quirks.gemini-thought-signature-missing", "error", "contents[1].parts[0]")],
    ),
    (  # maxOutputTokens above the catalog's limit, JSON mime with tools before Gemini 3
        {
            "contents": [USER],
            "tools": [{"functionDeclarations": [{"name": "f"}]}],
            "generationConfig": {"maxOutputTokens": 655360, "responseMimeType": "application/json"},
        },
        GEMINI.format("gemini-2.5-flash"),
        [
            ("gemini.max-output-tokens-too-large", "error", "generationConfig.maxOutputTokens"),
            ("gemini.function-calling-with-json-mime", "error", "generationConfig.responseMimeType"),
        ],
    ),
    (  # topK above 40 on Gemini 2.0 (genkit-ai/genkit#1397's 50 on 1.5), snake_case spelling too
        {"contents": [USER], "generation_config": {"top_k": 50}},
        GEMINI.format("gemini-2.0-flash"),
        [("gemini.top-k-out-of-range", "error", "generation_config.top_k")],
    ),
    (  # several candidates from a Gemini 3 model on the Gemini API (googleapis/js-genai#1609)
        {"contents": [USER], "generationConfig": {"candidateCount": 2, "topK": 64}},
        GEMINI.format("gemini-3.1-flash-lite"),
        [("gemini.multiple-candidates-unsupported", "error", "generationConfig.candidateCount")],
    ),
    (  # thinking off on a Pro model, which always thinks (GewoonJaap/gemini-cli-openai#22; Google's thinking guide)
        {"contents": [USER], "generationConfig": {"thinkingConfig": {"thinkingBudget": 0}}},
        GEMINI.format("gemini-3.1-pro-preview"),
        [("gemini.thinking-cannot-be-disabled", "error", "generationConfig.thinkingConfig.thinkingBudget")],
    ),
    (  # the same on 2.5 Pro in snake_case, with a dated preview suffix
        {"contents": [USER], "generation_config": {"thinking_config": {"thinking_budget": 0}}},
        GEMINI.format("gemini-2.5-pro-preview-06-05"),
        [
            (
                "gemini.thinking-cannot-be-disabled",
                "error",
                "generation_config.thinking_config.thinking_budget",
            )
        ],
    ),
    # --- values against the generated request model (data/gemini_request_schema.json) ---
    (  # a tool schema's enum of numbers: TYPE_STRING (google-gemini/gemini-cli#4120)
        {
            "contents": [USER],
            "tools": [
                {
                    "functionDeclarations": [
                        {
                            "name": "set_level",
                            "parameters": {
                                "type": "object",
                                "properties": {"level": {"type": "integer", "enum": [1, 2]}},
                            },
                        }
                    ]
                }
            ],
        },
        GEMINI.format("gemini-2.5-flash"),
        [
            (
                "gemini.wrong-type",
                "error",
                "tools[0].functionDeclarations[0].parameters.properties.level.enum[0]",
            ),
            (
                "gemini.wrong-type",
                "error",
                "tools[0].functionDeclarations[0].parameters.properties.level.enum[1]",
            ),
        ],
    ),
    (  # a JSON-Schema type list: "Proto field is not repeating, cannot start list"
        {
            "contents": [USER],
            "generationConfig": {
                "responseMimeType": "application/json",
                "responseSchema": {"type": "object", "properties": {"note": {"type": ["string", "null"]}}},
            },
        },
        GEMINI.format("gemini-2.5-flash"),
        [("gemini.wrong-type", "error", "generationConfig.responseSchema.properties.note.type")],
    ),
    (  # a property schema given as the bare string "object" (a Schema message expected)
        {
            "contents": [USER],
            "tools": [
                {
                    "functionDeclarations": [
                        {
                            "name": "configure",
                            "parameters": {"type": "OBJECT", "properties": {"options": "object"}},
                        }
                    ]
                }
            ],
        },
        GEMINI.format("gemini-2.5-flash"),
        [("gemini.wrong-type", "error", "tools[0].functionDeclarations[0].parameters.properties.options")],
    ),
    (  # an empty Schema type (agno-agi/agno#3298): an error on the Gemini API and on Vertex AI alike
        {
            "contents": [USER],
            "tools": [
                {
                    "functionDeclarations": [
                        {
                            "name": "search",
                            "parameters": {"type": "OBJECT", "properties": {"q": {"type": ""}}},
                        }
                    ]
                }
            ],
        },
        "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent",
        [("gemini.invalid-enum", "error", "tools[0].functionDeclarations[0].parameters.properties.q.type")],
    ),
    (  # OpenAI's "required" as a Gemini mode: an error on the Gemini API
        {
            "contents": [USER],
            "tools": [{"functionDeclarations": [{"name": "f"}]}],
            "toolConfig": {"functionCallingConfig": {"mode": "REQUIRED"}},
        },
        GEMINI.format("gemini-2.5-flash"),
        [("gemini.invalid-enum", "error", "toolConfig.functionCallingConfig.mode")],
    ),
    (  # ... and a warning on Vertex AI, whose enums are larger in places
        {
            "contents": [USER],
            "safetySettings": [{"category": "HARM_CATEGORY_IMAGE_HATE", "threshold": "OFF"}],
        },
        "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent",
        [("gemini.invalid-enum", "warning", "safetySettings[0].category")],
    ),
    (  # an unrounded thinking budget: TYPE_INT32
        {"contents": [USER], "generationConfig": {"thinkingConfig": {"thinkingBudget": 6553.6}}},
        GEMINI.format("gemini-2.5-flash"),
        [("gemini.invalid-value", "error", "generationConfig.thinkingConfig.thinkingBudget")],
    ),
    (  # a data: URL in inline bytes: Base64 decoding failed (thangman22/google-cloud-vision-php#10's text)
        {
            "contents": [
                {
                    "role": "user",
                    "parts": [
                        {
                            "inline_data": {
                                "mime_type": "image/png",
                                "data": "data:image/png;base64,iVBORw0KGgo=",
                            }
                        }
                    ],
                }
            ]
        },
        GEMINI.format("gemini-2.5-flash"),
        [("gemini.invalid-value", "error", "contents[0].parts[0].inline_data.data")],
    ),
    (  # text and a function call in one part: two members of Part.data
        {
            "contents": [
                USER,
                {"role": "model", "parts": [{"text": "Checking.", **CALL}]},
                {"role": "user", "parts": [RESPONSE]},
            ],
        },
        GEMINI.format("gemini-2.5-flash"),
        [("gemini.oneof-conflict", "error", "contents[1].parts[0].functionCall")],
    ),
]


#: What the proto JSON mapping takes and the walk must not flag: enum names in any case and as numbers,
#: numeric strings for integers, URL-safe unpadded base64, a single object for a repeated field, free-form
#: Struct values of any shape, and a docs placeholder signature.
ACCEPTED_VALUES: list[dict[str, Any]] = [
    {
        "contents": [USER],
        "generationConfig": {
            "responseMimeType": "application/json",
            "responseSchema": {"type": "object", "properties": {"a": {"type": "string", "enum": ["x"]}}},
        },
    },
    {
        "contents": [USER],
        "toolConfig": {"functionCallingConfig": {"mode": 2}},
        "tools": [{"functionDeclarations": [{"name": "f"}]}],
    },
    {
        "contents": [USER],
        "generationConfig": {"maxOutputTokens": "1024", "thinkingConfig": {"thinkingBudget": 1024.0}},
    },
    {"contents": {"role": "user", "parts": {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo"}}}},
    {
        "contents": [
            USER,
            {"role": "model", "parts": [{**CALL, "thoughtSignature": "skip_thought_signature_validator"}]},
            {
                "role": "user",
                "parts": [
                    {"functionResponse": {"name": "get_weather", "response": {"rows": [1, "two", None]}}}
                ],
            },
        ]
    },
]


@pytest.mark.parametrize("body", ACCEPTED_VALUES)
def test_values_the_proto_json_mapping_takes_are_not_flagged(body: dict[str, Any]) -> None:
    assert found(body, GEMINI.format("gemini-3-flash-preview")) == []


@pytest.mark.parametrize(
    ("model", "config", "url"),
    [
        (
            "gemini-2.0-flash",
            {"topK": 40, "candidateCount": 2},
            GEMINI,
        ),  # 40 is in range; 2.0 answers several
        # 0 reads as unset (gemini-1.5-flash before session 18: the catalog no longer lists that retired model, so
        # its request now carries the model.rules-skipped note).
        ("gemini-2.0-flash", {"topK": 0}, GEMINI),
        ("gemini-2.5-flash", {"topK": 64, "candidateCount": 4}, GEMINI),  # no quoted rejection for 2.5
        # Flash models take a budget of 0 (thinking off); Pro models take any budget above it.
        ("gemini-2.5-flash", {"thinkingConfig": {"thinkingBudget": 0}}, GEMINI),
        ("gemini-2.5-flash-lite", {"thinkingConfig": {"thinkingBudget": 0}}, GEMINI),
        ("gemini-2.5-pro", {"thinkingConfig": {"thinkingBudget": 128}}, GEMINI),
        ("gemini-3-pro-preview", {"thinkingConfig": {"thinkingLevel": "low"}}, GEMINI),
        # The declared bounds' edges (rules/gemini.py GEMINI_BOUNDS): each end of each range is taken.
        (
            "gemini-2.5-flash",
            {
                "temperature": 2.0,
                "topP": 1,
                "stopSequences": ["a", "b", "c", "d", "e"],
                "presencePenalty": -2,
                "frequencyPenalty": 1.99,
                "maxOutputTokens": 1,
                "responseMimeType": "text/x.enum",
            },
            GEMINI,
        ),
        ("gemini-2.5-flash", {"temperature": 0, "maxOutputTokens": 0}, GEMINI),  # proto3 zero: unset
        ("gemini-2.5-pro", {"thinkingConfig": {"thinkingBudget": 32768}}, GEMINI),
        ("gemini-2.5-pro", {"thinkingConfig": {"thinkingBudget": -1}}, GEMINI),  # dynamic
        ("gemini-2.5-flash", {"thinkingConfig": {"thinkingBudget": 24576}}, GEMINI),
        ("gemini-2.5-flash-lite", {"thinkingConfig": {"thinkingBudget": 512}}, GEMINI),
        # A budget another model's range would refuse: Gemini 3 Pro is not held to 2.5 Pro's range.
        ("gemini-3-pro-preview", {"thinkingConfig": {"thinkingBudget": 40000}}, GEMINI),
        ("gemini-2.5-flash", {"response_mime_type": "application/json"}, GEMINI),  # proto name
        # Vertex AI answered four candidates from gemini-3.1-pro-preview (googleapis/python-genai#1723).
        (
            "gemini-3.1-pro-preview",
            {"candidateCount": 4},
            "https://aiplatform.googleapis.com/v1/projects/p/locations/global/publishers/google/models/{}:generateContent",
        ),
    ],
)
def test_generation_config_values_google_accepts_are_not_flagged(
    model: str, config: dict[str, Any], url: str
) -> None:
    assert found({"contents": [USER], "generationConfig": config}, url.format(model)) == []


VERTEX = "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google/models/{}:generateContent"
OUT = "gemini.value-out-of-range"


@pytest.mark.parametrize(
    ("model", "config", "url", "expected"),
    [
        # Google's own answers to these: "Values can range from [0.0, 2.0]" (the GenerationConfig reference)
        ("gemini-2.5-flash", {"temperature": 2.5}, GEMINI, [(OUT, "error", "generationConfig.temperature")]),
        ("gemini-2.5-flash", {"topP": 1.5}, GEMINI, [(OUT, "error", "generationConfig.topP")]),
        ("gemini-2.5-flash", {"top_p": -0.1}, GEMINI, [(OUT, "error", "generationConfig.top_p")]),
        (
            "gemini-2.5-flash",
            {"stopSequences": ["\n"] * 6},
            GEMINI,
            [(OUT, "error", "generationConfig.stopSequences")],
        ),
        # Vertex AI's stop-sequence limit has been per model: a warning there.
        (
            "gemini-2.5-flash",
            {"stopSequences": ["\n"] * 10},
            VERTEX,
            [(OUT, "warning", "generationConfig.stopSequences")],
        ),
        (
            "gemini-2.5-flash",
            {"maxOutputTokens": -1},
            GEMINI,
            [(OUT, "error", "generationConfig.maxOutputTokens")],
        ),
        (
            "gemini-2.0-flash",
            {"presencePenalty": 2.0},
            GEMINI,
            [(OUT, "error", "generationConfig.presencePenalty")],
        ),
        (
            "gemini-2.0-flash",
            {"frequencyPenalty": -3},
            VERTEX,
            [(OUT, "error", "generationConfig.frequencyPenalty")],
        ),
        # su-kaka/gcli2api#108: "supported values are integers from 1 to 24576" for 2.5 Flash.
        (
            "gemini-2.5-flash",
            {"thinkingConfig": {"thinkingBudget": 32768}},
            GEMINI,
            [(OUT, "error", "generationConfig.thinkingConfig.thinkingBudget")],
        ),
        (
            "gemini-2.5-pro",
            {"thinkingConfig": {"thinkingBudget": 64}},
            GEMINI,
            [(OUT, "error", "generationConfig.thinkingConfig.thinkingBudget")],
        ),
        (
            "gemini-2.5-pro",
            {"thinking_config": {"thinking_budget": 52428}},
            GEMINI,
            [(OUT, "error", "generationConfig.thinking_config.thinking_budget")],
        ),
        (
            "gemini-2.5-flash-lite",
            {"thinkingConfig": {"thinkingBudget": 256}},
            GEMINI,
            [(OUT, "error", "generationConfig.thinkingConfig.thinkingBudget")],
        ),
        (
            "gemini-2.5-flash",
            {"responseMimeType": "application/xml"},
            GEMINI,
            [(OUT, "error", "generationConfig.responseMimeType")],
        ),
    ],
)
def test_values_outside_the_declared_ranges_are_named(
    model: str, config: dict[str, Any], url: str, expected: list[tuple[str, str, str]]
) -> None:
    assert found({"contents": [USER], "generationConfig": config}, url.format(model)) == expected


def test_code_assist_bounds_are_read_inside_its_wrapper() -> None:
    body = {
        "model": "gemini-2.5-pro",
        "project": "p",
        "request": {"contents": [USER], "generationConfig": {"temperature": 3}},
    }
    assert found(body, CODE_ASSIST) == [(OUT, "error", "request.generationConfig.temperature")]


@pytest.mark.parametrize(("body", "url", "expected"), FLAGGED)
def test_rejected_shapes_are_named(
    body: dict[str, Any], url: str, expected: list[tuple[str, str, str]]
) -> None:
    assert found(body, url) == expected


def test_the_same_body_on_another_api_path_is_not_judged_by_these_rules() -> None:
    body = {"contents": [{"role": "system", "parts": []}], "temperature": 5}
    assert not [
        r for r, _, _ in found(body, "https://api.openai.com/v1/chat/completions") if r.startswith("gemini.")
    ]


@pytest.mark.parametrize("row", read_jsonl(VALID), ids=lambda row: row["id"])
def test_real_valid_requests_get_no_finding(row: dict[str, Any]) -> None:
    """Google's docs examples (camelCase and snake_case, single objects for repeated fields, full JSON
    Schema under responseJsonSchema) and gemini-cli's Code Assist request: nothing at all is flagged."""
    assert eval_rules.evaluate_valid(row) == []
    assert found(row["request"], row["url"]) == []


def test_probe_rows_are_fresh_and_in_the_corpus_shape() -> None:
    rows = read_jsonl(PROBE)
    assert len(rows) >= 25
    corpus = {thread_key(row["thread"]) for row in load_failures()}
    keys = [thread_key(row["thread"]) for row in rows]
    assert len(set(keys)) == len(keys) and not set(keys) & corpus
    for row in rows:
        assert tuple(row) == FAILURE_FIELDS and row["split"] == "probe" and row["api"] == "gemini"
        assert row["source"] == row["thread"] and row["thread"].startswith("https://")


def test_the_builder_places_an_unknown_name_at_the_path_the_error_names() -> None:
    entry = {
        "api": "gemini",
        "provider": "gemini",
        "model": "gemini-2.5-flash",
        "url": None,
        "request": None,
        "body": 'Invalid JSON payload received. Unknown name "additionalProperties" at '
        "'tools[0].function_declarations[4].parameters.properties[13].value.any_of[0].items': Cannot find field.",
    }
    body, how = eval_rules.build_gemini_request(entry)
    assert how == "built"
    assert body == {
        "contents": [USER],
        "tools": [
            {
                "functionDeclarations": [
                    {
                        "name": "get_weather",
                        "parameters": {
                            "type": "object",
                            "properties": {
                                "a": {
                                    "anyOf": [
                                        {
                                            "type": "array",
                                            "items": {"type": "string", "additionalProperties": False},
                                        }
                                    ]
                                }
                            },
                        },
                    }
                ]
            }
        ],
    }
    outcome = eval_rules.evaluate_failure(
        {**entry, "id": "t", "split": "probe", "class": "provider", "root_cause": "cause.tool-schema-invalid"}
    )
    assert (outcome.evaluable, outcome.hit) == (True, True)


def test_the_builder_gives_a_named_system_instruction_the_kind_clients_send() -> None:
    """A refused ``systemInstruction`` (an endpoint version without the field) is built as a Content object:
    a bare placeholder would be a second fault (gemini.wrong-type) the refusal did not name."""
    entry = {
        "api": "gemini",
        "provider": "gemini",
        "model": "gemini-2.0-flash",
        "url": None,
        "request": None,
        "body": 'Invalid JSON payload received. Unknown name "systemInstruction": Cannot find field.',
    }
    body, how = eval_rules.build_gemini_request(entry)
    assert how == "built"
    assert body == {"contents": [USER], "systemInstruction": {"parts": [{"text": "Be brief."}]}}
    assert found(body, GEMINI.format("gemini-2.0-flash")) == []


def test_toolguard_check_names_the_native_api(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from toolguard_analysis.cli import cli

    request = tmp_path / "request.json"
    request.write_text(json.dumps({"contents": [{"role": "system", "parts": [{"text": "Be brief."}]}]}))
    result = CliRunner().invoke(cli, ["check", str(request), "--url", GEMINI.format("gemini-2.5-flash")])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "1 error(s), 0 warning(s) for Gemini native generateContent (Gemini API) "
        f"({GEMINI.format('gemini-2.5-flash')})"
    )
