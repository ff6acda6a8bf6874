"""Client names from stored request headers: a short name with its version from the User-Agent
(plus openai-node's ``x-stainless-*`` headers), as the summary groups and filters them."""

from __future__ import annotations

import json
import re

_CLIENT_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"QwenCode/([\w.\-+]+)"), "QwenCode/{}"),
    (re.compile(r"\blangchain(?:[-_/ ]?\w+)?/([\w.\-+]+)", re.I), "LangChain/{}"),
    (re.compile(r"OpenAI/Python ([\w.\-+]+)"), "OpenAI/Python {}"),
    (re.compile(r"OpenAI/JS ([\w.\-+]+)"), "OpenAI/JS {}"),
    (re.compile(r"^([A-Za-z][\w.\-]*)/([\w.\-+]+)"), "{}/{}"),
]


def parse_client(user_agent: str | None, headers: dict[str, str] | None = None) -> str:
    """A short client name with its version from a User-Agent (plus openai-node's x-stainless headers).

    ``QwenCode/0.24.4 (linux; x64)`` -> ``QwenCode/0.24.4 (OpenAI/JS 5.11.0)`` when the SDK headers are
    there; ``OpenAI/Python 1.54.0`` stays; LangChain's own UA token wins over the SDK it wraps.
    """
    ua = (user_agent or "").strip()
    name = ""
    for pattern, template in _CLIENT_PATTERNS:
        match = pattern.search(ua)
        if match:
            name = template.format(*match.groups())
            break
    if not name:
        name = ua.split(" ")[0][:40] if ua else "(no user-agent)"
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    sdk_version = headers.get("x-stainless-package-version")
    lang = headers.get("x-stainless-lang")
    if sdk_version and not name.startswith("OpenAI/"):
        sdk = {"js": "OpenAI/JS", "python": "OpenAI/Python"}.get((lang or "").lower())
        if sdk:
            name = f"{name} ({sdk} {sdk_version})"
    return name


def headers(raw: str | None) -> dict[str, str]:
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    if isinstance(data, dict):
        return {str(k): str(v) for k, v in data.items()}
    if isinstance(data, list):
        return {str(p[0]): str(p[1]) for p in data if isinstance(p, list | tuple) and len(p) == 2}
    return {}
