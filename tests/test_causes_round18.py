"""Issue #10, probe round 18 (provider-class refusals; docs/errors.md "Generalisation"): a provider-class
rejection says "this model / endpoint / deployment / provider does not accept X". The refusal tier
(``toolguard_core.causes.REFUSALS``) reads that shape rather than one provider's sentence: an entity (a
generation parameter of the declared request schemas in either spelling, a content part type or the
feature it switches on, an API path, a model by its id), a word refusing it nearby, and for a feature
named in words a subject. It runs after the request tier and before the status, so every more specific
reading wins; two causes named equally near name nothing.

The same round made the generic families stop reading a feature, a URL path or a dotted name's last word
as a parameter, and kept the reasoning-model refinement to texts that name a model and a sampling knob.

A row fails on any difference in the cause, the rule, the values read, the constraint or the wording's
provider (``refusal`` for this tier). Rows are real texts from threads outside every probe round, or
constructed in a real text's shape (marked so). The neighbours are texts the tier must leave alone or
leave to another tier.
"""

from __future__ import annotations

import pytest
from support.recognition import assert_neighbour_cause, whole_recognition

from toolguard_core.causes import (
    CAUSES_BY_ID,
    FEATURE_KINDS,
    REFUSALS,
    Constraint,
    _prepare,
    _recognise_refusal,
)

ROWS = [
    # Wei-Shaw/sub2api#885: the gateway's own answer on the legacy route (quoted from its code in the thread).
    (
        "https://github.com/Wei-Shaw/sub2api/issues/885",
        400,
        '{"error":{"type":"invalid_request_error","message":"Unsupported legacy protocol: /v1/chat/completions '
        'is not supported. Please use /v1/responses."}}',
        ("cause.wrong-endpoint", "endpoint.unexpected-path", {}, None, "refusal"),
    ),
    # lingyuins/octopus#177: a relay refusing the model by name.
    (
        "https://github.com/lingyuins/octopus/issues/177",
        400,
        '{"error":{"message":"Unsupported model: \'deepseek-r1\'.","type":"bad_response_status_code","param":"",'
        '"code":"bad_response_status_code"}}',
        ("cause.model-not-found", None, {"model": "deepseek-r1"}, None, "refusal"),
    ),
    # Automattic/studio#4363: Claude refusing a value of a nested key, quoted as one dotted path.
    (
        "https://github.com/Automattic/studio/issues/4363",
        400,
        '400 {"type":"error","error":{"type":"invalid_request_error","message":"\\"thinking.type.enabled\\" is '
        'not supported for this model. Use \\"thinking.type.adaptive\\" and \\"output_config.effort\\" to control '
        'thinking behavior."}}',
        (
            "cause.param-value-unsupported",
            None,
            {"param": "thinking.type", "value": "enabled"},
            None,
            "refusal",
        ),
    ),
    # A feature named in words, with its subject (constructed in Novita's shape, "does not support feature:").
    (
        "constructed: a deployment refusing structured outputs",
        400,
        '{"error":{"message":"this deployment does not support structured outputs"}}',
        ("cause.model-no-json-mode", None, {}, None, "refusal"),
    ),
    # A sampling value the model fixes (constructed in NVIDIA NIM's "Validation: ... is immutable" shape): the
    # catalogue reads OpenAI's "'temperature' does not support 0.7 with this model" the same way.
    (
        "constructed: a fixed temperature",
        400,
        '{"error":{"message":"Validation: temperature is immutable for this model and must be 1, got 0.2"}}',
        (
            "cause.sampling-on-reasoning-model",
            "params.unsupported-for-model",
            {"param": "temperature"},
            None,  # a value refused, not the key: nothing about the key is learned
            "refusal",
        ),
    ),
    # A model refused by its id, no request key named (constructed in a local proxy's shape).
    (
        "constructed: no provider for the model",
        400,
        '{"error":{"message":"unknown provider for model gpt-9.9-turbo-preview","type":"invalid_request_error"}}',
        ("cause.model-not-found", None, {"model": "gpt-9.9-turbo-preview"}, None, "refusal"),
    ),
    # The generic family read "image" (a feature) as a parameter; the feature's own cause names it now
    # (constructed in Bedrock Converse's shape, "doesn't support the image field for user messages").
    (
        "constructed: Bedrock's image field for assistant messages",
        400,
        '{"message":"This model doesn\'t support the image field for assistant messages. Remove image and try '
        'again."}',
        (
            "cause.model-no-vision",
            None,
            {},
            Constraint(kind="content_type", name="image_url", value=None),
            "generic",
        ),
    ),
    # A refused sampling knob with no model in the text is no reasoning model's refusal.
    (
        "constructed: a gateway profile refusing temperature",
        400,
        '{"message":"The parameter \'temperature\' is not supported by this gateway profile.","code":'
        '"unsupported_parameter"}',
        (
            "cause.param-unsupported",
            "params.unsupported-for-model",
            {"param": "temperature"},
            Constraint(kind="param", name="temperature", value=None),
            "generic",
        ),
    ),
    # A model-scoped refusal of a key that is no sampling knob ("does not support parameter X", xAI's shape).
    (
        "constructed: a model refusing seed",
        400,
        '{"error":"Model some-model-v2 does not support parameter seed."}',
        (
            "cause.param-unsupported",
            "params.unsupported-for-model",
            {"param": "seed"},
            Constraint(kind="param", name="seed", value=None),
            "xai",
        ),
    ),
]


