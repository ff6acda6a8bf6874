"""Pieces of the example requests shown in docs/rules.md, shared by the rule modules (tools.*,
tool_choice.*, parallel_tool_calls.*). Not a rule module: it defines no rules."""

from __future__ import annotations

from typing import Any

USER = {"role": "user", "content": "What is the weather in Paris?"}
WEATHER_PARAMS = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
    "additionalProperties": False,
}


def example_tool(name: str = "get_weather", parameters: Any = None, **function: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": name, "description": "Weather for a city."}
    spec["parameters"] = WEATHER_PARAMS if parameters is None else parameters
    spec.update(function)
    return {"type": "function", "function": spec}
