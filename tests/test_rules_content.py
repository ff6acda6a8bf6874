"""Content-part rules over real request shapes, per provider (providers.md §6.4)."""

from __future__ import annotations

from typing import Any

import pytest
from support.rule_cases import findings, predicted_texts

FAMILY = "content."
E, W = "error", "warning"
PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
URL = "messages[0].content[1].image_url.url"


def image_req(image_url: Any, model: str = "gpt-4o") -> dict[str, Any]:
    return {
        "model": model,
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in this image?"},
                    {"type": "image_url", "image_url": image_url},
                ],
            }
        ],
    }


def tool_result_req(content: Any) -> dict[str, Any]:
    call = {"id": "call_1", "type": "function", "function": {"name": "screenshot", "arguments": "{}"}}
    return {
        "model": "gpt-4o",
        "messages": [
            {"role": "user", "content": "Take a screenshot."},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "content": content},
        ],
    }


def file_req(**file: Any) -> dict[str, Any]:
    return {
        "model": "gpt-4o",
        "messages": [
            {
                "role": "user",
                "content": [{"type": "text", "text": "Summarise it."}, {"type": "file", "file": file}],
            }
        ],
    }


CASES = [
    # valid images
    ("https-ok", "openai", image_req({"url": "https://example.com/cat.png", "detail": "high"}), []),
    ("data-url-ok", "openai", image_req({"url": PNG, "detail": "auto"}), []),
    ("data-url-ollama-ok", "ollama", image_req({"url": PNG}), []),
    ("bare-string-ollama-ok", "ollama", image_req(PNG), []),
    # URL scheme and data URLs
    (
        "raw-base64-openai",
        "openai",
        image_req({"url": PNG.removeprefix("data:image/png;base64,")}),
        [("content.invalid-image-url", E, URL)],
    ),
    (
        "local-path-azure",
        "azure",
        image_req({"url": "/tmp/cat.png"}),
        [("content.invalid-image-url", E, URL)],
    ),
    (
        "local-path-llama-cpp",
        "llama.cpp",
        image_req({"url": "cat.png"}),
        [("content.invalid-image-url", E, URL)],
    ),
    ("local-path-groq-warn", "groq", image_req({"url": "cat.png"}), [("content.invalid-image-url", W, URL)]),
    (
        "file-url-openai",
        "openai",
        image_req({"url": "file:///tmp/cat.png"}),
        [("content.invalid-image-url", E, URL)],
    ),
    (
        "file-url-llama-cpp",
        "llama.cpp",
        image_req({"url": "file:///tmp/cat.png"}),
        [("content.local-file-url", W, URL)],
    ),
    (
        "file-url-vllm",
        "vllm",
        image_req({"url": "file:///tmp/cat.png"}),
        [("content.local-file-url", W, URL)],
    ),
    (
        "empty-base64-openai",
        "openai",
        image_req({"url": "data:image/png;base64,"}),
        [("content.empty-base64", E, URL)],
    ),
    (
        "empty-base64-vllm-warn",
        "vllm",
        image_req({"url": "data:image/png;base64,"}),
        [("content.empty-base64", W, URL)],
    ),
    (
        "not-base64-openai",
        "openai",
        image_req({"url": "data:image/svg+xml,<svg/>"}),
        [("content.invalid-image-url", E, URL)],
    ),
    (
        "pdf-data-url-openai",
        "openai",
        image_req({"url": "data:application/pdf;base64,JVBERi0xLjQK"}),
        [("content.non-image-data-url", E, URL)],
    ),
    (
        "gif-ollama",
        "ollama",
        image_req({"url": "data:image/gif;base64,R0lGODlhAQABAAAAACw="}),
        [("content.non-image-data-url", E, URL)],
    ),
    ("gif-openai-ok", "openai", image_req({"url": "data:image/gif;base64,R0lGODlhAQABAAAAACw="}), []),
    # Ollama refuses remote images
    (
        "https-ollama",
        "ollama",
        image_req({"url": "https://example.com/cat.png"}, model="llava"),
        [("content.remote-image-url", E, URL)],
    ),
    ("https-llama-cpp-ok", "llama.cpp", image_req({"url": "https://example.com/cat.png"}), []),
    # detail
    (
        "detail-upper-openai",
        "openai",
        image_req({"url": PNG, "detail": "LOW"}),
        [("content.invalid-image-detail", E, "messages[0].content[1].image_url.detail")],
    ),
    (
        "detail-medium-gemini-warn",
        "gemini",
        image_req({"url": PNG, "detail": "medium"}),
        [("content.invalid-image-detail", W, "messages[0].content[1].image_url.detail")],
    ),
    ("detail-medium-ollama-ignored", "ollama", image_req({"url": PNG, "detail": "medium"}), []),
    # file parts: a base64 data URL of a PDF (OpenAI's file inputs guide: Chat Completions takes PDFs only)
    (
        "file-pdf-ok",
        "openai",
        file_req(filename="a.pdf", file_data="data:application/pdf;base64,JVBERi0x"),
        [],
    ),
    ("file-id-ok", "openai", file_req(file_id="file-abc123"), []),
    (
        # openai/openai-dotnet's CreateFilePart with a .pptx: "... but got unsupported MIME type ..."
        "file-pptx-openai",
        "openai",
        file_req(
            filename="deck.pptx",
            file_data="data:application/vnd.openxmlformats-officedocument.presentationml.presentation;base64,UEsDBBQ",
        ),
        [("content.invalid-file-data", E, "messages[0].content[1].file.file_data")],
    ),
    (
        "file-bare-base64-azure",
        "azure",
        file_req(filename="a.pdf", file_data="JVBERi0xLjQKJcTl8uXr"),
        [("content.invalid-file-data", E, "messages[0].content[1].file.file_data")],
    ),
    (
        # An unknown host serving gpt-4o is judged as OpenAI (the provider inferred from the model name)...
        "file-docx-unknown-host-gpt-4o",
        "generic",
        file_req(filename="a.docx", file_data="data:application/msword;base64,0M8R4KGx"),
        [("content.invalid-file-data", E, "messages[0].content[1].file.file_data")],
    ),
    (
        # ...and a model of no known vendor there gets a warning.
        "file-docx-unknown-host-unknown-model",
        "generic",
        {
            **file_req(filename="a.docx", file_data="data:application/msword;base64,0M8R4KGx"),
            "model": "house-llm",
        },
        [("content.invalid-file-data", W, "messages[0].content[1].file.file_data")],
    ),
    # Other providers' file parts take more document types (OpenRouter and gateways): not judged there.
    (
        "file-docx-openrouter-silent",
        "openrouter",
        file_req(filename="a.docx", file_data="data:application/msword;base64,0M8R"),
        [],
    ),
    # image_url shape
    (
        "bare-string-openai",
        "openai",
        image_req(PNG),
        [("content.image-url-shape", E, "messages[0].content[1].image_url")],
    ),
    (
        "no-url-vllm",
        "vllm",
        image_req({"uri": PNG}),
        [("content.image-url-shape", E, "messages[0].content[1].image_url")],
    ),
    # part types
    (
        "anthropic-image-part-openai",
        "openai",
        {"model": "gpt-4o", "messages": [{"role": "user", "content": [{"type": "image", "source": {}}]}]},
        [("content.invalid-part", E, "messages[0].content[0].type")],
    ),
    (
        "missing-type-openai",
        "openai",
        {"model": "gpt-4o", "messages": [{"role": "user", "content": [{"text": "hi"}]}]},
        [("content.invalid-part", E, "messages[0].content[0].type")],
    ),
    (
        "video-url-vllm-ok",
        "vllm",
        {
            "model": "qwen2.5-vl",
            "messages": [
                {"role": "user", "content": [{"type": "video_url", "video_url": {"url": "https://x/v.mp4"}}]}
            ],
        },
        [],
    ),
    (
        "video-url-openai",
        "openai",
        {
            "model": "gpt-4o",
            "messages": [
                {"role": "user", "content": [{"type": "video_url", "video_url": {"url": "https://x/v.mp4"}}]}
            ],
        },
        [("content.invalid-part", E, "messages[0].content[0].type")],
    ),
    (
        "file-part-llama-cpp",
        "llama.cpp",
        {
            "model": "m",
            "messages": [{"role": "user", "content": [{"type": "file", "file": {"file_id": "file-1"}}]}],
        },
        [("content.invalid-part", E, "messages[0].content[0].type")],
    ),
    (
        "content-object-openai",
        "openai",
        {"model": "gpt-4o", "messages": [{"role": "user", "content": {"type": "text", "text": "hi"}}]},
        [("content.not-string-or-array", E, "messages[0].content")],
    ),
    # DashScope answers OpenAI's text for a content object (coze-studio#2317, nanobot#1344) ...
    (
        "content-object-dashscope",
        "dashscope",
        {"model": "qwen-plus", "messages": [{"role": "user", "content": {"type": "text", "text": "hi"}}]},
        [("content.not-string-or-array", E, "messages[0].content")],
    ),
    (
        "content-number-vllm",
        "vllm",
        {"model": "m", "messages": [{"role": "user", "content": 42}]},
        [("content.not-string-or-array", E, "messages[0].content")],
    ),
    # Ollama's FromChatRequest refuses a content that is neither ("invalid message content type: ..."), unless
    # the message carries tool_calls: it then reads the calls and leaves the content unread; TGI alike.
    (
        "content-object-ollama",
        "ollama",
        {"model": "m", "messages": [{"role": "user", "content": {}}]},
        [("content.not-string-or-array", E, "messages[0].content")],
    ),
    (
        "content-object-with-calls-ollama-ok",
        "ollama",
        {
            "model": "m",
            "messages": [
                {"role": "user", "content": "List the files."},
                {
                    "role": "assistant",
                    "content": {},
                    "tool_calls": [
                        {"id": "call_1", "type": "function", "function": {"name": "ls", "arguments": "{}"}}
                    ],
                },
                {"role": "tool", "tool_call_id": "call_1", "content": "README.md"},
            ],
        },
        [],
    ),
    (
        "content-number-tgi",
        "tgi",
        {"model": "tgi", "messages": [{"role": "user", "content": 42}]},
        [("content.not-string-or-array", E, "messages[0].content")],
    ),
    (
        "content-object-generic-warning",
        "generic",
        {"model": "m", "messages": [{"role": "user", "content": {"type": "text", "text": "hi"}}]},
        [("content.not-string-or-array", W, "messages[0].content")],
    ),
    # ... but its refusal of an unknown part type is undocumented: still a warning there.
    (
        "unknown-part-dashscope-warning",
        "dashscope",
        {
            "model": "qwen-vl-plus",
            "messages": [{"role": "user", "content": [{"type": "image", "image": "x"}]}],
        },
        [("content.invalid-part", W, "messages[0].content[0].type")],
    ),
    (
        "content-array-dashscope-ok",
        "dashscope",
        {"model": "qwen-plus", "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]},
        [],
    ),
    # Ollama takes text, image_url and input_audio parts; any other is "invalid message format" (code).
    (
        "unknown-part-ollama",
        "ollama",
        {"model": "m", "messages": [{"role": "user", "content": [{"type": "x"}]}]},
        [("content.invalid-part", E, "messages[0].content[0].type")],
    ),
    (
        "file-part-ollama",
        "ollama",
        {
            "model": "m",
            "messages": [{"role": "user", "content": [{"type": "file", "file": {"file_id": "f"}}]}],
        },
        [("content.invalid-part", E, "messages[0].content[0].type")],
    ),
    (
        "input-audio-part-ollama-ok",
        "ollama",
        {
            "model": "m",
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}
                    ],
                }
            ],
        },
        [],
    ),
    # TGI's MessageChunk takes text and image_url; a message with tool_calls is read by them.
    (
        "anthropic-image-part-tgi",
        "tgi",
        {"model": "tgi", "messages": [{"role": "user", "content": [{"type": "image", "source": {}}]}]},
        [("content.invalid-part", E, "messages[0].content[0].type")],
    ),
    # parts per role
    ("tool-text-parts-ok", "openai", tool_result_req([{"type": "text", "text": "saved to shot.png"}]), []),
    (
        "tool-image-openai",
        "openai",
        tool_result_req([{"type": "image_url", "image_url": {"url": PNG}}]),
        [("content.part-not-allowed-for-role", E, "messages[2].content[0]")],
    ),
    (
        "assistant-image-openai",
        "openai",
        {
            "model": "gpt-4o",
            "messages": [
                {"role": "user", "content": "Draw a cat"},
                {
                    "role": "assistant",
                    "content": [{"type": "image_url", "image_url": {"url": "https://x/cat.png"}}],
                },
                {"role": "user", "content": "Describe this image"},
            ],
        },
        [("content.part-not-allowed-for-role", E, "messages[1].content[0]")],
    ),
    (
        # vllm-project/vllm#34072 keeps system and developer messages to text ("System messages can only
        # contain text content"); other roles stay open there.
        "system-image-vllm",
        "vllm",
        {
            "model": "m",
            "messages": [{"role": "system", "content": [{"type": "image_url", "image_url": {"url": PNG}}]}],
        },
        [("content.part-not-allowed-for-role", E, "messages[0].content[0]")],
    ),
    (
        "assistant-image-vllm-ok",
        "vllm",
        {
            "model": "m",
            "messages": [
                {"role": "user", "content": "Draw a cat"},
                {"role": "assistant", "content": [{"type": "image_url", "image_url": {"url": PNG}}]},
                {"role": "user", "content": "Describe it"},
            ],
        },
        [],
    ),
    (
        "refusal-in-user-openai",
        "openai",
        {
            "model": "gpt-4o",
            "messages": [{"role": "user", "content": [{"type": "refusal", "refusal": "no"}]}],
        },
        [("content.part-not-allowed-for-role", E, "messages[0].content[0]")],
    ),
    (
        "tool-image-dashscope-warn",
        "dashscope",
        {**tool_result_req([{"type": "image_url", "image_url": {"url": PNG}}]), "model": "qwen-vl-max"},
        [("content.part-not-allowed-for-role", W, "messages[2].content[0]")],
    ),
]


@pytest.mark.parametrize(("provider", "body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_content_rules(provider: str, body: dict[str, Any], expected: list[tuple[str, str, str]]) -> None:
    assert findings(provider, body, FAMILY) == expected


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ("content.invalid-image-url", "but got a value without the 'data:' prefix."),
        ("content.empty-base64", "but got empty base64-encoded bytes."),
        ("content.non-image-data-url", "Invalid MIME type. Only image types are supported."),
        ("content.invalid-image-detail", "Supported values are: 'low', 'high', and 'auto'."),
        ("content.invalid-file-data", "Expected a base64-encoded data URL with an application/pdf MIME type"),
        (
            "content.remote-image-url",
            "image URLs are not currently supported, please use base64 encoded data instead",
        ),
        ("content.part-not-allowed-for-role", "Image URLs are only allowed for messages with role 'user'"),
        ("content.invalid-part", "Invalid value: 'image'. Supported values are: 'text' and 'image_url'."),
        (
            "content.not-string-or-array",
            "expected one of a string or array of objects, but got an object instead",
        ),
    ],
)
def test_rules_predict_the_real_provider_text(rule: str, fragment: str) -> None:
    assert any(fragment in text for text in predicted_texts(rule))
