"""docs/providers.md's tables are generated from the provider profiles and current (CI runs the same
``--check``); and every fact the registry indexes comes from a profile."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from toolguard_core.providers import BUILTIN_PROFILES, DEFAULT_REGISTRY

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "gen_providers_doc.py"


def test_docs_providers_md_is_current() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_profile_host_and_port_is_documented() -> None:
    page = (ROOT / "docs" / "providers.md").read_text(encoding="utf-8")
    for profile in BUILTIN_PROFILES.values():
        for fact in (*profile.hosts, *profile.host_globs, *map(str, profile.local_ports)):
            assert f"`{fact}`" in page, f"{profile.id}: {fact} is missing from docs/providers.md"


def test_registry_indexes_the_profiles() -> None:
    assert DEFAULT_REGISTRY.exact_hosts["codestral.mistral.ai"] == "mistral"
    assert dict(DEFAULT_REGISTRY.local_ports) == {
        8000: "vllm",
        30000: "sglang",
        8080: "llama.cpp",
        1337: "llama.cpp",  # Jan's local server runs llama-server
        11434: "ollama",
        1234: "lmstudio",
    }
    assert ("dashscope*.aliyuncs.com", "dashscope") in DEFAULT_REGISTRY.host_globs