@pytest.mark.parametrize(("source", "status", "body", "expected"), ROWS, ids=[row[0] for row in ROWS])
def test_a_provider_refusal_is_named_from_its_shape(
    source: str, status: int | None, body: str, expected: tuple[object, ...]
) -> None:
    assert whole_recognition(body, status) == expected, source


@pytest.mark.parametrize(
    ("source", "status", "body", "cause"),
    [
        # "Invalid 'content' type" near "for model DeepSeek-V3.1" (SambaNova's shape): a content part's type,
        # not the model, is refused; nothing is claimed.
        (
            "constructed: SambaNova's tokenizer refusal",
            400,
            "Unable to tokenize message with status code 400 for model DeepSeek-V3.1: Invalid 'content' type. "
            "Expected one of: ['str'], got list.",
            None,
        ),
        # A path suggested, nothing refused.
        (
            "constructed: a suggested path",
            400,
            '{"error":{"message":"Please use /v1/responses for better results"}}',
            None,
        ),
        # A model refused for a mode, with no id and no feature named: left alone.
        (
            "constructed: Bedrock streaming",
            400,
            "ValidationException: The model is unsupported for streaming.",
            None,
        ),
        # The tier names nothing where two causes are named equally near; the generic family's reading stands.
        (
            "constructed: images and tools",
            400,
            '{"error":{"message":"images and tools are not supported by this model"}}',
            "cause.model-no-tools",
        ),
        # A list of what the model takes is no refusal.
        (
            "constructed: supported parameters listed",
            400,
            '{"error":{"message":"Supported parameters for this model: temperature, top_p"}}',
            None,
        ),
        # A key the declared schemas do not carry (top_k) is not read as a parameter by the tier.
        (
            "constructed: a fixed top_k",
            400,
            '{"error":{"message":"Validation: top_k is immutable for this model and must be 20, got 40"}}',
            None,
        ),
        # The refusal words come before the key: a schema validator's wording, not a refused value.
        (
            "constructed: Bedrock InvokeModel's schema printout",
            400,
            "Malformed input request: #: subject must not be valid against schema {required:[messages]}#: required "
            "key [max_tokens] not found, please reformat your input and try again.",
            None,
        ),
        # A feature word inside a model id names no feature.
        (
            "constructed: a model id with 'image' in it",
            400,
            '{"error":{"message":"Thinking is not enabled for models/gemini-2.0-flash-preview-image-generation"}}',
            "not cause.model-no-vision",
        ),
        # "\n" escapes are not the parameter n.
        (
            "constructed: escaped newlines",
            400,
            '{"error":{"message":"{\\n  \\"error\\": {\\n \\"message\\": \\"The thinking budget (52428) is invalid.\\"}}"}}',
            "not cause.param-value-unsupported",
        ),
        # A list-valued key's "value" is no value refusal ("only named tools are supported", vLLM).
        (
            "constructed: named tools only",
            400,
            "{'type': 'value_error', 'loc': ('body',), 'msg': 'Value error, Currently only named tools are supported.'}",
            "not cause.param-value-unsupported",
        ),
        # "functions" is a parameter, read by the catalogue's own family (not as tool calling by the tier).
        (
            "constructed: functions refused",
            400,
            '{"error":{"message":"functions is not supported"}}',
            "cause.model-no-tools",
        ),
    ],
)
def test_the_refusal_tier_leaves_neighbouring_texts_alone(
    source: str, status: int | None, body: str, cause: str | None
) -> None:
    assert_neighbour_cause(source, status, body, cause)


def test_every_reading_cites_a_real_text_it_names() -> None:
    for reading, (cause_id, wording) in REFUSALS.items():
        assert wording.source.startswith("https://github.com/"), reading
        assert wording.pattern.search(_prepare(wording.example)), reading
        found = _recognise_refusal(wording.example, None, ())
        assert found is not None and found.cause_id == cause_id, reading


def test_every_feature_kind_names_a_catalogued_cause() -> None:
    assert {kind for kind, _, _ in FEATURE_KINDS} == {"image", "tools", "json", "system"}
    for _, cause_id, words in FEATURE_KINDS:
        assert cause_id in CAUSES_BY_ID and words
