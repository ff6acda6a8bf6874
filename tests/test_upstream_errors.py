"""`parse_error` over real error bodies from many providers; every extracted field is asserted.

Each body comes from the cited public issue thread or source. Where the thread shows the body as a
Python ``repr`` (the openai SDK's ``Error code: 400 - {...}``), it is transcribed to the JSON the
server sent (``None`` -> ``null``, quotes normalised); the texts are unchanged.
"""

from __future__ import annotations

import json
import random

import pytest

from toolguard_core.upstream_errors import MAX_RAW_CHARS, UpstreamError, decode_text, parse_error

E = UpstreamError

# ------------------------------------------------------------------------------ the real bodies

# OpenAI, the seed's lone-ToolMessage case (LangChain INVALID_TOOL_RESULTS page, ../shared/seeds/001).
OPENAI_ORPHAN_TOOL = (
    '{"error": {"message": "Invalid parameter: messages with role \'tool\' must be a response to a '
    'preceeding message with \'tool_calls\'.", "type": "invalid_request_error", '
    '"param": "messages.[4].role", "code": null}}'
)
# OpenAI with a string code: https://github.com/violettoolssite/codexProapi/issues/1
OPENAI_STRING_CODE = """{
  "error": {
    "message": "Missing required parameter: 'tools[0].name'.",
    "type": "invalid_request_error",
    "param": "tools[0].name",
    "code": "missing_required_parameter"
  }
}"""
# Azure OpenAI, wrong deployment (404): https://github.com/chatboxai/chatbox/issues/861
AZURE_DEPLOYMENT = (
    '{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not '
    'exist. If you created the deployment within the last 5 minutes, please wait a moment and try again."}}'
)
# vLLM (current): ErrorResponse(error=ErrorInfo(message, type, param, code: int)) in
# vllm-project/vllm vllm/entrypoints/openai/engine/protocol.py (providers.md [VLLM-ENG]); the message
# is vLLM's, from https://github.com/langchain4j/langchain4j/issues/3475
VLLM_NEW = (
    '{"error":{"message":"\\"auto\\" tool choice requires --enable-auto-tool-choice and '
    '--tool-call-parser to be set","type":"BadRequestError","param":null,"code":400}}'
)
# vLLM (older releases), flat: https://github.com/langchain4j/langchain4j/issues/3475
VLLM_OLD = (
    '{"object":"error","message":"\\"auto\\" tool choice requires --enable-auto-tool-choice and '
    '--tool-call-parser to be set","type":"BadRequestError","param":null,"code":400}'
)
# vLLM 0.2.0, flat with a null code: https://github.com/vllm-project/vllm/issues/1351
VLLM_OLDEST = (
    '{"object":"error","message":"max_tokens must be at least 1, got -53.","type":"invalid_request_error",'
    '"param":null,"code":null}'
)
# llama.cpp llama-server (HTTP 500 for a bad request): https://github.com/QwenLM/Qwen3.8/issues/44
LLAMA_CPP = '{"error":{"code":500,"message":"tools param requires --jinja flag","type":"server_error"}}'
# Ollama /v1: https://github.com/MadcowD/ell/issues/414
OLLAMA_V1 = (
    '{"error": {"message": "json: cannot unmarshal array into Go struct field Message.messages.content '
    'of type string", "type": "invalid_request_error", "param": null, "code": null}}'
)
# Ollama native /api/chat: https://github.com/David-Kunz/gen.nvim/issues/72
OLLAMA_NATIVE = (
    '{"error":"json: cannot unmarshal string into Go struct field ChatRequest.messages of type api.Message"}'
)
# DashScope compatible mode: https://github.com/philschmid/mcp-openai-gemini-llama-example/pull/5
DASHSCOPE_COMPAT = (
    '{"error": {"code": "invalid_parameter_error", "param": null, "message": "<400> '
    'InternalError.Algo.InvalidParameter: messages with role \\"tool\\" must be a response to a '
    'preceeding message with \\"tool_calls\\".", "type": "invalid_request_error"}, '
    '"id": "chatcmpl-c9430ea7-5557-9aa3-b97c-549fb5807715", "request_id": "c9430ea7-5557-9aa3-b97c-549fb5807715"}'
)
# DashScope native API: https://github.com/alibaba/spring-ai-alibaba/issues/1350
DASHSCOPE_NATIVE = (
    '{"request_id":"8b67ed82-c276-9b9f-b7b4-93fa0fd9808b","code":"InvalidParameter","message":"Required '
    'parameter(Prompt) missing or invalid, please check the request parameters."}'
)
# DeepSeek: https://github.com/JohnnyZ93/oai-compatible-copilot/issues/202
DEEPSEEK = (
    '{"error":{"message":"The reasoning_content in the thinking mode must be passed back to the API.",'
    '"type":"invalid_request_error","param":null,"code":"invalid_request_error"}}'
)
# OpenRouter with the upstream's JSON in metadata.raw: https://github.com/reVrost/go-openrouter/pull/21
OPENROUTER_OPENAI = (
    '{"error":{"message":"Provider returned error","code":400,"metadata":{"raw":"{\\n  \\"error\\": {\\n    '
    '\\"message\\": \\"Response input messages must contain the word \'json\' in some form to use '
    '\'text.format\' of type \'json_object\'.\\",\\n    \\"type\\": \\"invalid_request_error\\",\\n    '
    '\\"param\\": \\"input\\",\\n    \\"code\\": null\\n  }\\n}","provider_name":"OpenAI"}},"user_id":"org_2x...f5"}'
)
# OpenRouter relaying Anthropic: https://github.com/farion1231/cc-switch/issues/761 (the thread shows
# metadata.raw unescaped; here it is the JSON string OpenRouter sends)
OPENROUTER_ANTHROPIC = json.dumps(
    {
        "error": {
            "message": "Provider returned error",
            "code": 400,
            "metadata": {
                "raw": '{"type":"error","error":{"type":"invalid_request_error","message":"x-anthropic-billing-header '
                'is a reserved keyword and may not be used in the system prompt."},"request_id":"req_011CXR3vCFq4XACkb1mdp1xh"}',
                "provider_name": "Anthropic",
                "is_byok": False,
            },
        },
        "user_id": "user_2zXpAc2xC9dmXcozfrkPIkOYnb5",
    }
)
# OpenRouter with a plain-text metadata.raw (429): https://github.com/open-webui/computer/issues/293
OPENROUTER_TEXT_RAW = (
    '{"error":{"message":"Provider returned error","code":429,"metadata":{"raw":"z-ai/glm-5.3-flash is '
    "temporarily rate-limited upstream. Please retry shortly, or add your own key to accumulate your rate "
    'limits: ...","provider_name":"BaseTen","limit_source":"upstream_provider_shared_pool","remedy_hint":'
    '"Retry shortly, add your own provider key, or route to another provider"}}}'
)
# Groq: https://github.com/fanenr/chatbot/issues/21
GROQ = '{"error": {"message": "property \'store\' is unsupported, did you mean \'stop\'?", "type": "invalid_request_error"}}'
# Gemini OpenAI-compat, a JSON array: https://github.com/google-gemini/gemini-cli/issues/4701
GEMINI_ARRAY = """[{
    "error": {
      "code": 400,
      "message": "Request contains an invalid argument.",
      "errors": [
        {
          "message": "Request contains an invalid argument.",
          "domain": "global",
          "reason": "badRequest"
        }
      ],
      "status": "INVALID_ARGUMENT"
    }
  }
  ]"""
