"""Content-part rules: the array form of ``messages[].content`` (providers.md §6.4).

OpenAI allows ``text`` everywhere, ``image_url``/``input_audio``/``file`` on user messages and
``refusal`` on assistant messages; an image URL is http(s) or a base64 ``data:image/...`` URL
with ``detail`` auto/low/high. Self-hosted servers differ: vLLM knows many extra part types and
accepts images in any role, llama.cpp downloads http(s) images and needs ``--media-path`` for
``file://``, Ollama refuses remote image URLs altogether. Some servers take only a string where
OpenAI takes an array (Groq system messages), and some refuse empty text (Anthropic-backed
endpoints, Moonshot, Zhipu). Each rule declares per provider how severe its finding is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from toolguard_core.findings import Finding, Severity
from toolguard_core.providers import BUILTIN_PROFILES
from toolguard_core.request import RESPONSES, RequestView
from toolguard_core.rules.inferred import judged_id, judged_name, report_judged
from toolguard_core.rules.registry import (
    GROUPS,
    PredictedError,
    check,
    checked_as,
    define,
    every_known_engine,
    policy,
)

# doc [OAS] ChatCompletionRequest*ContentPart, per role.
OPENAI_PART_TYPES = frozenset({"text", "image_url", "input_audio", "file", "refusal"})
OPENAI_ROLE_PARTS: dict[str, frozenset[str]] = {
    "system": frozenset({"text"}),
    "developer": frozenset({"text"}),
    "tool": frozenset({"text"}),
    "user": frozenset({"text", "image_url", "input_audio", "file"}),
    "assistant": frozenset({"text", "refusal"}),
}
#: The self-hosted servers that refuse some of the role/part pairs OpenAI's validator refuses (the rest of
#: them accept any part in any role): the roles each judges, mapped to the part types it takes there.
#: vLLM refuses non-text parts in system and developer messages since vllm-project/vllm#34072 ("System
#: messages can only contain text content", its test); LM Studio keeps tool results to text (its Messages
#: endpoint: "Only text tool_result blocks are supported when tool_result.content is an array.",
#: zhukunpenglinyutong/jetbrains-cc-gui#984), and its chat endpoint answers an image in a tool message with
#: its generic "Invalid 'messages' in payload".
SERVER_ROLE_PARTS: dict[str, dict[str, frozenset[str]]] = {
    "vllm": {"system": frozenset({"text"}), "developer": frozenset({"text"})},
    "lmstudio": {"tool": frozenset({"text"})},
}
# code [VLLM-MM] MM_PARSER_MAP: vLLM's extra part types (vllm/entrypoints/chat_utils.py; any other type is
# "Unsupported chat content part type: ...", a part without `type` is read by its keys, a plain string is text).
VLLM_PART_TYPES = OPENAI_PART_TYPES | frozenset(
    {
        "audio_url",
        "video_url",
        "image_embeds",
        "audio_embeds",
        "video_embeds",
        "prompt_embeds",
        "image_pil",
        "thinking",
        "input_text",
        "output_text",
        "input_image",
        "tool_reference",
    }
)
# code [SGL] python/sglang/srt/entrypoints/openai/protocol.py ChatCompletionMessageContentPart: text,
# thinking/reasoning, image_url, video_url, audio_url, tool_reference (kept a superset of vLLM's here: the
# narrower union is not what this pass read for).
SGLANG_PART_TYPES = VLLM_PART_TYPES | frozenset({"reasoning"})
# code [LCPP]: text, image_url and input_audio; `file` is refused ("unsupported content[].type").
LLAMA_CPP_PART_TYPES = frozenset({"text", "image_url", "input_audio"})
# code [OLL-GO] openai/openai.go FromChatRequest: text, image_url and input_audio; any other part (or one
# that is not an object) is "invalid message format", a 400 from middleware/openai.go (since July 2024).
OLLAMA_PART_TYPES = frozenset({"text", "image_url", "input_audio"})
# code [TGI] router/src/lib.rs MessageChunk (serde, tagged by `type`): text and image_url. Its untagged
# MessageBody takes a message that carries tool_calls by them and drops the content unread.
TGI_PART_TYPES = frozenset({"text", "image_url"})
PART_TYPES_BY_PROVIDER = {
    "vllm": VLLM_PART_TYPES,
    "sglang": SGLANG_PART_TYPES,
    "llama.cpp": LLAMA_CPP_PART_TYPES,
    "ollama": OLLAMA_PART_TYPES,
    "tgi": TGI_PART_TYPES,
}
#: Every part type some engine toolguard knows takes (OpenAI's and each server's above): on a host toolguard
#: cannot name, a type in here may be served, so its finding stays a warning there.
ENGINE_PART_TYPES = OPENAI_PART_TYPES.union(*PART_TYPES_BY_PROVIDER.values())
#: The Anthropic Messages blocks an OpenAI-compatible client most often sends by mistake (a history converted
#: from Claude's format); none is in ENGINE_PART_TYPES (tests/test_every_known_engine.py holds both, and that
#: each is one of rules/anthropic.py's BLOCK_TYPES), so every known engine refuses them.
MESSAGES_API_BLOCKS = frozenset(
    {"image", "document", "tool_use", "tool_result", "redacted_thinking", "search_result", "server_tool_use"}
)
IMAGE_DETAILS = frozenset({"auto", "low", "high"})
# code [OLL-GO]: only these data-URL types ("data:;base64," too); anything else is "invalid image input".
OLLAMA_IMAGE_MIMES = frozenset({"", "image/jpeg", "image/jpg", "image/png", "image/webp"})

_USER = {"role": "user", "content": "Hello"}
_PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="


def _image_message(url: str, **image: Any) -> dict[str, Any]:
    return {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is in this image?"},
            {"type": "image_url", "image_url": {"url": url, **image}},
        ],
    }


INVALID_PART = define(
    "content.invalid-part",
    Severity.ERROR,
    "A content part's `type` is missing or unknown (or a part is not an object).",
    # An Anthropic block is rejected by every known engine (registry.EVERY_KNOWN_ENGINE; the evidence is in
    # the notes), so an error on an unrecognised host too; a part some engine takes stays a warning there.
    policy=policy(
        error=("openai-family", "vllm", "sglang", "llama.cpp", "deepseek", "ollama", "tgi", "generic"),
        otherwise=Severity.WARNING,
        conditions={
            "tgi": "a message without tool_calls (TGI takes one with tool_calls by them, its content unread)",
            **every_known_engine(
                "an Anthropic Messages block (an image with a `source`, document, tool_use, tool_result, ...) "
                "in a message without tool_calls"
            ),
        },
    ),
    predicts=(
        PredictedError(
            # Ollama's /v1 layer: any part type but text, image_url and input_audio (code [OLL-GO]).
            provider="ollama",
            text="invalid message format",
            source="code [OLL-GO] openai/openai.go FromChatRequest",
        ),
        PredictedError(
            # DeepSeek's content parts are a closed serde enum whose error names what it takes
            # (esengine/DeepSeek-Reasonix#7859; the API reference lists text parts only).
            provider="deepseek",
            text=(
                "Failed to deserialize the JSON body into the target type: messages[466]: unknown variant "
                "`image_url`, expected `text` at line 1 column 690848"
            ),
            source="https://github.com/esengine/DeepSeek-Reasonix/issues/7859",
        ),
        PredictedError(
            provider="openai",
            text="Invalid value: 'image'. Supported values are: 'text' and 'image_url'.",
            source="https://github.com/aallam/openai-kotlin/issues/320",
            param="messages[0].content[1].type",
            code="invalid_value",
        ),
        PredictedError(
            provider="openai",
            text="Missing required parameter: 'messages[5].content[0].type'.",
            source="https://github.com/neuron-core/neuron-ai/issues/76",
            param="messages[5].content[0].type",
            code="missing_required_parameter",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in this image?"},
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/png", "data": "iVBOR"},
                    },
                ],
            }
        ],
    },
    notes=(
        "Anthropic-style `image`/`tool_result` parts sent to an OpenAI endpoint. vLLM accepts its extra "
        "types (`audio_url`, `video_url`, `input_image`, ...); llama.cpp refuses `file`; Ollama takes text, "
        'image_url and input_audio only ("invalid message format", code [OLL-GO]). An Anthropic Messages '
        "block is rejected by every known engine, so an error on a host toolguard cannot name too: OpenAI "
        "(its answers below); vLLM (code [VLLM-MM] vllm/entrypoints/chat_utils.py "
        '`_parse_chat_message_content_part`: "Unsupported chat content part type"); SGLang (code [SGL] '
        "protocol.py: the `ChatCompletionMessageContentPart` union is tagged by `type`); llama-server (code "
        '[LCPP] common/chat.cpp: "unsupported content[].type"); Ollama (code [OLL-GO] openai/openai.go '
        "`FromChatRequest`); TGI (code [TGI] router/src/lib.rs `MessageChunk`, serde tagged by `type`); "
        "mlx_lm.server (mlx_lm/server.py `process_message_content`: \"Only 'text' content type is "
        'supported."). Two forms stay warnings there, each with an engine that takes it: a message that '
        "carries tool_calls (TGI's untagged `MessageBody` then drops the content unread) and a part some "
        "engine takes (vLLM reads a plain string as text and a part without `type` by its keys, and takes "
        "`video_url`, `input_image`, ...). LM Studio's validator is not public (no evidence either way); a "
        "LiteLLM proxy forwards the parts to the server behind it."
    ),
    fixed={"model": "gpt-4o", "messages": [_image_message(_PNG)]},
)
CONTENT_NOT_STRING_OR_ARRAY = define(
    "content.not-string-or-array",
    Severity.ERROR,
    "A message's `content` is neither a string nor an array of parts (a single part object, a number).",
    # DashScope's compatible mode answers OpenAI's own text for a content object (its refusal of an
    # unknown part *type* is not documented, so that stays content.invalid-part's warning there).
    # Ollama and TGI refuse it too, in a message without tool_calls (CONTENT_UNREAD_WITH_CALLS). An unrecognised
    # host keeps the warning: LocalAI (core/schema/message.go `Content any`, a non-string non-array content
    # dropped in ToProto) and mlx_lm.server (mlx_lm/server.py `process_message_content` passes it on to the
    # chat template) take it, so it is not rejected by every known engine.
    policy=policy(
        error=("openai-family", "vllm", "sglang", "llama.cpp", "dashscope", "ollama", "tgi"),
        otherwise=Severity.WARNING,
        conditions={pid: "a message without tool_calls" for pid in ("ollama", "tgi")},
    ),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Invalid type for 'messages[1].content': expected one of a string or array of objects, but "
                "got an object instead."
            ),
            source="https://github.com/pydantic/pydantic-ai/issues/2653",
            param="messages[1].content",
            code="invalid_type",
        ),
        PredictedError(
            provider="dashscope",
            text=(
                "Invalid type for 'messages.[0].content': expected one of a string or array of objects, but "
                "got an object instead."
            ),
            source="https://github.com/coze-dev/coze-studio/issues/2317",
        ),
        PredictedError(
            provider="dashscope",
            text=(
                "litellm.BadRequestError: DashscopeException - Invalid type for 'messages.[0].content': "
                "expected one of a string or array of objects, but got an object instead."
            ),
            source="https://github.com/HKUDS/nanobot/issues/1344",
        ),
    ),
    example={
        "model": "qwen-plus",
        "messages": [{"role": "user", "content": {"type": "text", "text": "Hello"}}],
    },
    example_url="https://dashscope-intl.aliyuncs.com/compatible-mode/v1/chat/completions",
    fixed={
        "model": "qwen-plus",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hello"}]}],
    },
    notes=(
        "Wrap a single part in an array, or send its text as a string. Ollama refuses it unless the message "
        'carries tool_calls ("invalid message content type: ...", code [OLL-GO] openai/openai.go '
        "`FromChatRequest`), and so does TGI (code [TGI] router/src/lib.rs: the untagged `MessageBody` takes a "
        "message with tool_calls by them, its content unread)."
    ),
)
#: The servers that read a message carrying tool_calls by them and leave its content unread, so a content
#: they would refuse passes there (content.not-string-or-array; TGI for content.invalid-part too, Ollama
#: still parses an array's parts): Ollama's FromChatRequest (code [OLL-GO]) and TGI's untagged MessageBody
#: (code [TGI]).
CONTENT_UNREAD_WITH_CALLS = frozenset({"ollama", "tgi"})
PART_NOT_ALLOWED_FOR_ROLE = define(
    "content.part-not-allowed-for-role",
    Severity.ERROR,
    "A content part type is not allowed for the message's role (images outside user messages, "
    "non-text parts in system/developer/tool messages, refusal outside assistant messages).",
    policy=policy(
        error=("openai-family", *SERVER_ROLE_PARTS),
        silent=("self-hosted",),
        otherwise=Severity.WARNING,
        conditions={
            pid: f"non-text parts in {'/'.join(sorted(roles))} messages only"
            for pid, roles in SERVER_ROLE_PARTS.items()
        },
    ),
    predicts=(
        PredictedError(
            provider="vllm",
            text="System messages can only contain text content",
            source="https://github.com/vllm-project/vllm/pull/34072",
        ),
        PredictedError(
            provider="lmstudio",
            text="Only text tool_result blocks are supported when tool_result.content is an array.",
            source="https://github.com/zhukunpenglinyutong/jetbrains-cc-gui/issues/984",
        ),
        PredictedError(
            provider="openai",
            text=(
                "Invalid 'messages[2]'. Image URLs are only allowed for messages with role 'user', but this "
                "message with role 'assistant' contains an image URL."
            ),
            source="https://github.com/openai/openai-node/issues/1030",
        ),
        PredictedError(
            provider="openai",
            text=(
                "Invalid 'messages[234]'. Image URLs are only allowed for messages with role 'user', but this "
                "message with role 'tool' contains an image URL."
            ),
            source="https://github.com/OpenHands/OpenHands/issues/7700",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [
            {"role": "user", "content": "Take a screenshot."},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "screenshot", "arguments": "{}"},
                    }
                ],
            },
            {
                "role": "tool",
                "tool_call_id": "call_1",
                "content": [{"type": "image_url", "image_url": {"url": _PNG}}],
            },
        ],
    },
    notes=(
        "Agents that return screenshots as tool results must send the image in a following user message. "
        "vLLM accepted images in any role (https://github.com/vllm-project/vllm/issues/33925) until "
        "vllm-project/vllm#34072 kept system and developer messages to text; LM Studio keeps tool results to "
        "text (SERVER_ROLE_PARTS). The other self-hosted servers take any part in any role."
    ),
    fixed={
        "model": "gpt-4o",
        "messages": [
            {"role": "user", "content": "Take a screenshot."},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "screenshot", "arguments": "{}"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "Screenshot attached below."},
            _image_message(_PNG),
        ],
    },
)
IMAGE_URL_SHAPE = define(
    "content.image-url-shape",
    Severity.ERROR,
    'An `image_url` part has no `image_url: {"url": ...}` object.',
    policy=policy(
        error=("openai-family", "vllm", "sglang", "llama.cpp"), silent=("ollama",), otherwise=Severity.WARNING
    ),
    example={
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": [{"type": "image_url", "url": _PNG}]}],
    },
    notes="doc [OAS] ChatCompletionRequestMessageContentPartImage. Ollama also accepts a bare string.",
    fixed={
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": _PNG}}]}],
    },
)
INVALID_IMAGE_URL = define(
    "content.invalid-image-url",
    Severity.ERROR,
    "An image URL is neither http(s) nor a `data:<mime>;base64,<data>` URL.",
    policy=policy(
        error=("openai-family", "llama.cpp", "ollama"), silent=("vllm", "sglang"), otherwise=Severity.WARNING
    ),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Invalid image URL: 'messages[0].content[1].image_url.url'. Expected a base64-encoded data URL "
                "with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got a value "
                "without the 'data:' prefix."
            ),
            source="https://github.com/Alibaba-NLP/OmniSearch/issues/3",
            param="messages[0].content[1].image_url.url",
            code="invalid_value",
        ),
        PredictedError(provider="llama.cpp", text="Invalid url value", source="code [LCPP] handle_media"),
    ),
    example={"model": "gpt-4o", "messages": [_image_message(_PNG.removeprefix("data:image/png;base64,"))]},
    notes="Raw base64 without the `data:` prefix, or a local path. `file://` is a warning on vLLM and llama.cpp.",
    fixed={"model": "gpt-4o", "messages": [_image_message(_PNG)]},
)
LOCAL_FILE_URL = define(
    "content.local-file-url",
    Severity.WARNING,
    "A `file://` image URL: the server reads it only when started with a local media path.",
    policy=policy(warning=("vllm", "sglang", "llama.cpp")),
    example={"model": "qwen2.5-vl", "messages": [_image_message("file:///tmp/cat.png")]},
    example_url="http://localhost:8000/v1/chat/completions",
    notes="llama.cpp needs `--media-path`, vLLM `--allowed-local-media-path` (code [LCPP], [VLLM-MM]); "
    "otherwise send a data URL.",
    fixed={"model": "qwen2.5-vl", "messages": [_image_message(_PNG)]},
)
EMPTY_BASE64 = define(
    "content.empty-base64",
    Severity.ERROR,
    "A `data:` image URL carries no bytes.",
    policy=policy(error=("openai-family",), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Invalid image URL: 'messages[0].content[1].image_url.url'. Expected a base64-encoded data URL "
                "with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got empty "
                "base64-encoded bytes."
            ),
            source="https://github.com/anomalyco/opencode/issues/23983",
            param="messages[0].content[1].image_url.url",
            code="invalid_value",
        ),
    ),
    example={"model": "gpt-4o", "messages": [_image_message("data:image/png;base64,")]},
    fixed={"model": "gpt-4o", "messages": [_image_message(_PNG)]},
)
NON_IMAGE_DATA_URL = define(
    "content.non-image-data-url",
    Severity.ERROR,
    "A `data:` URL in an `image_url` part has a MIME type the provider does not accept as an image.",
    policy=policy(
        error=("openai-family", "ollama"), silent=("vllm", "sglang", "llama.cpp"), otherwise=Severity.WARNING
    ),
    predicts=(
        PredictedError(
            provider="openai",
            text="Invalid MIME type. Only image types are supported.",
            source="https://github.com/langgenius/dify/issues/11527",
            code="invalid_image_format",
        ),
        PredictedError(
            provider="ollama", text="invalid image input", source="code [OLL-GO] openai/openai.go"
        ),
    ),
    example={"model": "gpt-4o", "messages": [_image_message("data:application/pdf;base64,JVBERi0xLjQK")]},
    notes="Ollama accepts only jpeg, jpg, png and webp (or an empty MIME type). Send PDFs as `file` parts.",
    fixed={"model": "gpt-4o", "messages": [_image_message(_PNG)]},
)
#: OpenAI's file inputs guide: "Chat Completions accepts only PDF files as file content parts" (base64
#: `file_data` or an uploaded `file_id`; https://developers.openai.com/api/docs/guides/file-inputs).
CHAT_FILE_MIMES = frozenset({"application/pdf"})
_PDF = "data:application/pdf;base64,JVBERi0xLjQKJcTl8uXr"


def _file_message(**file: Any) -> dict[str, Any]:
    return {
        "role": "user",
        "content": [{"type": "text", "text": "Summarise the attachment."}, {"type": "file", "file": file}],
    }


INVALID_FILE_DATA = define(
    "content.invalid-file-data",
    Severity.ERROR,
    "Inline file bytes are not a base64 `data:` URL: bare base64 in a chat `file` part or a Responses "
    "`input_file`; or, on Chat Completions, a document type other than PDF (`data:application/pdf;base64,...`).",
    policy=policy(error=("openai-family",), warning=("generic",)),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Expected a base64-encoded data URL with an application/pdf MIME type (e.g. "
                "'data:application/pdf;base64,SGVsbG8sIFdvcmxkIQ=='), but got an invalid base64-encoded value."
            ),
            # The same validator answers the Responses API's input_file, quoted for its param
            # input[0].content[1].file_data (bare base64 sent without the data: prefix).
            source=(
                "https://community.openai.com/t/issue-with-native-pdf-input-base64-in-gpt-4o-error-invalid-"
                "input-0-content-1-file-data/1377908"
            ),
            code="invalid_value",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [_file_message(filename="deck.pdf", file_data="JVBERi0xLjQKJcTl8uXr")],
    },
    fixed={"model": "gpt-4o", "messages": [_file_message(filename="deck.pdf", file_data=_PDF)]},
    notes=(
        "OpenAI's file inputs guide: Chat Completions accepts only PDF files as `file` parts; other documents "
        "go to the Responses API's `input_file` (which takes the guide's document types, each as a data URL), "
        "or as text. Other providers' `file` parts take more types (OpenRouter, gateways), so the rule is an "
        "error only where OpenAI's validator answers."
    ),
)
INVALID_DETAIL = define(
    "content.invalid-image-detail",
    Severity.ERROR,
    "`image_url.detail` is not one of `auto`, `low`, `high` (case matters).",
    policy=policy(error=("openai-family",), silent=("llama.cpp", "ollama"), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text="Invalid value: 'LOW'. Supported values are: 'low', 'high', and 'auto'.",
            source="https://github.com/quarkiverse/quarkus-langchain4j/issues/412",
            param="messages[1].content[1].image_url.detail",
            code="invalid_value",
        ),
    ),
    example={"model": "gpt-4o", "messages": [_image_message(_PNG, detail="LOW")]},
    fixed={"model": "gpt-4o", "messages": [_image_message(_PNG, detail="low")]},
)
REMOTE_IMAGE_UNSUPPORTED = define(
    "content.remote-image-url",
    Severity.ERROR,
    "An http(s) image URL sent to Ollama, which accepts only base64 data URLs.",
    policy=policy(error=("ollama",)),
    predicts=(
        PredictedError(
            provider="ollama",
            text="image URLs are not currently supported, please use base64 encoded data instead",
            source="code [OLL-GO] openai/openai.go",
        ),
    ),
    example={"model": "llava", "messages": [_image_message("https://example.com/cat.png")]},
    example_url="http://localhost:11434/v1/chat/completions",
    fixed={"model": "llava", "messages": [_image_message(_PNG)]},
)


INVALID_BASE64 = define(
    "content.invalid-base64",
    Severity.ERROR,
    "A `data:...;base64,` image URL whose payload is not base64 (a doubled `data:` prefix, "
    "`undefined`, a file path).",
    policy=policy(error=("openai-family", "ollama"), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text="Invalid base64 image_url.",
            source="https://github.com/sipherxyz/comfyui-art-venture/pull/75",
        ),
        PredictedError(
            provider="ollama",
            text="illegal base64 data at input byte 4",
            source="https://github.com/ollama/ollama/issues/7247",
        ),
    ),
    example={
        "model": "gpt-4o",
        "messages": [_image_message("data:image/png;base64,data:image/png;base64,iVBORw0K")],
    },
    fixed={"model": "gpt-4o", "messages": [_image_message(_PNG)]},
    notes=(
        "Only what no base64 variant can decode is flagged: characters outside the alphabet (a second "
        "`data:` prefix, a path), a `=` before the end, or a length that leaves a single stray character. "
        "OpenAI answers this family with `Invalid base64 image_url.` (seed 002 lists the image download "
        "errors)."
    ),
)
#: The roles whose ``content`` a provider takes only as a string (an array of parts is refused).
STRING_ONLY_ROLES: dict[str, frozenset[str]] = {
    # Groq refused parts there: "'messages.0' : for 'role:system' ... ('messages.0.content' : value must be a
    # string)" (OpenHands/OpenHands#4643, October 2024), and the same for an assistant turn replayed as parts
    # (posit-dev/chatlas#25, December 2024). Its published schema took strings only until July 2025: the SDK
    # generated from it (groq/groq-python 0.30.0, 11 July 2025, chat_completion_system_message_param.py and
    # chat_completion_assistant_message_param.py) widened both to a string or text parts, as 1.0.0 (December
    # 2025) still has. So on Groq this is a warning (a deployment behind its schema refuses, the current one
    # accepts), never an error; only non-text parts there stay outside its schema.
    "groq": frozenset({"system", "assistant"}),
    # "invalid type: sequence, expected a string" for tool results sent as text parts
    # (Gitlawb/openclaude#774 and its fix PR #806; QwenLM/qwen-code#2318 and PR #2320). A user
    # message's text parts are accepted ("unknown variant `image_url`, expected `text`" names the
    # one part type it takes there, esengine/DeepSeek-Reasonix#7859), and so are a system message's. The
    # API reference (https://api-docs.deepseek.com/api/create-chat-completion) gives an assistant message's
    # `content` as a string (or null beside tool_calls): its serde model has no parts there either.
    "deepseek": frozenset({"tool", "assistant"}),
}
#: Providers whose schema now takes the parts that older deployments refused (see STRING_ONLY_ROLES).
STRING_ONLY_WARN = frozenset({"groq"})
ARRAY_NOT_SUPPORTED = define(
    "content.array-not-supported",
    Severity.ERROR,
    "A message's `content` is an array of parts for a role whose content the provider takes only as a "
    "string (DeepSeek: tool and assistant; Groq before July 2025: system and assistant).",
    policy=policy(
        error=tuple(pid for pid in STRING_ONLY_ROLES if pid not in STRING_ONLY_WARN),
        warning=tuple(STRING_ONLY_WARN),
        conditions={
            pid: ", ".join(sorted(roles))
            + " messages"
            + (
                " (its schema takes text parts since July 2025; earlier deployments refused them)"
                if pid in STRING_ONLY_WARN
                else ""
            )
            for pid, roles in STRING_ONLY_ROLES.items()
        },
    ),
    predicts=(
        PredictedError(
            provider="groq",
            text=(
                "'messages.0' : for 'role:system' the following must be satisfied[('messages.0.content' : "
                "value must be a string)]"
            ),
            source="https://github.com/OpenHands/OpenHands/issues/4643",
        ),
        PredictedError(
            provider="deepseek",
            text=(
                "API Error: 400 Failed to deserialize the JSON body into the target type: messages[7]: invalid "
                "type: sequence,   expected a string at line 1 column 22979"
            ),
            source="https://github.com/QwenLM/qwen-code/issues/2318",
        ),
    ),
    example={
        "model": "deepseek-chat",
        "messages": [
            _USER,
            {"role": "assistant", "content": [{"type": "text", "text": "It is sunny."}]},
            {"role": "user", "content": "Thanks."},
        ],
    },
    example_url="https://api.deepseek.com/chat/completions",
    fixed={
        "model": "deepseek-chat",
        "messages": [
            _USER,
            {"role": "assistant", "content": "It is sunny."},
            {"role": "user", "content": "Thanks."},
        ],
    },
    notes="Join the text parts into one string (clients that add cache_control parts produce arrays).",
)
EMPTY_TEXT = define(
    "content.empty-text",
    Severity.ERROR,
    "An empty text part, or an empty message, where the provider refuses empty text: Anthropic-backed "
    "OpenAI-compatible endpoints (Claude on OpenRouter and GitHub Copilot), Zhipu text parts, Moonshot "
    "assistant messages.",
    policy=policy(
        error=("openrouter", "copilot", "zhipu", "moonshot"),
        conditions={
            "openrouter": "anthropic/* models",
            "copilot": "Claude models",
            "moonshot": "assistant messages",
            "zhipu": "text parts",
        },
    ),
    predicts=(
        # Anthropic's own answer, which OpenAI-compatible fronts for Claude pass through.
        PredictedError(
            provider="anthropic",
            text="messages: text content blocks must be non-empty",
            source="https://github.com/miurla/morphic/issues/83",
        ),
        PredictedError(
            provider="zhipu",
            text="messages[20].content[0].text:text cannot be empty.",
            source="https://github.com/agentscope-ai/QwenPaw/issues/287",
            code="1214",
        ),
        PredictedError(
            provider="moonshot",
            text="Invalid request: the message at position 4 with role 'assistant' must not be empty",
            source="https://github.com/labring/FastGPT/issues/3575",
        ),
    ),
    example={
        "model": "anthropic/claude-sonnet-4.5",
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": ""}, {"type": "text", "text": "Hi"}]}
        ],
    },
    example_url="https://openrouter.ai/api/v1/chat/completions",
    fixed={
        "model": "anthropic/claude-sonnet-4.5",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}],
    },
    notes=(
        "Anthropic's Messages API rejects empty text blocks; endpoints that translate OpenAI bodies for "
        "Claude pass the error through. Drop empty parts and empty turns (the final assistant message of "
        "a prefill may be empty on Anthropic)."
    ),
)

#: Providers whose request schema takes a message's ``content`` as all strings or all arrays across the
#: conversation, never a mix (a JSON-schema ``oneOf`` over the whole messages array).
UNIFORM_CONTENT_PROVIDERS = frozenset({"cloudflare"})
MIXED_CONTENT = define(
    "content.mixed-string-and-array",
    Severity.ERROR,
    "Some messages carry `content` as a string and others as an array of parts; Cloudflare Workers AI "
    "validates the conversation against one shape or the other.",
    policy=policy(error=tuple(UNIFORM_CONTENT_PROVIDERS)),
    predicts=(
        PredictedError(
            provider="cloudflare",
            text=(
                'Bad Request: {"errors":{"message":"AiError: Bad input: Error: oneOf at \'/\' not met, 0 '
                "matches: required properties at '/' are 'prompt', Type mismatch of '/messages/0/content', "
                "'array' not in 'string', Type mismatch of '/messages/1/content', 'string' not in 'array', "
                "required properties at '/messages/1' are 'role,content' (d9e09afe-...)\",\"code\":5006}"
            ),
            source="https://github.com/anomalyco/opencode/issues/30381",
        ),
    ),
    example={
        "model": "@cf/meta/llama-3.3-70b-instruct-fp8-fast",
        "messages": [
            {"role": "system", "content": [{"type": "text", "text": "You are terse."}]},
            {"role": "user", "content": "Hi"},
        ],
    },
    example_url="https://api.cloudflare.com/client/v4/accounts/abc123/ai/v1/chat/completions",
    fixed={
        "model": "@cf/meta/llama-3.3-70b-instruct-fp8-fast",
        "messages": [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi"}],
    },
    notes=(
        "Flatten text-only arrays to strings (the fix opencode shipped, anomalyco/opencode#36850; "
        "OmniRoute#2539 reports the same answer for every Workers AI model)."
    ),
)


#: Characters no base64 variant (standard, URL-safe, with line breaks) contains.
_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/\-_=\s]")
_PADDING_INSIDE = re.compile(r"=[^=\s]")


def _not_base64(payload: str) -> bool:
    """Certainly not decodable: a foreign character, padding before the end, or one stray
    character after the last full 4-character group."""
    if _NOT_BASE64.search(payload) or _PADDING_INSIDE.search(payload):
        return True
    return len(payload.rstrip("=").replace("\n", "").replace("\r", "").replace(" ", "")) % 4 == 1


def _empty_text_applies(view: RequestView, pid: str) -> str | None:
    """Which empty text the target refuses: ``"any"`` (Anthropic-backed), ``"parts"`` (Zhipu),
    ``"assistant"`` (Moonshot), or None."""
    model = (view.model or "").lower()
    if (pid == "openrouter" and model.startswith("anthropic/")) or (pid == "copilot" and "claude" in model):
        return "any"
    return {"zhipu": "parts", "moonshot": "assistant"}.get(pid)


def _is_blank(text: Any) -> bool:
    return isinstance(text, str) and not text.strip()


@check
def check_content_parts(view: RequestView) -> Iterator[Finding]:
    # The inferred vendor on an unrecognised host (its empty-text, string-only and part rules apply).
    pid = judged_id(view)
    empty_text = _empty_text_applies(view, pid)
    messages = view.messages
    # The first message's content kind (str or list), where a provider wants one kind throughout.
    first_kind: tuple[int, type] | None = None
    uniform = pid in UNIFORM_CONTENT_PROVIDERS
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        if uniform and isinstance(content, (str, list)):
            if first_kind is None:
                first_kind = (index, type(content))
            elif not isinstance(content, first_kind[1]):
                uniform = False  # one finding per request
                shape = "an array of parts" if isinstance(content, list) else "a string"
                other = "a string" if first_kind[1] is str else "an array of parts"
                yield from report_judged(
                    MIXED_CONTENT,
                    view,
                    f"messages[{index}].content",
                    f"messages[{index}].content is {shape} while messages[{first_kind[0]}].content is "
                    f"{other}; {judged_name(MIXED_CONTENT, view)} takes one shape for the whole conversation. Send every "
                    "text-only content as a string.",
                )
        if empty_text is not None:
            yield from _check_empty_text(view, empty_text, index, message, index == len(messages) - 1)
        if content is None or isinstance(content, str):
            continue  # the common case; missing content is messages.missing-content's business
        where = f"messages[{index}].content"
        role = message.get("role")
        if isinstance(content, list) and isinstance(role, str) and role in STRING_ONLY_ROLES.get(pid, ()):
            article = "an" if role[:1] in "aeiou" else "a"
            takes = (
                f"{judged_name(ARRAY_NOT_SUPPORTED, view)} took {article} {role} message's content only as a string "
                "before July 2025 (its schema takes text parts since; older deployments refuse them)"
                if pid in STRING_ONLY_WARN
                else f"{judged_name(ARRAY_NOT_SUPPORTED, view)} takes {article} {role} message's content only as a string"
            )
            yield from report_judged(
                ARRAY_NOT_SUPPORTED,
                view,
                where,
                f"{where} is an array of parts; {takes}. Join the text parts into one string.",
            )
        if not isinstance(content, list):
            if pid in CONTENT_UNREAD_WITH_CALLS and message.get("tool_calls"):
                continue
            yield from report_judged(
                CONTENT_NOT_STRING_OR_ARRAY,
                view,
                where,
                f"{where} is a {type(content).__name__}; send a string or an array of typed parts.",
            )
            continue
        role = message.get("role")
        for part_index, part in enumerate(content):
            yield from _check_part(
                view,
                pid,
                role,
                f"{where}[{part_index}]",
                index,
                part,
                has_calls=bool(message.get("tool_calls")),
            )


def _check_empty_text(
    view: RequestView, scope: str, index: int, message: dict[str, Any], last: bool
) -> Iterator[Finding]:
    role = message.get("role")
    content = message.get("content")
    where = f"messages[{index}].content"
    if isinstance(content, list):
        if scope == "assistant" and role != "assistant":
            return
        for part_index, part in enumerate(content):
            if isinstance(part, dict) and part.get("type") == "text" and _is_blank(part.get("text")):
                yield from report_judged(
                    EMPTY_TEXT,
                    view,
                    f"{where}[{part_index}].text",
                    f"{where}[{part_index}] is an empty text part, which {judged_name(EMPTY_TEXT, view)} ({view.model}) "
                    "rejects; drop the part.",
                )
        return
    if scope == "parts" or not _is_blank(content) or message.get("tool_calls"):
        return
    if role == "assistant" and last and scope == "any":
        return  # an empty final assistant message is an (empty) prefill, accepted by Anthropic
    if (scope == "assistant" and role == "assistant") or (
        scope == "any" and role in ("user", "assistant", "system")
    ):
        yield from report_judged(
            EMPTY_TEXT,
            view,
            where,
            f"messages[{index}] ({role}) has empty content, which {judged_name(EMPTY_TEXT, view)} ({view.model}) rejects; "
            "drop the message or give it text.",
        )


#: Who takes each form content.invalid-part flags, for the sentence saying why it stays a warning on a host
#: toolguard cannot name (INVALID_PART's notes): OpenAI's part types and each server's table.
_PART_TABLES: tuple[tuple[str, frozenset[str]], ...] = (
    ("openai", OPENAI_PART_TYPES),
    *PART_TYPES_BY_PROVIDER.items(),
)


def _is_messages_block(part: dict[str, Any]) -> bool:
    """An Anthropic Messages block: one of MESSAGES_API_BLOCKS, an ``image`` only with Anthropic's ``source``
    object (a bare ``{"type": "image", "image": ...}`` is another vendor's shape, not known to be refused)."""
    kind = part.get("type")
    return kind in MESSAGES_API_BLOCKS and (kind != "image" or isinstance(part.get("source"), dict))


def _takers(part: Any, part_type: Any, has_calls: bool) -> tuple[tuple[str, ...], str]:
    """The engines known to take a part content.invalid-part flags (ids, and the sentence saying so); ((), "")
    when every known engine refuses it, ``("?",)`` when no engine's table names its type at all."""
    if has_calls:
        return ("tgi",), "TGI takes a message that carries tool_calls by them and leaves its content unread"
    if isinstance(part, str):
        return ("vllm",), "vLLM reads a plain string in a content array as text"
    if not isinstance(part, dict) or (part_type is not None and not isinstance(part_type, str)):
        return (), ""
    if part_type is None:
        return ("vllm",), "vLLM reads a part without `type` by its keys (image_url, audio_url, ...)"
    ids = tuple(pid for pid, types in _PART_TABLES if part_type in types)
    if ids:
        names = [BUILTIN_PROFILES[pid].name for pid in ids]
        return ids, f"{', '.join(names)} take{'s' if len(names) == 1 else ''} `{part_type}` parts"
    if _is_messages_block(part):
        return (), ""
    return ("?",), (
        f"no engine toolguard knows takes `{part_type}` parts, but only Anthropic Messages blocks are known to "
        "be refused by every engine"
    )


def _taken_behind_host(view: RequestView, pid: str, part: Any, part_type: Any, has_calls: bool) -> str | None:
    """Why a part the unrecognised host's error covers may pass there (``uncertain=`` of Rule.report): an
    engine is known to take it. None where the level is not the unrecognised host's, or where the engine
    behind the host is known and refuses it."""
    if pid not in GROUPS["generic"]:
        return None
    ids, why = _takers(part, part_type, has_calls)
    engine = view.engine.engine if view.engine is not None else None
    if engine is not None and engine in PART_TYPES_BY_PROVIDER and engine not in ids:
        return None
    return why or None


def _check_part(
    view: RequestView, pid: str, role: Any, where: str, index: int, part: Any, *, has_calls: bool = False
) -> Iterator[Finding]:
    part_type = part.get("type") if isinstance(part, dict) else None
    known = PART_TYPES_BY_PROVIDER.get(pid, OPENAI_PART_TYPES)
    if not isinstance(part_type, str) or part_type not in known:
        if pid == "tgi" and has_calls:
            return  # TGI's untagged MessageBody takes the message by its tool_calls, the content unread
        problem = "is not an object" if not isinstance(part, dict) else f"has type {part_type!r}"
        yield from report_judged(
            INVALID_PART,
            view,
            f"{where}.type" if isinstance(part, dict) else where,
            f"{where} {problem}; {judged_name(INVALID_PART, view)} accepts {', '.join(sorted(known))}.",
            uncertain=_taken_behind_host(view, pid, part, part_type, has_calls),
        )
        return
    # A server that judges only some roles (SERVER_ROLE_PARTS) is held to its own table, else OpenAI's.
    role_parts = SERVER_ROLE_PARTS.get(pid, OPENAI_ROLE_PARTS)
    if isinstance(role, str) and role in role_parts and part_type not in role_parts[role]:
        if part_type == "image_url":
            detail = (
                f"Image URLs are only allowed for messages with role 'user', but messages[{index}] has role "
                f"{role!r}. Send the image in a user message after it."
            )
        else:
            allowed = ", ".join(sorted(OPENAI_ROLE_PARTS[role]))
            detail = f"{role} messages accept {allowed} parts only, not {part_type!r}."
        yield from report_judged(PART_NOT_ALLOWED_FOR_ROLE, view, where, detail)
    if part_type == "image_url":
        yield from _check_image(view, pid, where, part)
    elif part_type == "file":
        yield from _check_file(view, where, part)


def file_data_mime(data: str) -> str | None:
    """The MIME type of a base64 ``data:`` URL (lower case, "" when it names none); None when ``data`` is
    not one (bare base64, a plain URL): OpenAI takes inline file bytes only as such a URL."""
    meta, comma, _ = data[:256].partition(",")
    if not meta.lower().startswith("data:") or not comma or not meta.lower().endswith(";base64"):
        return None
    return meta[5:].split(";", 1)[0].strip().lower()


@check(endpoints=(RESPONSES,))
def check_responses_file_data(view: RequestView) -> Iterator[Finding]:
    """A Responses ``input_file``'s inline bytes: any document type the guide lists, as a data URL (the
    source of content.invalid-file-data's text is a Responses request)."""
    items = view.body.get("input")
    if not isinstance(items, list):
        return
    for index, item in enumerate(items):
        content = item.get("content") if isinstance(item, dict) else None
        if not isinstance(content, list):
            continue
        for part_index, part in enumerate(content):
            if not isinstance(part, dict) or part.get("type") != "input_file":
                continue
            data = part.get("file_data")
            if isinstance(data, str) and file_data_mime(data) is None:
                location = f"input[{index}].content[{part_index}].file_data"
                yield from report_judged(
                    INVALID_FILE_DATA,
                    view,
                    location,
                    f"{location} is not a data URL (it starts {data[:24]!r}); send 'data:<mime type>;base64,' "
                    "+ the base64 of the file (e.g. data:application/pdf;base64,...).",
                )


def _check_file(view: RequestView, where: str, part: dict[str, Any]) -> Iterator[Finding]:
    """A ``file`` part's inline ``file_data``: a base64 data URL of a type Chat Completions takes."""
    file = part.get("file")
    data = file.get("file_data") if isinstance(file, dict) else None
    if not isinstance(data, str):
        return  # a file_id part, or a shape the spec rules report
    location = f"{where}.file.file_data"
    mime = file_data_mime(data)
    if mime is None:
        yield from report_judged(
            INVALID_FILE_DATA,
            view,
            location,
            f"{location} is not a data URL (it starts {data[:24]!r}); send 'data:application/pdf;base64,' + "
            "the base64 of the PDF.",
        )
        return
    if mime not in CHAT_FILE_MIMES:
        yield from report_judged(
            INVALID_FILE_DATA,
            view,
            location,
            f"{location} has MIME type {mime or 'none'!r}; Chat Completions takes PDF files only. Convert the "
            "document to PDF, send its text as a text part, or use the Responses API's input_file.",
        )


def _check_image(view: RequestView, pid: str, where: str, part: dict[str, Any]) -> Iterator[Finding]:
    image = part.get("image_url")
    if isinstance(image, str) and pid == "ollama":
        url: Any = image  # Ollama accepts a bare string (code [OLL-GO])
    else:
        url = image.get("url") if isinstance(image, dict) else None
        if not isinstance(url, str):
            yield from report_judged(
                IMAGE_URL_SHAPE,
                view,
                f"{where}.image_url",
                f"{where} needs image_url: {{'url': 'https://...' or 'data:image/png;base64,...'}}.",
            )
            return
        detail = image.get("detail")
        if detail is not None and (not isinstance(detail, str) or detail not in IMAGE_DETAILS):
            yield from report_judged(
                INVALID_DETAIL,
                view,
                f"{where}.image_url.detail",
                f"image_url.detail is {detail!r}; use 'auto', 'low' or 'high' (lower case).",
            )
    location = f"{where}.image_url" + ("" if isinstance(image, str) else ".url")
    yield from _check_url(view, pid, location, url)


def _check_url(view: RequestView, pid: str, location: str, url: str) -> Iterator[Finding]:
    head = url[:16].lower()
    if head.startswith(("http://", "https://")):
        if pid == "ollama" or checked_as(view) == "ollama":
            yield from report_judged(
                REMOTE_IMAGE_UNSUPPORTED,
                view,
                location,
                "Ollama does not download image URLs; send the image as data:image/png;base64,... instead.",
            )
        return
    if head.startswith("data:"):
        meta, comma, payload = url.partition(",")
        mime = meta[5:].split(";", 1)[0].strip().lower()
        if not comma or not meta.lower().endswith(";base64"):
            yield from report_judged(
                INVALID_IMAGE_URL,
                view,
                location,
                "The data URL is not base64-encoded; use data:image/png;base64,<bytes>.",
            )
            return
        if payload.strip() and _not_base64(payload):
            yield from INVALID_BASE64.report(
                view,
                location,
                f"The data URL's payload is not base64 (it starts {payload[:24]!r}); send "
                "'data:image/png;base64,' + the base64 of the image bytes, once.",
            )
            return
        if not payload.strip():
            yield from EMPTY_BASE64.report(
                view,
                location,
                "The data URL carries no bytes; the image was probably not read. Send the base64 of the image.",
            )
            return
        if pid == "ollama":
            if mime not in OLLAMA_IMAGE_MIMES:
                yield from report_judged(
                    NON_IMAGE_DATA_URL,
                    view,
                    location,
                    f"Ollama accepts jpeg, png or webp data URLs, not {mime or 'no type'!r}.",
                )
        elif not mime.startswith("image/"):
            yield from report_judged(
                NON_IMAGE_DATA_URL,
                view,
                location,
                f"The data URL has MIME type {mime or 'none'!r}; image_url parts take image/* only (send a PDF "
                "as a 'file' part).",
            )
        return
    if head.startswith("file://") and pid in ("vllm", "sglang", "llama.cpp"):
        yield from report_judged(
            LOCAL_FILE_URL,
            view,
            location,
            f"{view.provider.name} reads file:// images only when started with a local media path "
            "(llama.cpp --media-path, vLLM --allowed-local-media-path); otherwise send a data URL.",
        )
        return
    yield from report_judged(
        INVALID_IMAGE_URL,
        view,
        location,
        f"The image URL starts with {url[:24]!r}: not http(s) and without the 'data:' prefix. Send "
        "'data:image/png;base64,' + the base64 bytes, or an https URL.",
    )
