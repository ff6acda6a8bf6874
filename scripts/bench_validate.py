#!/usr/bin/env python3
"""Micro-benchmark: validate a ~1 MB, 400-message agent conversation through ``analyse_request``.

    .venv/bin/python scripts/bench_validate.py [--messages 400] [--repeat 50] [--profile] [--agent]

Prints the JSON parse time and the rule time separately (the target is "well under 1 ms per 100
messages" for the rules, and at most 3 ms for ``analyse_request`` on the clean 1 MB body, issue
#12), ``analyse_request`` for a clean body and for one over the model's context window, then the
time of each check the chat endpoint runs, then ``bench_proxy.py``'s 32 distinct agent turns in rotation
as the validation worker validates them (its history cache) and parsed whole (``--agent``: only those).
CPU time (process time), minimum and median. Not a timed test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from toolguard_core.analyze import analyse_request
from toolguard_core.providers import DEFAULT_REGISTRY
from toolguard_core.request import RequestView, Target
from toolguard_core.rules import memo
from toolguard_core.rules.registry import checks_for

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


def best_of(fn: Any, repeat: int) -> tuple[float, float]:
    """Minimum and median CPU time of ``fn`` (process time: on a shared machine, not the wall clock)."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times), statistics.median(times)


def agent_session(repeat: int) -> None:
    """bench_proxy.py's agent scenario as the validation worker sees it: 32 distinct turns of one
    session in rotation, one target per route, each body parsed with the worker's history cache
    (rules/history.py, rules/walk.py), and parsed whole as before, for comparison."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_proxy import agent_turns

    from toolguard_core.rules.history import HistoryCache

    turns = [json.dumps(turn).encode() for turn in agent_turns()]
    target = Target.from_url(URL, DEFAULT_REGISTRY)
    cache = HistoryCache()
    for raw in turns:  # the bench's first rotation
        assert analyse_request(raw, URL, target=target, history=cache).findings == []
    for label, history in (("the worker's history cache", cache), ("parsed whole", None)):
        times = []
        for _ in range(max(1, repeat // 8)):
            for raw in turns:
                start = time.process_time()
                analyse_request(raw, URL, target=target, history=history)
                times.append(time.process_time() - start)
        print(
            f"agent turns in rotation, {label + ':':28} min {min(times) * 1000:7.3f} ms   "
            f"median {statistics.median(times) * 1000:7.3f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--profile", action="store_true", help="profile the rule pass with cProfile")
    parser.add_argument(
        "--agent", action="store_true", help="only bench_proxy's agent turns (the worker's path)"
    )
    args = parser.parse_args()
    if args.agent:
        agent_session(args.repeat)
        return

    # gpt-4.1 (a 1M-token window) is what scripts/bench_proxy.py sends: a clean request. gpt-4o's
    # 128k window is exceeded by 1 MB, so its row adds the context-window word count (a finding).
    bodies = {}
    for model in ("gpt-4.1", "gpt-4o"):
        body = conversation(args.messages)
        body["model"] = model
        bodies[model] = json.dumps(body).encode()
    body = bodies["gpt-4.1"]
    target = Target.from_url(URL, DEFAULT_REGISTRY)
    checks = checks_for(target.endpoint)
    analysis = analyse_request(body, URL)
    n = len(analysis.body["messages"]) if analysis.body else 0
    print(f"body: {len(body) / 1e6:.2f} MB, {n} messages, {len(checks)} checks for {target.endpoint!r}")
    for model, raw in bodies.items():
        found = analyse_request(raw, URL)
        assert not found.internal_errors, found.internal_errors
        print(f"  {model}: findings {[f.rule for f in found.findings]}")

    parse_min, parse_med = best_of(lambda: json.loads(body), args.repeat)
    orjson_min, orjson_med = best_of(lambda: orjson.loads(body), args.repeat)
    parsed = orjson.loads(body)
    view = RequestView(body=parsed, target=target, size=len(body))
    rules_min, rules_med = best_of(lambda: [list(check(view)) for check in checks], args.repeat)
    per100 = rules_min / n * 100 * 1000
    print(f"json.loads (stdlib):      min {parse_min * 1000:7.3f} ms   median {parse_med * 1000:7.3f} ms")
    print(f"orjson.loads (the addon): min {orjson_min * 1000:7.3f} ms   median {orjson_med * 1000:7.3f} ms")
    print(f"rules (all checks):       min {rules_min * 1000:7.3f} ms   median {rules_med * 1000:7.3f} ms")
    for model, raw in bodies.items():
        total_min, total_med = best_of(lambda raw=raw: analyse_request(raw, URL, target=target), args.repeat)
        print(f"analyse_request {model:9} min {total_min * 1000:7.3f} ms   median {total_med * 1000:7.3f} ms")
    # The same body every time: its tool definitions are remembered after the first run (rules/memo.py),
    # as an agent's are from its second turn on; without that, as for a first turn. (The memo knows
    # the target by identity: one Target, as the worker keeps one per route.)
    remembered, memo.MIN_TOOLS = memo.MIN_TOOLS, 1 << 30
    total_min, total_med = best_of(lambda: analyse_request(body, URL, target=target), args.repeat)
    memo.MIN_TOOLS = remembered
    print(
        f"  gpt-4.1, tools not remembered: min {total_min * 1000:7.3f} ms   median {total_med * 1000:7.3f} ms"
    )
    print(f"rules per 100 messages: {per100:.3f} ms (target: well under 1 ms)")
    agent_session(args.repeat)
    print("per check (min), gpt-4.1 | gpt-4o:")
    over = RequestView(body=orjson.loads(bodies["gpt-4o"]), target=target, size=len(bodies["gpt-4o"]))
    for check in checks:
        check_min, _ = best_of(lambda check=check: list(check(view)), args.repeat)
        over_min, _ = best_of(lambda check=check: list(check(over)), args.repeat)
        print(
            f"  {check_min * 1000:7.3f} | {over_min * 1000:7.3f} ms  {check.__module__}.{check.__qualname__}"
        )
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.repeat):
            for check in checks:
                list(check(view))
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(15)


if __name__ == "__main__":
    main()
