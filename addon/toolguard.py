"""mitmdump -s addon/toolguard.py: validate OpenAI-compatible API traffic and record what fails.

This file stays thin: the addon lives in the ``toolguard_core`` package beside it (addon/ is on
sys.path when mitmproxy loads this script, and the package is also installed by ``pip install -e .``).
Outside a checkout, the same script ships inside the package: ``mitmdump -s "$(toolguard addon-path)"``.
"""

try:
    from toolguard_core.addon import script_namespace
except ImportError as exc:  # e.g. a system-wide mitmdump without toolguard's dependencies
    raise ImportError(
        f"toolguard cannot load ({exc}). Run it with the project's environment: "
        "scripts/bootstrap && .venv/bin/mitmdump -s addon/toolguard.py"
    ) from exc

# The addon's hooks and commands as this module's own (script_namespace says why: one level fewer
# for mitmproxy to walk on every hook of every flow); the addon itself is ``toolguard``.
globals().update(script_namespace())
