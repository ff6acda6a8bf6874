#!/usr/bin/env python3
"""Regenerate toolguard's provider × parameter table from a modelparams.dev checkout (offline).

Source: modelparams.dev (https://github.com/mnfst/modelparams.dev, MIT), one YAML file per
provider/auth/model under ``models/<provider>/``, each listing the request parameters that route
takes, "from the official provider API reference" (its docs/model-parameters-schema.md), with
enum values and numeric ranges, several probed live against the provider's own endpoint.

Why this source and not LiteLLM's ``get_supported_openai_params`` (the brief's first suggestion):
LiteLLM's lists say what LiteLLM forwards or drops, not what the provider takes (it drops
silently, and many configs inherit OpenAI's whole list), and its repository snapshot (1.4 GB) is
over what can be fetched here; modelparams.dev states per host and per model what the host's own
reference documents, is a small checkout whose commit and date can be recorded, and shows the
same model taking different parameters on different hosts. Its scope is narrower by design: the
configurable knobs (sampling, length, reasoning, output format), not transport fields (tools,
stream, stream_options), so the table says nothing about those.

Only the OpenAI Chat Completions surface is read (the README's "API surfaces" table): Anthropic
Messages, Gemini/Vertex generateContent, Bedrock Converse and Cohere's native v2 entries use
other vocabularies and are skipped, as are subscription routes and retired models.

Usage::

    python scripts/refresh_provider_params.py --source path/to/modelparams.dev \\
        [--commit SHA --commit-date YYYY-MM-DD] [--out addon/toolguard_core/data/provider_params.json] \\
        [--date YYYY-MM-DD]

Nothing is downloaded. When ``--source`` is a git checkout its HEAD commit and date are read with
git; otherwise pass them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml  # the test extras' PyYAML: this is a maintainer's tool, never imported at run time

OUT = Path(__file__).resolve().parent.parent / "addon" / "toolguard_core" / "data" / "provider_params.json"
SOURCE_URL = "https://github.com/mnfst/modelparams.dev"

#: modelparams.dev provider slug → toolguard profile id, for the slugs whose entries document the
#: OpenAI Chat Completions wire format (its README, "API surfaces"). Slugs absent here are skipped:
#: anthropic (Messages), google and vertex (generateContent), bedrock (Converse), cohere (native v2
#: chat: stop_sequences, p, k), and hosts toolguard has no profile for (meta, xiaomi, thinking-machines).
CHAT_PROVIDERS: Mapping[str, str] = {
    "openai": "openai",
    "deepseek": "deepseek",
    "xai": "xai",
    "mistral": "mistral",
    "moonshot": "moonshot",
    "alibaba": "dashscope",
    "z-ai": "zhipu",
    "groq": "groq",
    "fireworks": "fireworks",
    "cerebras": "cerebras",
    "nvidia": "nvidia",
    "perplexity": "perplexity",
    "minimax": "minimax",
}


def _git(source: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(source), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def _param(entry: Mapping[str, Any]) -> dict[str, Any]:
    """What the table keeps of one parameter: its enum values and numeric bounds (the rest is UI copy)."""
    kept: dict[str, Any] = {}
    values = entry.get("values")
    if isinstance(values, list) and values:
        kept["values"] = [str(v) for v in values]
    bounds = entry.get("range")
    if isinstance(bounds, Mapping):
        # ``step`` too: a UI step makes ``max`` the last stepped value below an open bound (DashScope's
        # temperature: max 1.9 at step 0.1 for the API's [0.0, 2.0)), so a reader allows up to max + step.
        for side in ("min", "max", "step"):
            if isinstance(bounds.get(side), int | float) and not isinstance(bounds.get(side), bool):
                kept[side] = bounds[side]
    if entry.get("applicability"):
        # Taken only under some settings (e.g. top_p unless thinking is on): listed, never a bound.
        kept["conditional"] = True
    return kept


def read_models(source: Path) -> dict[str, dict[str, Any]]:
    """``{profile id: {model: {wire_id?, params: {path: {...}}}}}`` from ``source/models``."""
    table: dict[str, dict[str, Any]] = {}
    for path in sorted((source / "models").glob("*/*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, Mapping):
            continue
        profile = CHAT_PROVIDERS.get(str(data.get("provider", "")))
        if profile is None or data.get("authType") != "api_key" or data.get("status") == "retired":
            continue
        params = {
            str(entry["path"]): _param(entry)
            for entry in data.get("params") or ()
            if isinstance(entry, Mapping) and isinstance(entry.get("path"), str)
        }
        if not params:
            continue
        model: dict[str, Any] = {"params": dict(sorted(params.items()))}
        if isinstance(data.get("wireId"), str):
            model["wire_id"] = data["wireId"]
        table.setdefault(profile, {})[str(data["model"])] = model
    return {profile: dict(sorted(models.items())) for profile, models in sorted(table.items())}


def build(source: Path, commit: str, commit_date: str, generated: str) -> dict[str, Any]:
    providers = read_models(source)
    return {
        "_meta": {
            "source": "mnfst/modelparams.dev",
            "url": SOURCE_URL,
            "commit": commit,
            "commit_date": commit_date,
            "generated": generated,
            "surface": "OpenAI Chat Completions",
            "catalog_providers": {
                slug: profile for slug, profile in CHAT_PROVIDERS.items() if profile in providers
            },
            "scope": (
                "configurable request parameters per host and model from each host's API reference; transport "
                "fields (tools, tool_choice, stream, stream_options, messages) are out of its scope, and a "
                "parameter it does not list is not proof of rejection"
            ),
        },
        "providers": providers,
    }


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, required=True, help="a modelparams.dev checkout (models/)")
    parser.add_argument("--commit", default="", help="its commit (read with git when --source is a checkout)")
    parser.add_argument("--commit-date", default="", help="its commit date, YYYY-MM-DD (likewise)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--date", default=dt.date.today().isoformat(), help="generated date (default today)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if not (args.source / "models").is_dir():
        parser.error(f"{args.source} has no models/ directory")
    commit, commit_date = args.commit, args.commit_date
    if not commit and (args.source / ".git").exists():
        commit = _git(args.source, "rev-parse", "HEAD")
        commit_date = commit_date or _git(args.source, "log", "-1", "--format=%cs")
    if not commit or not commit_date:
        parser.error("--commit and --commit-date are required when --source is not a git checkout")
    table = build(args.source, commit, commit_date, args.date)
    args.out.write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    models = sum(len(m) for m in table["providers"].values())
    print(f"wrote {args.out}: {len(table['providers'])} providers, {models} models", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
