"""mitmdump -s addon/toolguard.py: validate OpenAI-compatible API traffic and record what fails.

This file stays thin: the addon lives in the ``toolguard_core`` package beside it (addon/ is on
sys.path when mitmproxy loads this script, and the package is also installed by ``pip install -e .``).
"""

try:
    from toolguard_core import contentview, contentview_messages, contentview_responses
    from toolguard_core.addon import ToolGuard
except ImportError as exc:  # e.g. a system-wide mitmdump without toolguard's dependencies
    raise ImportError(
        f"toolguard cannot load ({exc}). Run it with the project's environment: "
        "scripts/bootstrap && .venv/bin/mitmdump -s addon/toolguard.py"
    ) from exc

# The "Chat Completions", "Anthropic Messages" and "Responses" views in mitmweb/mitmproxy: the request
# as a conversation, findings in place.
contentview.register()
contentview_messages.register()
contentview_responses.register()

addons = [ToolGuard()]