# Mistral, flat object: https://github.com/solbrowse/extension/issues/16
MISTRAL_FLAT = (
    '{"object":"error","message":"Assistant message must have either content or tool_calls, but not none.",'
    '"type":"invalid_request_error","param":null,"code":null}'
)
# Mistral 422, message is a FastAPI detail dict: https://github.com/editor-code-assistant/eca/issues/231
MISTRAL_DETAIL_DICT = (
    '{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","max_completion_tokens"],'
    '"msg":"Extra inputs are not permitted","input":32000}]},"type":"invalid_request_error","param":null,"code":null}'
)
# Mistral, message is a list plus `detail`, integer code: https://github.com/partITech/php-mistral/issues/76
MISTRAL_LIST = (
    '{"object":"Error","detail":[{"type":"extra_forbidden","loc":["body","tools"],"msg":"Extra inputs are not '
    'permitted","input":[]}],"message":[{"type":"extra_forbidden","loc":["body","tools"],"msg":"Extra inputs '
    'are not permitted","input":[]}],"type":"invalid_request_error","code":3001}'
)
# Mistral (2024) relaying its validator's JSON as a string: https://github.com/mistralai/platform-docs-public/issues/7
MISTRAL_STRINGIFIED = (
    '{"object":"error","message":"{\\"detail\\":[{\\"type\\":\\"extra_forbidden\\",\\"loc\\":[\\"body\\",'
    '\\"frequency_penalty\\"],\\"msg\\":\\"Extra inputs are not permitted\\",\\"input\\":0.0,\\"url\\":'
    '\\"https://errors.pydantic.dev/2.5/v/extra_forbidden\\"}]}","type":"internal_error_proxy","param":null,"code":"1000"}'
)
# Anthropic: https://github.com/anthropics/claude-code/issues/13460
ANTHROPIC = (
    '{"type":"error","error":{"type":"invalid_request_error","message":"messages.48.content.1: unexpected '
    "`tool_use_id` found in `tool_result` blocks: toolu_019ETtGZEhTBXgWPVsdVnXMh. Each `tool_result` block "
    'must have a corresponding `tool_use` block in the previous message."},"request_id":"req_011CVw2h61VEkMCFi3aopkC2"}'
)
# Anthropic, current envelope with request_id: https://github.com/tickernelz/opencode-mem/issues/50
ANTHROPIC_MAX_TOKENS = (
    '{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"},'
    '"request_id":"req_011CYfUGm894GvnVxoN9fNaL"}'
)
# Anthropic before request_id was added (2025-08): https://github.com/anthropics/claude-code/issues/5060
ANTHROPIC_NO_REQUEST_ID = (
    '{"type":"error","error":{"type":"invalid_request_error","message":"messages.6: `tool_use` ids were found '
    "without `tool_result` blocks immediately after: toolu_01AbmHJypDhKqBF7NKdRPJ6d. Each `tool_use` block must "
    'have a corresponding `tool_result` block in the next message."}}'
)
# Anthropic's 529: https://github.com/apify/tester-mcp-client/issues/16
ANTHROPIC_OVERLOADED = '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'
# Claude on Vertex AI: Anthropic's body stringified into Google's envelope (opencode via a relay):
# https://github.com/lbjlaq/Antigravity-Manager/issues/654
ANTHROPIC_VIA_VERTEX = json.dumps(
    {
        "error": {
            "code": 400,
            "message": '{"type":"error","error":{"type":"invalid_request_error","message":"messages.243: `tool_use` '
            "ids were found without `tool_result` blocks immediately after: bash-uOQIdN0O. Each `tool_use` block "
            'must have a corresponding `tool_result` block in the next message."},"request_id":'
            '"req_vrtx_011CX8LKNqFusFUVvygN5vEH"}',
            "status": "INVALID_ARGUMENT",
        }
    }
)
# A Claude Code relay keeping Anthropic's answer as an object: https://github.com/ding113/claude-code-hub/issues/518
ANTHROPIC_VIA_HUB = json.dumps(
    {
        "type": "error",
        "error": {
            "type": "request_fail",
            "upstream_error": {
                "type": "error",
                "error": {
                    "type": "invalid_request_error",
                    "message": "messages.1.content.0: Invalid `signature` in `thinking` block",
                },
                "request_id": "req_011CWkB65DcNzK2MiofhXx8b",
            },
        },
        "request_id": "req_011CWkB65DcNzK2MiofhXx8b",
    }
)
# Moonshot's Anthropic-compatible endpoint (Kimi for Claude Code): https://github.com/LLM-Red-Team/kimi-cc/issues/23
MOONSHOT_ANTHROPIC = (
    '{"error":{"type":"invalid_request_error","message":"Invalid request: text content is empty"}}'
)
# FastAPI detail string (wrong base URL, 404): https://github.com/chatchat-space/Langchain-Chatchat/issues/1094
FASTAPI_DETAIL = '{"detail":"Not Found"}'
# FastAPI validation list (Mistral 422 without its wrapper): https://github.com/Gitlawb/openclaude/issues/739
FASTAPI_VALIDATION = (
    '{"detail":[{"type":"extra_forbidden","loc":["body","store"],"msg":"Extra inputs are not permitted",'
    '"input":false},{"type":"extra_forbidden","loc":["body","max_completion_tokens"],"msg":"Extra inputs are '
    'not permitted","input":8192}]}'
)
# Cerebras, flat: https://github.com/Alishahryar1/free-claude-code/issues/1136 (the terminal's line
# wrap inside the message is joined with one space)
CEREBRAS = (
    '{"message":"messages.2.assistant.reasoning_content: property \'messages.2.assistant.reasoning_content\' '
    "is unsupported\\nmessages.4.assistant.reasoning_content: property 'messages.4.assistant.reasoning_content' "
    'is unsupported","type":"invalid_request_error","param":"validation_error","code":"wrong_api_format"}'
)
# A relay that puts the Gemini body into its own message string:
# https://github.com/lbjlaq/Antigravity-Manager/issues/1942
RELAY_GEMINI = (
    '{\n  "error": {\n    "code": 400,\n    "message": "{\\n  \\"error\\": {\\n    \\"code\\": 400,\\n    '
    '\\"message\\": \\"Request contains an invalid argument.\\",\\n    \\"status\\": \\"INVALID_ARGUMENT\\"\\n  '
    '}\\n}\\n",\n    "status": "UPSTREAM_ERROR"\n  }\n}'
)
# A relay that prefixes the upstream DeepSeek body with text: https://github.com/decolua/9router/issues/773
RELAY_PREFIXED = (
    '{"error":{"message":"[deepseek/deepseek-v4-pro] [400]: {\\"error\\":{\\"message\\":\\"Failed to '
    "deserialize the JSON body into the target type: messages[1].role: unknown variant `developer`, expected "
    'one of `system`, `user`, `assistant`, `tool`, `latest_reminder` at line 1 column 51036\\",\\"type\\":'
    '\\"invalid_request_error\\",\\"param\\":null,\\"code\\":\\"invalid_request_error\\"}} (reset after 30s)"}}'
)
# nginx 404 page for a base URL without /v1: https://github.com/tsundereraws/aisub-translator/issues/2
NGINX_404 = """<html>
<head><title>404 Not Found</title></head>
<body>
<center><h1>404 Not Found</h1></center>
<hr><center>nginx</center>
</body>
</html>"""

