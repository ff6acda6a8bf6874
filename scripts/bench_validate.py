#!/usr/bin/env python3
"""Micro-benchmark: validate a ~1 MB, 400-message agent conversation through ``analyse_request``.

    .venv/bin/python scripts/bench_validate.py [--messages 400] [--repeat 50] [--profile]

Prints the JSON parse time and the rule time separately (the target is "well under 1 ms per 100
messages" for the rules; ``json.loads`` of 1 MB alone costs several ms and is paid once per
request by the addon whatever the rules do), then the time of each check. Not a timed test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from toolguard_core.analyze import analyse_request
from toolguard_core.providers import DEFAULT_REGISTRY
from toolguard_core.request import RequestView, Target
from toolguard_core.rules import CHECKS

URL = "https://api.openai.com/v1/chat/completions"


def conversation(n_messages: int) -> dict[str, Any]:
    """System + user, then turns of: assistant with 2 parallel calls, 2 tool results (one with array
    content), an assistant text. Tool outputs are padded so the body is about 1 MB at 400 messages."""
    tools = [
        {
            "type": "function",
            "function": {
                "name": f"tool_{i}",
                "description": "Does one thing well. " * 20,
                "parameters": {
                    "type": "object",
                    "properties": {
                        "path": {"type": "string"},
                        "lines": {"type": "array", "items": {"type": "integer"}},
                    },
                    "required": ["path"],
                },
            },
        }
        for i in range(14)
    ]
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are a coding agent. " * 400},
        {"role": "user", "content": [{"type": "text", "text": "Refactor the project."}]},
    ]
    output = "line of tool output with some code in it\n" * 115
    turn = 0
    while len(messages) + 4 <= n_messages:
        ids = [f"call_{turn}_{k}" for k in range(2)]
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {
                            "name": f"tool_{k}",
                            "arguments": json.dumps({"path": f"src/m{turn}.py"}),
                        },
                    }
                    for k, call_id in enumerate(ids)
                ],
            }
        )
        messages.append({"role": "tool", "tool_call_id": ids[0], "content": output})
        messages.append(
            {"role": "tool", "tool_call_id": ids[1], "content": [{"type": "text", "text": output}]}
        )
        messages.append({"role": "assistant", "content": "Done with this file; next one."})
        turn += 1
    while len(messages) < n_messages:  # top up with complete user/assistant turns
        messages.append(
            {"role": "user" if messages[-1]["role"] == "assistant" else "assistant", "content": "ok"}
        )
    return {"model": "gpt-4o", "stream": True, "messages": messages, "tools": tools}


def best_of(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--profile", action="store_true", help="profile the rule pass with cProfile")
    args = parser.parse_args()

    body = json.dumps(conversation(args.messages)).encode()
    analysis = analyse_request(body, URL)
    n = len(analysis.body["messages"]) if analysis.body else 0
    print(f"body: {len(body) / 1e6:.2f} MB, {n} messages, findings: {[f.rule for f in analysis.findings]}")
    assert not analysis.internal_errors, analysis.internal_errors

    parse_min, parse_med = best_of(lambda: json.loads(body), args.repeat)
    total_min, total_med = best_of(lambda: analyse_request(body, URL), args.repeat)
    parsed = json.loads(body)
    view = RequestView(body=parsed, target=Target.from_url(URL, DEFAULT_REGISTRY))
    rules_min, rules_med = best_of(lambda: [list(check(view)) for check in CHECKS], args.repeat)
    per100 = rules_min / n * 100 * 1000
    print(f"json.loads:          min {parse_min * 1000:7.3f} ms   median {parse_med * 1000:7.3f} ms")
    print(f"rules (all checks):  min {rules_min * 1000:7.3f} ms   median {rules_med * 1000:7.3f} ms")
    print(f"analyse_request:     min {total_min * 1000:7.3f} ms   median {total_med * 1000:7.3f} ms")
    print(f"rules per 100 messages: {per100:.3f} ms (target: well under 1 ms)")
    print("per check (min):")
    for check in CHECKS:
        check_min, _ = best_of(lambda check=check: list(check(view)), args.repeat)
        print(f"  {check_min * 1000:7.3f} ms  {check.__module__}.{check.__qualname__}")
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.repeat):
            for check in CHECKS:
                list(check(view))
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(15)


if __name__ == "__main__":
    main()
