"""parallel_tool_calls.*: the parallel_tool_calls field on a request without tools (moved out of
tools.py so a rule id's prefix names its module, issue #15)."""

from __future__ import annotations

from collections.abc import Iterator

from toolguard_core.findings import Finding, Severity
from toolguard_core.request import RequestView
from toolguard_core.rules.examples import USER
from toolguard_core.rules.inferred import report_judged
from toolguard_core.rules.policy import has_tools
from toolguard_core.rules.registry import PredictedError, check, define, policy

PARALLEL_WITHOUT_TOOLS = define(
    "parallel_tool_calls.without-tools",
    Severity.ERROR,
    "`parallel_tool_calls` is set but the request has no `tools`.",
    policy=policy(error=("openai-family",), silent=("self-hosted",), otherwise=Severity.WARNING),
    predicts=(
        PredictedError(
            provider="openai",
            text=(
                "Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' "
                "are specified."
            ),
            source="https://github.com/Upsonic/Upsonic/issues/323",
            param="parallel_tool_calls",
        ),
    ),
    example={"model": "gpt-4o", "messages": [USER], "parallel_tool_calls": True},
    fixed={"model": "gpt-4o", "messages": [USER]},
    notes="vLLM accepts it; drop the key when a turn sends no tools.",
)


@check
def check_parallel_tool_calls(view: RequestView) -> Iterator[Finding]:
    if view.body.get("parallel_tool_calls") is not None and not has_tools(view.body):
        yield from report_judged(
            PARALLEL_WITHOUT_TOOLS,
            view,
            "parallel_tool_calls",
            "parallel_tool_calls is set but the request sends no tools; drop parallel_tool_calls on "
            "turns without tools.",
        )