DEEPSEEK_INNER_MESSAGE = (
    "Failed to deserialize the JSON body into the target type: messages[1].role: unknown variant "
    "`developer`, expected one of `system`, `user`, `assistant`, `tool`, `latest_reminder` at line 1 column 51036"
)

CASES = [
    pytest.param(
        OPENAI_ORPHAN_TOOL,
        400,
        None,
        E(
            shape="openai",
            message="Invalid parameter: messages with role 'tool' must be a response to a preceeding "
            "message with 'tool_calls'.",
            type="invalid_request_error",
            param="messages.[4].role",
            raw=OPENAI_ORPHAN_TOOL,
        ),
        id="openai-orphan-tool",
    ),
    pytest.param(
        OPENAI_STRING_CODE,
        400,
        None,
        E(
            shape="openai",
            message="Missing required parameter: 'tools[0].name'.",
            type="invalid_request_error",
            param="tools[0].name",
            code="missing_required_parameter",
            raw=OPENAI_STRING_CODE,
        ),
        id="openai-string-code",
    ),
    pytest.param(
        AZURE_DEPLOYMENT,
        404,
        None,
        E(
            shape="openai",
            message="The API deployment for this resource does not exist. If you created the deployment "
            "within the last 5 minutes, please wait a moment and try again.",
            code="DeploymentNotFound",
            raw=AZURE_DEPLOYMENT,
        ),
        id="azure-deployment-not-found",
    ),
    pytest.param(
        VLLM_NEW,
        400,
        None,
        E(
            shape="openai-int-code",
            message='"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
            type="BadRequestError",
            code=400,
            raw=VLLM_NEW,
        ),
        id="vllm-new",
    ),
    pytest.param(
        VLLM_OLD,
        400,
        None,
        E(
            shape="flat-object-error",
            message='"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
            type="BadRequestError",
            code=400,
            raw=VLLM_OLD,
        ),
        id="vllm-old",
    ),
    pytest.param(
        VLLM_OLDEST,
        400,
        None,
        E(
            shape="flat-object-error",
            message="max_tokens must be at least 1, got -53.",
            type="invalid_request_error",
            raw=VLLM_OLDEST,
        ),
        id="vllm-0.2-null-code",
    ),
    pytest.param(
        LLAMA_CPP,
        500,
        None,
        E(
            shape="openai-int-code",
            message="tools param requires --jinja flag",
            type="server_error",
            code=500,
            raw=LLAMA_CPP,
        ),
        id="llama.cpp-500",
    ),
    pytest.param(
        OLLAMA_V1,
        400,
        None,
        E(
            shape="openai",
            message="json: cannot unmarshal array into Go struct field Message.messages.content of type string",
            type="invalid_request_error",
            raw=OLLAMA_V1,
        ),
        id="ollama-v1",
    ),
    pytest.param(
        OLLAMA_NATIVE,
        400,
        None,
        E(
            shape="ollama-string",
            message="json: cannot unmarshal string into Go struct field ChatRequest.messages of type api.Message",
            raw=OLLAMA_NATIVE,
        ),
        id="ollama-native",
    ),
    pytest.param(
        DASHSCOPE_COMPAT,
        400,
        None,
        E(
            shape="dashscope",
            message='<400> InternalError.Algo.InvalidParameter: messages with role "tool" must be a response '
            'to a preceeding message with "tool_calls".',
            type="invalid_request_error",
            code="invalid_parameter_error",
            request_id="c9430ea7-5557-9aa3-b97c-549fb5807715",
            raw=DASHSCOPE_COMPAT,
        ),
        id="dashscope-compat",
    ),
    pytest.param(
        DASHSCOPE_NATIVE,
        400,
        None,
        E(
            shape="dashscope",
            message="Required parameter(Prompt) missing or invalid, please check the request parameters.",
            code="InvalidParameter",
            request_id="8b67ed82-c276-9b9f-b7b4-93fa0fd9808b",
            raw=DASHSCOPE_NATIVE,
        ),
        id="dashscope-native",
    ),
    pytest.param(
        DEEPSEEK,
        400,
        None,
        E(
            shape="openai",
            message="The reasoning_content in the thinking mode must be passed back to the API.",
            type="invalid_request_error",
            code="invalid_request_error",
            raw=DEEPSEEK,
        ),
        id="deepseek",
    ),
    pytest.param(
        OPENROUTER_OPENAI,
        400,
        None,
        E(
            shape="openrouter",
            message="Provider returned error",
            code=400,
            provider_name="OpenAI",
            upstream=E(
                shape="openai",
                message="Response input messages must contain the word 'json' in some form to use "
                "'text.format' of type 'json_object'.",
                type="invalid_request_error",
                param="input",
                raw=json.loads(OPENROUTER_OPENAI)["error"]["metadata"]["raw"],
            ),
            raw=OPENROUTER_OPENAI,
        ),
        id="openrouter-openai",
    ),
    pytest.param(
        OPENROUTER_ANTHROPIC,
        400,
        None,
        E(
            shape="openrouter",
            message="Provider returned error",
            code=400,
            provider_name="Anthropic",
            upstream=E(
                shape="anthropic",
                message="x-anthropic-billing-header is a reserved keyword and may not be used in the system prompt.",
                type="invalid_request_error",
                request_id="req_011CXR3vCFq4XACkb1mdp1xh",
                raw=json.loads(OPENROUTER_ANTHROPIC)["error"]["metadata"]["raw"],
            ),
            raw=OPENROUTER_ANTHROPIC,
        ),
        id="openrouter-anthropic",
    ),
    pytest.param(
        OPENROUTER_TEXT_RAW,
        429,
        None,
        E(
            shape="openrouter",
            message="Provider returned error",
            code=429,
            provider_name="BaseTen",
            upstream=E(
                shape="text",
                message="z-ai/glm-5.3-flash is temporarily rate-limited upstream. Please retry shortly, or add "
                "your own key to accumulate your rate limits: ...",
                raw="z-ai/glm-5.3-flash is temporarily rate-limited upstream. Please retry shortly, or add "
                "your own key to accumulate your rate limits: ...",
            ),
            raw=OPENROUTER_TEXT_RAW,
        ),
        id="openrouter-text-raw",
    ),
    pytest.param(
        GROQ,
        400,
        None,
        E(
            shape="openai",
            message="property 'store' is unsupported, did you mean 'stop'?",
            type="invalid_request_error",
            raw=GROQ,
        ),
        id="groq",
    ),
    pytest.param(
        GEMINI_ARRAY,
        400,
        "application/json; charset=UTF-8",
        E(
            shape="gemini-array",
            message="Request contains an invalid argument.",
            type="INVALID_ARGUMENT",
            code=400,
            raw=GEMINI_ARRAY,
        ),
        id="gemini-array",
    ),
    pytest.param(
        MISTRAL_FLAT,
        400,
        None,
        E(
            shape="flat-object-error",
            message="Assistant message must have either content or tool_calls, but not none.",
            type="invalid_request_error",
            raw=MISTRAL_FLAT,
        ),
        id="mistral-flat",
    ),
    pytest.param(
        MISTRAL_DETAIL_DICT,
        422,
        None,
        E(
            shape="mistral",
            message="body.max_completion_tokens: Extra inputs are not permitted",
            type="invalid_request_error",
            param="body.max_completion_tokens",
            raw=MISTRAL_DETAIL_DICT,
        ),
        id="mistral-detail-dict",
    ),
    pytest.param(
        MISTRAL_LIST,
        422,
        None,
        E(
            shape="mistral",
            message="body.tools: Extra inputs are not permitted",
            type="invalid_request_error",
            param="body.tools",
            code=3001,
            raw=MISTRAL_LIST,
        ),
        id="mistral-list-int-code",
    ),
    pytest.param(
        MISTRAL_STRINGIFIED,
        422,
        None,
        E(
            shape="relay-nested",
            message=json.loads(MISTRAL_STRINGIFIED)["message"],
            type="internal_error_proxy",
            code="1000",
            upstream=E(
                shape="fastapi-validation",
                message="body.frequency_penalty: Extra inputs are not permitted",
                type="extra_forbidden",
                param="body.frequency_penalty",
                raw=json.loads(MISTRAL_STRINGIFIED)["message"],
            ),
            raw=MISTRAL_STRINGIFIED,
        ),
        id="mistral-stringified-detail",
    ),
    pytest.param(
        ANTHROPIC,
        400,
        None,
        E(
            shape="anthropic",
            message="messages.48.content.1: unexpected `tool_use_id` found in `tool_result` blocks: "
            "toolu_019ETtGZEhTBXgWPVsdVnXMh. Each `tool_result` block must have a corresponding `tool_use` "
            "block in the previous message.",
            type="invalid_request_error",
            request_id="req_011CVw2h61VEkMCFi3aopkC2",
            raw=ANTHROPIC,
        ),
        id="anthropic",
    ),
    pytest.param(
        ANTHROPIC_MAX_TOKENS,
        400,
        "application/json",
        E(
            shape="anthropic",
            message="max_tokens: Field required",
            type="invalid_request_error",
            request_id="req_011CYfUGm894GvnVxoN9fNaL",
            raw=ANTHROPIC_MAX_TOKENS,
        ),
        id="anthropic-max-tokens",
    ),
    pytest.param(
        ANTHROPIC_NO_REQUEST_ID,
        400,
        None,
        E(
            shape="anthropic",
            message="messages.6: `tool_use` ids were found without `tool_result` blocks immediately after: "
            "toolu_01AbmHJypDhKqBF7NKdRPJ6d. Each `tool_use` block must have a corresponding `tool_result` block "
            "in the next message.",
            type="invalid_request_error",
            raw=ANTHROPIC_NO_REQUEST_ID,
        ),
        id="anthropic-without-request-id",
    ),
    pytest.param(
        ANTHROPIC_OVERLOADED,
        529,
        "application/json",
        E(shape="anthropic", message="Overloaded", type="overloaded_error", raw=ANTHROPIC_OVERLOADED),
        id="anthropic-overloaded-529",
    ),
    pytest.param(
        ANTHROPIC_VIA_VERTEX,
        400,
        "application/json",
        E(
            shape="relay-nested",
            message=json.loads(ANTHROPIC_VIA_VERTEX)["error"]["message"],
            type="INVALID_ARGUMENT",
            code=400,
            upstream=E(
                shape="anthropic",
                message="messages.243: `tool_use` ids were found without `tool_result` blocks immediately after: "
                "bash-uOQIdN0O. Each `tool_use` block must have a corresponding `tool_result` block in the next "
                "message.",
                type="invalid_request_error",
                request_id="req_vrtx_011CX8LKNqFusFUVvygN5vEH",
                raw=json.loads(ANTHROPIC_VIA_VERTEX)["error"]["message"],
            ),
            raw=ANTHROPIC_VIA_VERTEX,
        ),
        id="anthropic-via-vertex",
    ),
    pytest.param(
        ANTHROPIC_VIA_HUB,
        400,
        "application/json",
        E(
            shape="anthropic",
            type="request_fail",
            request_id="req_011CWkB65DcNzK2MiofhXx8b",
            upstream=E(
                shape="anthropic",
                message="messages.1.content.0: Invalid `signature` in `thinking` block",
                type="invalid_request_error",
                request_id="req_011CWkB65DcNzK2MiofhXx8b",
                # The nested object, re-serialised compactly (the relay sent it as an object, not a string).
                raw=json.dumps(
                    json.loads(ANTHROPIC_VIA_HUB)["error"]["upstream_error"], separators=(",", ":")
                ),
            ),
            raw=ANTHROPIC_VIA_HUB,
        ),
        id="anthropic-via-claude-code-hub",
    ),
    pytest.param(
        MOONSHOT_ANTHROPIC,
        400,
        "application/json",
        E(
            shape="openai",
            message="Invalid request: text content is empty",
            type="invalid_request_error",
            raw=MOONSHOT_ANTHROPIC,
        ),
        id="moonshot-anthropic-endpoint",
    ),
    pytest.param(
        FASTAPI_DETAIL,
        404,
        None,
        E(shape="fastapi-detail", message="Not Found", raw=FASTAPI_DETAIL),
        id="fastapi-detail-string",
    ),
    pytest.param(
        FASTAPI_VALIDATION,
        422,
        None,
        E(
            shape="fastapi-validation",
            message="body.store: Extra inputs are not permitted; "
            "body.max_completion_tokens: Extra inputs are not permitted",
            type="extra_forbidden",
            param="body.store",
            raw=FASTAPI_VALIDATION,
        ),
        id="fastapi-validation-list",
    ),
    pytest.param(
        CEREBRAS,
        400,
        None,
        E(
            shape="flat-message",
            message="messages.2.assistant.reasoning_content: property 'messages.2.assistant.reasoning_content' "
            "is unsupported\nmessages.4.assistant.reasoning_content: property "
            "'messages.4.assistant.reasoning_content' is unsupported",
            type="invalid_request_error",
            param="validation_error",
            code="wrong_api_format",
            raw=CEREBRAS,
        ),
        id="cerebras-flat",
    ),
    pytest.param(
        RELAY_GEMINI,
        400,
        None,
        E(
            shape="relay-nested",
            message=json.loads(RELAY_GEMINI)["error"]["message"],
            type="UPSTREAM_ERROR",
            code=400,
            upstream=E(
                shape="google",
                message="Request contains an invalid argument.",
                type="INVALID_ARGUMENT",
                code=400,
                raw=json.loads(RELAY_GEMINI)["error"]["message"].strip(),
            ),
            raw=RELAY_GEMINI,
        ),
        id="relay-nested-gemini",
    ),
    pytest.param(
        RELAY_PREFIXED,
        400,
        None,
        E(
            shape="relay-nested",
            message=json.loads(RELAY_PREFIXED)["error"]["message"],
            upstream=E(
                shape="openai",
                message=DEEPSEEK_INNER_MESSAGE,
                type="invalid_request_error",
                code="invalid_request_error",
                raw=json.loads(RELAY_PREFIXED)["error"]["message"]
                .split(": ", 1)[1]
                .removesuffix(" (reset after 30s)"),
            ),
            raw=RELAY_PREFIXED,
        ),
        id="relay-nested-prefixed",
    ),
    pytest.param(
        NGINX_404,
        404,
        "text/html",
        E(shape="html", message="404 Not Found", raw=NGINX_404),
        id="html-nginx",
    ),
    pytest.param(b"", 400, None, E(shape="empty", raw=""), id="empty-bytes"),
    pytest.param(None, 400, None, E(shape="empty", raw=""), id="none"),
    pytest.param(
        "Bad Gateway\n",
        502,
        "text/plain",
        E(shape="text", message="Bad Gateway", raw="Bad Gateway\n"),
        id="text",
    ),
]


