"""Defaults the CLI's ``--help`` names (``toolguard check --url``, ``toolguard run --upstream``,
``toolguard show --format``), declared here, free of imports: the help is printed without loading
the rules and the causes catalogue. The modules that use them (check, run, show) re-export them."""

from __future__ import annotations

#: ``toolguard check``'s endpoints by the body's shape.
DEFAULT_URL = "https://api.openai.com/v1/chat/completions"
RESPONSES_URL = "https://api.openai.com/v1/responses"
MESSAGES_URL = "https://api.anthropic.com/v1/messages"

#: ``toolguard run``'s upstream and the API path its clients' base URL gets.
DEFAULT_UPSTREAM = "https://api.openai.com"
DEFAULT_API_PATH = "/v1"

#: ``toolguard show --format``.
SHOW_FORMATS = ("text", "markdown", "json")
#: ``toolguard show --repair-body``: the request as the client sent it, or as it went upstream.
REPAIR_BODIES = ("before", "after")
