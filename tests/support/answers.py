"""Real provider error bodies shared by the verdict's, the store's and the end-to-end tests: OpenAI's
answer to an orphan tool message (a rule's own rejection), and answers that name no request rule
(rate limits, credentials, overload, a body the API could not parse), which the rule of decision
(verdict.py) does not credit a finding with."""

# OpenAI's orphan-tool sentence (the seed, LangChain INVALID_TOOL_RESULTS).
OPENAI_ORPHAN = {
    "error": {
        "message": (
            "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with "
            "'tool_calls'."
        ),
        "type": "invalid_request_error",
        "param": "messages.[1].role",
        "code": None,
    }
}

# OpenAI's 429 (TPM), quoted in TheR1D/shell_gpt#653.
OPENAI_429 = {
    "error": {
        "message": (
            "Request too large for gpt-4o in organization org-78asdf87asdf9aaa8976 on tokens per min (TPM): "
            "Limit 30000, Requested 31538. The input or output tokens must be reduced in order to run "
            "successfully. Visit https://platform.openai.com/account/rate-limits to learn more."
        ),
        "type": "tokens",
        "param": None,
        "code": "rate_limit_exceeded",
    }
}
# Anthropic's 529 (anthropics/claude-code#3572; https://docs.anthropic.com/en/api/errors).
ANTHROPIC_529 = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
# OpenAI's 401 (popjane/free_chatgpt_api#3).
OPENAI_401 = {
    "error": {
        "message": (
            "Incorrect API key provided: sk-PMafP***************************************E873. You can find "
            "your API key at https://platform.openai.com/account/api-keys."
        ),
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",
    }
}
# OpenAI's answer to a body that is not JSON (rules/body.py, body.not-json's predicted text).
OPENAI_NOT_JSON = {
    "error": {
        "message": (
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your "
            "HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid "
            "JSON. If you have trouble figuring out how to fix this, please contact us through our help "
            "center at help.openai.com.)"
        ),
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
}

#: Ollama's OpenAI-compatible 404 for a model it has not pulled (netease-youdao/QAnything#555).
OLLAMA_MODEL_NOT_FOUND = {
    "error": {
        "message": 'model "ollama" not found, try pulling it first',
        "type": "api_error",
        "param": None,
        "code": None,
    }
}