@pytest.mark.parametrize(("body", "status", "content_type", "expected"), CASES)
def test_parse_error_real_bodies(
    body: str | bytes | None, status: int, content_type: str | None, expected: E
):
    assert parse_error(body, status=status, content_type=content_type) == expected


@pytest.mark.parametrize(("body", "status", "content_type", "expected"), CASES)
def test_bytes_and_text_give_the_same_result(body, status, content_type, expected):
    if isinstance(body, str):
        assert parse_error(body.encode(), status=status, content_type=content_type) == expected


def test_code_keeps_wire_type():
    assert parse_error(OPENAI_STRING_CODE, status=400).code == "missing_required_parameter"
    assert parse_error('{"error":{"message":"m","code":"400"}}', status=400).code == "400"
    assert parse_error('{"error":{"message":"m","code":400}}', status=400).code == 400
    assert parse_error('{"error":{"message":"m","code":true}}', status=400).code == "true"


def test_root_and_effective_message():
    error = parse_error(OPENROUTER_ANTHROPIC, status=400)
    assert error.root().shape == "anthropic"
    assert error.effective_message.startswith("x-anthropic-billing-header")
    assert [e.shape for e in error.chain()] == ["openrouter", "anthropic"]
    plain = parse_error(GROQ, status=400)
    assert plain.root() is plain
    assert parse_error(b"", status=400).effective_message is None


