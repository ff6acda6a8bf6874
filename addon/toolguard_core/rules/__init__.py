"""Rule modules. Importing this package registers every rule and check, in a fixed order."""

# ruff: noqa: I001  (the import order is the order the checks run in)
from toolguard_core.rules import body, messages, shape, sequence  # noqa: F401  (shape.* first: a malformed turn is named before the pairing it breaks)
from toolguard_core.rules import repairs  # noqa: F401  (client-side repair signatures, issue 6)
from toolguard_core.rules import tools, tool_choice, parallel_tool_calls, response_format, content  # noqa: F401  (issue 3)
from toolguard_core.rules import params, roles, quirks, endpoint, model_id  # noqa: F401  (issue 3: providers)
from toolguard_core.rules import parsers  # noqa: F401  (issue 9 session 17: self-hosted parsers stricter than OpenAI's schema)
from toolguard_core.rules import responses  # noqa: F401  (the Responses API, POST /v1/responses)
from toolguard_core.rules import anthropic  # noqa: F401  (Anthropic's Messages API, POST /v1/messages)
from toolguard_core.rules import gemini  # noqa: F401  (Gemini's native API, :generateContent)
from toolguard_core.rules import converse, ollama  # noqa: F401  (Bedrock Converse; Ollama native /api/chat)
from toolguard_core.rules import model  # noqa: F401  (issue 9: the model catalog, any host)
from toolguard_core.rules import spec  # noqa: F401  (issue 9 round 5: OpenAI's published request schema)
from toolguard_core.rules import provider_params  # noqa: F401  (issue 9 session 15: the provider × parameter table)
from toolguard_core.rules.registry import CHECKS, RULES, Rule, check, define

__all__ = ["CHECKS", "RULES", "Rule", "check", "define"]
