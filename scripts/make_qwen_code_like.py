#!/usr/bin/env python3
"""Write tests/data/requests/qwen-code-like.json: a request shaped like qwen-code 0.24.4's.

Built from the documented capture in /work/shared/reference/qwen-code.md §3 until a real capture
(tests/data/requests/qwen-code-0.24.4.json) replaces it: a ~27 k-character system prompt, a user
message of several text parts, 14 function tools (~40 KB of schema), parallel tool calls answered
by adjacent tool messages with ARRAY content, ``stream: true``, ``stream_options`` and
``max_tokens``. Deterministic, so re-running it reproduces the committed file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "requests" / "qwen-code-like.json"
TOOL_NAMES = [
    "agent", "edit", "get_goal", "glob", "grep_search", "list_agents", "notebook_edit", "read_file",
    "run_shell_command", "skill", "tool_call", "tool_search", "update_goal", "write_file",
]  # fmt: skip


def _tool(name: str) -> dict[str, Any]:
    sentence = (
        f"Use {name} carefully: read the surrounding context, explain side effects, and prefer small steps. "
    )
    properties: dict[str, Any] = {
        "file_path": {"type": "string", "description": "The absolute path to the file. " * 4},
        "pattern": {"type": "string", "description": "A glob or regular expression pattern. " * 4},
        "limit": {"type": "number", "description": "Maximum number of results to return."},
        "paths": {"type": "array", "items": {"type": "string"}, "description": "Paths to include."},
        "options": {
            "type": "object",
            "description": "Advanced options.",
            "properties": {
                "case_sensitive": {"type": "boolean"},
                "context_lines": {"type": "integer", "minimum": 0},
            },
        },
    }
    if name == "run_shell_command":
        properties = {
            "command": {
                "type": "string",
                "description": "Exact bash command to execute as `bash -c <command>`.",
            },
            "description": {
                "type": "string",
                "description": "Brief description of the command for the user.",
            },
            "directory": {"type": "string", "description": "(OPTIONAL) The absolute path of the directory."},
            "is_background": {"type": "boolean", "description": "Whether to run the command in background."},
        }
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": sentence * 22,
            "parameters": {"type": "object", "properties": properties, "required": [next(iter(properties))]},
        },
    }


def _call(call_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments, separators=(",", ":"))},
    }


def _result(call_id: str, text: str) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": [{"type": "text", "text": text}]}


def build() -> dict[str, Any]:
    system = (
        "You are Qwen Code, a non-interactive CLI agent specializing in software engineering tasks. " * 300
    )[:27000]
    reminders = [
        {"type": "text", "text": "<system-reminder>Skills available: review, test, docs.</system-reminder>"},
        {
            "type": "text",
            "text": "<system-reminder>Today's date is 2026-05-01. OS: linux. cwd: /work/app.\n"
            + "  src/\n    main.py\n    util.py\n  tests/\n" * 40
            + "</system-reminder>",
        },
        {
            "type": "text",
            "text": "<system-reminder>Deferred tools are reachable through tool_search and tool_call."
            "</system-reminder>",
        },
        {"type": "text", "text": "List the Python files, then count the lines of main.py and util.py."},
    ]
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": system},
        {"role": "user", "content": reminders},
    ]
    messages.append(
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [_call("call_a1", "glob", {"pattern": "**/*.py"})],
        }
    )
    messages.append(_result("call_a1", "Found 2 file(s)\n/work/app/src/main.py\n/work/app/src/util.py"))
    # Parallel calls: one assistant message, N adjacent tool messages in call order.
    messages.append(
        {
            "role": "assistant",
            "content": "Counting lines in both files.",
            "tool_calls": [
                _call(
                    "call_b1", "run_shell_command", {"command": "wc -l src/main.py", "description": "count"}
                ),
                _call(
                    "call_b2", "run_shell_command", {"command": "wc -l src/util.py", "description": "count"}
                ),
            ],
        }
    )
    messages.append(
        _result(
            "call_b1", "Command: wc -l src/main.py\nDirectory: (root)\nOutput: 120 src/main.py\nExit Code: 0"
        )
    )
    messages.append(
        _result(
            "call_b2", "Command: wc -l src/util.py\nDirectory: (root)\nOutput: 48 src/util.py\nExit Code: 0"
        )
    )
    return {
        "model": "qwen3-coder-plus",
        "max_tokens": 32768,
        "stream": True,
        "stream_options": {"include_usage": True},
        "messages": messages,
        "tools": [_tool(name) for name in TOOL_NAMES],
    }


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(build(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