def test_summary_drops_raw_at_every_level():
    summary = parse_error(OPENROUTER_OPENAI, status=400).summary()
    assert "raw" not in summary
    assert "raw" not in summary["upstream"]
    assert summary["upstream"]["param"] == "input"
    assert summary["provider_name"] == "OpenAI"
    json.dumps(summary)  # storable as error_json


def test_bom_and_invalid_utf8():
    error = parse_error(b"\xef\xbb\xbf" + GROQ.encode(), status=400)
    assert error.shape == "openai"
    # A lone Latin-1 byte is read as Latin-1 (decode_text); UTF-8 cut mid-character stays UTF-8.
    broken = parse_error(b'{"error": {"message": "caf\xe9"}}', status=400)
    assert broken.message == "caf\u00e9"
    cut = parse_error('{"error": {"message": "模型不存在"}}'.encode()[:-5] + b'"}}', status=400)
    assert cut.message == "模型不存\ufffd"


def test_raw_and_message_are_bounded():
    huge = json.dumps({"error": {"message": "x" * 100_000, "type": "t"}})
    error = parse_error(huge, status=400)
    assert len(error.raw) == MAX_RAW_CHARS
    assert error.message is not None
    assert len(error.message) < 10_000
    assert error.type == "t"


def test_html_without_title_uses_h1_or_text():
    assert (
        parse_error("<html><body><h1>502 Bad Gateway</h1></body></html>", status=502).message
        == "502 Bad Gateway"
    )
    assert parse_error("<html><body><p>down &amp; out</p></body></html>", status=503).message == "down & out"


