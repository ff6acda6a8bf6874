"""The library behind ``toolguard check``: lint one request body offline through the addon's own code path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from toolguard_analysis.errors import BadParameter, UsageError
from toolguard_core.analyze import Analysis, analyse_request
from toolguard_core.findings import SEVERITY_ORDER, Severity
from toolguard_core.providers import DEFAULT_REGISTRY
from toolguard_core.request import Target

DEFAULT_URL = "https://api.openai.com/v1/chat/completions"


def validate_url(url: str) -> str:
    """``url`` when it is an http(s) URL with a host and a valid port, else :class:`BadParameter`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadParameter(f"{url!r} is not an http(s) URL with a host, e.g. {DEFAULT_URL}", "--url")
    try:
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError as exc:
        raise BadParameter(f"{url!r}: {exc}", "--url") from exc
    return url


def target_for(url: str, providers_file: str | None) -> Target:
    """The target as the addon would see it: built-in profiles, or the user's providers file."""
    if providers_file is None:
        return Target.from_url(url, DEFAULT_REGISTRY)
    try:
        from toolguard_core import profiles_config  # the provider-config loader (issue 3, profiles)
    except ImportError as exc:  # pragma: no cover - depends on the profiles module being present
        raise UsageError(f"--providers is not supported by this build: {exc}") from exc
    try:
        registry = profiles_config.load_registry(Path(providers_file))
    except Exception as exc:  # any problem in the user's file is a usage error, reported clearly
        raise BadParameter(f"{providers_file}: {exc}", "--providers") from exc
    return Target.from_url(url, registry)


def check_body(body: bytes, url: str, providers_file: str | None = None) -> Analysis:
    """Analyse ``body`` as if it were sent to ``url`` (the addon's own :func:`analyse_request`);
    the findings come back sorted by severity."""
    target = target_for(url, providers_file)
    analysis = analyse_request(body, url, target=target)
    analysis.findings.sort(key=lambda f: SEVERITY_ORDER[f.severity])
    return analysis


def render_findings(analysis: Analysis, url: str, fmt: str = "text") -> str:
    """``text``: one line per finding and a count line; ``json``: ``{"findings": [...]}``."""
    if fmt == "json":
        payload: dict[str, Any] = {"findings": [f.model_dump(mode="json") for f in analysis.findings]}
        return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    lines = [finding.one_line() for finding in analysis.findings]
    counts = {s: sum(1 for f in analysis.findings if f.severity == s) for s in Severity}
    lines.append(
        f"{counts[Severity.ERROR]} error(s), {counts[Severity.WARNING]} warning(s) "
        f"for {analysis.target.provider.name} ({url})"
    )
    return "\n".join(lines) + "\n"