def test_json_that_is_not_an_error_object():
    assert parse_error("[]", status=400) == E(shape="unknown", raw="[]")
    assert parse_error("42", status=400) == E(shape="text", message="42", raw="42")
    assert parse_error('"oops"', status=400) == E(shape="text", message='"oops"', raw='"oops"')
    assert parse_error('{"status": "fail", "reason": {"title": "why"}}', status=400) == E(
        shape="unknown", message="why", raw='{"status": "fail", "reason": {"title": "why"}}'
    )


def test_json_inside_a_message_that_is_not_an_error_stays_a_message():
    body = '{"error": {"message": "bad value {\\"a\\": 1}", "type": "invalid_request_error"}}'
    error = parse_error(body, status=400)
    assert error.shape == "openai"
    assert error.upstream is None


def _random_json(rng: random.Random, depth: int = 0):
    kinds = ["str", "int", "float", "null", "bool", "list", "dict"] if depth < 6 else ["str", "int", "null"]
    kind = rng.choice(kinds)
    if kind == "str":
        return rng.choice(["error", "message", "{", '{"error": 1', "<400> x", "", "detail", "\x00", "é" * 3])
    if kind == "int":
        return rng.choice([0, -1, 400, 10**30])
    if kind == "float":
        return rng.random()
    if kind == "null":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    keys = ["error", "message", "detail", "object", "type", "code", "param", "metadata", "raw", "loc", "msg"]
    if kind == "list":
        return [_random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(keys): _random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def test_never_raises_on_random_input():
    rng = random.Random(4)
    bodies: list[bytes | str | None] = [
        None,
        b"\xff\xfe\xfd",
        "[" * 100_000,
        '{"a":' * 50_000 + "1" + "}" * 50_000,
        "1" * 10_000,  # beyond int max str digits
        '{"error": {"message": "' + "\\u" + '"}}',
        "<html" + "<" * 10_000,
        '{"error": {"metadata": {"raw": "' + '{\\"error\\": {\\"metadata\\": {\\"raw\\": 1}}}' + '"}}}',
    ]
    for _ in range(500):
        bodies.append(json.dumps(_random_json(rng)))
        bodies.append(bytes(rng.randrange(256) for _ in range(rng.randint(0, 64))))
    for body in bodies:
        for content_type in (None, "text/html", "application/json"):
            result = parse_error(body, status=400, content_type=content_type)
            assert isinstance(result, UpstreamError)
            assert len(result.raw) <= MAX_RAW_CHARS


def test_relay_nesting_depth_is_bounded():
    body = '{"error": {"message": "x", "type": "t"}}'
    for _ in range(10):
        body = json.dumps({"error": {"message": "relay: " + body, "type": "t"}})
    error = parse_error(body, status=400)
    assert 1 < len(error.chain()) <= 5


# Relays that print the upstream's error as a *Python* dict (the openai SDK's `str(BadRequestError)`,
# LiteLLM's OpenAIError) inside their own JSON message. Messages verbatim from the sources; the
# outer envelope is the OpenAI-shaped one such relays answer with.
PYTHON_REPR_RELAYS = [
    (
        # https://github.com/crewAIInc/crewAI/pull/1620 (LiteLLM's OpenAIError text)
        "litellm.llms.OpenAI.openai.OpenAIError: Error code: 400 - {'error': {'message': \"Invalid parameter: "
        "messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.\", 'type': "
        "'invalid_request_error', 'param': 'messages.[3].role', 'code': None}}",
        UpstreamError(
            shape="openai",
            message="Invalid parameter: messages with role 'tool' must be a response to a preceeding message "
            "with 'tool_calls'.",
            type="invalid_request_error",
            param="messages.[3].role",
        ),
    ),
    (
        # https://github.com/philschmid/mcp-openai-gemini-llama-example/pull/5 (DashScope through the SDK)
        "Error occurred: Error code: 400 - {'error': {'code': 'invalid_parameter_error', 'param': None, "
        "'message': '<400> InternalError.Algo.InvalidParameter: messages with role \"tool\" must be a response "
        "to a preceeding message with \"tool_calls\".', 'type': 'invalid_request_error'}, 'id': "
        "'chatcmpl-c9430ea7-5557-9aa3-b97c-549fb5807715', 'request_id': 'c9430ea7-5557-9aa3-b97c-549fb5807715'}",
        UpstreamError(
            shape="dashscope",
            message='<400> InternalError.Algo.InvalidParameter: messages with role "tool" must be a response '
            'to a preceeding message with "tool_calls".',
            type="invalid_request_error",
            code="invalid_parameter_error",
            request_id="c9430ea7-5557-9aa3-b97c-549fb5807715",
        ),
    ),
]


@pytest.mark.parametrize(("message", "expected_root"), PYTHON_REPR_RELAYS)
def test_relay_printing_a_python_dict_surfaces_the_upstream_error(message, expected_root):
    body = json.dumps({"error": {"message": message, "type": None, "param": None, "code": "400"}})
    error = parse_error(body, status=400)
    assert error.shape == "relay-nested"
    assert error.message == message
    assert error.code == "400"
    root = error.root()
    assert root.model_dump(exclude={"raw"}) == expected_root.model_dump(exclude={"raw"})


def test_python_literal_search_is_bounded_and_safe():
    # Names, calls and attributes are not literals: nothing is evaluated, nothing is found.
    hostile = "Error code: 400 - {'error': __import__('os').system('true')}" + "}" * 10_000
    error = parse_error(json.dumps({"error": {"message": hostile}}), status=400)
    assert error.upstream is None
    assert (error.message or "").startswith("Error code: 400 - {'error': __import__('os')")


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        # A legacy charset named by Content-Type (a French server's ISO-8859-1 error page).
        ("Paramètre invalide : température".encode("latin-1"), "text/plain; charset=ISO-8859-1",
         "Paramètre invalide : température"),
        # Named nowhere and not UTF-8: Latin-1, which maps every byte, instead of replacement characters.
        ('{"error": {"message": "Paramètre invalide"}}'.encode("latin-1"), "application/json",
         '{"error": {"message": "Paramètre invalide"}}'),
        # UTF-8 (the common case), its byte-order mark dropped, under a charset Python does not know.
        ("\ufeff{\"detail\": \"模型不存在\"}".encode("utf-8"), "application/json; charset=x-unknown",
         '{"detail": "模型不存在"}'),
        (b"GBK? \xc4\xa3\xd0\xcd", "text/plain; charset=gbk", "GBK? 模型"),
    ],
)  # fmt: skip
def test_decode_text_reads_the_answer_in_its_charset(body: bytes, content_type: str, expected: str) -> None:
    assert decode_text(body, content_type) == expected


def test_a_latin1_error_message_is_parsed_without_replacement_characters() -> None:
    body = '{"error": {"message": "Paramètre invalide", "code": 400}}'.encode("latin-1")
    assert parse_error(body, status=400, content_type="application/json").message == "Paramètre invalide"
