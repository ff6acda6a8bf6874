"""``toolguard proxy``: mitmdump with toolguard loaded as an addon of its own, not as a ``-s`` script.

``python -m toolguard_core.launch MITMDUMP_ARGS...`` is mitmproxy's own ``mitmdump`` (its command
line, options, ``config.yaml``, signals and exit status, through ``mitmproxy.tools.main.run``) with
one difference: the :class:`~toolguard_core.addon.ToolGuard` addon is a child of mitmproxy's
ScriptLoader, after the ``-s`` scripts, instead of the module of a script the ScriptLoader loaded.

Why: for every hook of every flow mitmproxy walks every addon and its children
(``addonmanager.traverse`` and ``_iter_hooks``; a small flow has 8 such events: requestheaders,
request, responseheaders, response and the ``update`` after each). A ``-s`` script's hooks sit two
levels below the ScriptLoader (its ``Script``, whose ``addons`` property builds a list on every
walk, then the module); here they sit one level below. A top-level addon of its own would cost
more than both: mitmproxy dispatches each event to each top-level addon through a ``safecall()``
context manager and an ``invoke_addon`` coroutine. Counted live (``scripts/bench_instr.py --live
--opcodes --live-load script,top``, docs/benchmarks.md "Session 18"): toolguard adds +3,223
bytecodes a small request as a script, +3,829 top-level, +2,569 here. Its hooks run where a ``-s``
toolguard given last would: after the ``-s`` scripts, before mitmdump's own flow printer.
``mitmdump -s addon/toolguard.py`` keeps working the same way; this is the lighter launch.

What the ScriptLoader did for a script and this does itself:

* ``configure`` with every option once the command line is read (the ScriptLoader calls a newly
  loaded script's ``configure`` with all option keys): without it toolguard's settings, its store
  and its worker would wait for a ``--set toolguard_*`` that may never come.
* a misspelt ``--set toolguard_*`` (``toolguard_mdoe=block``) said as a start-up error with the
  nearest name (mitmproxy keeps an unknown ``--set`` deferred without a word): ``load``, called
  again when the addon is registered, finds it.
"""

from __future__ import annotations

import sys
from typing import Any

from mitmproxy import addonmanager, hooks
from mitmproxy.addons import script
from mitmproxy.tools import cmdline, dump
from mitmproxy.tools import main as mitmproxy_main

from toolguard_core.addon import ToolGuard, make_addons

#: The program name mitmproxy's parser and its option errors print (``toolguard proxy: ...``).
PROG = "toolguard proxy"


class _ScriptLoaderWithToolGuard(script.ScriptLoader):
    """mitmproxy's ScriptLoader whose children are the ``-s`` scripts and then toolguard.

    Its ``configure`` rebuilds ``addons`` from the ``scripts`` option (mitmproxy/addons/script.py,
    reading each child's ``path``): toolguard is taken out for it and put back last."""

    toolguard: ToolGuard | None = None

    def configure(self, updated: set[str]) -> None:
        if self.toolguard is None or "scripts" not in updated:
            super().configure(updated)
            return
        self.addons = [a for a in self.addons if a is not self.toolguard]
        try:
            super().configure(updated)
        finally:
            self.addons.append(self.toolguard)


class ToolGuardDumpMaster(dump.DumpMaster):
    """mitmdump's master with toolguard one level below its ScriptLoader, after the scripts."""

    def __init__(self, options: Any, **kwargs: Any) -> None:
        super().__init__(options, **kwargs)
        [self.toolguard] = make_addons()
        # Its options declared now, so that the command line's --set toolguard_*=... are parsed
        # with their types (and listed by --options); the addon itself is registered in run(), once.
        self.toolguard.load(addonmanager.Loader(self))
        # Why under the ScriptLoader and not a top-level addon of its own: mitmproxy dispatches
        # every event to each top-level addon through a `safecall()` context manager and an
        # `invoke_addon` coroutine, which cost more than the two levels a -s script sits below it
        # (counted live: +606 bytecodes a small request more than -s, +1,260 more than here).
        loader = self.addons.get("scriptloader")
        loader.__class__ = _ScriptLoaderWithToolGuard
        self.loader = loader

    async def run(self) -> None:
        # The command line, config.yaml and mitmdump's filter options are applied by now
        # (mitmproxy.tools.main.run calls this last). Registered only now, the addon heard none of
        # their changes: it is set up once, from every option, as the ScriptLoader does for a
        # script it has just loaded (mitmproxy/addons/script.py, Script.loadscript: register, which
        # calls `load` again with the same options and finds a misspelt toolguard_* still
        # deferred, then configure with every option key). A start-up error logged there stops
        # mitmdump in errorcheck, exit status 1, as with -s.
        self.loader.toolguard = self.toolguard
        self.loader.addons.append(self.toolguard)
        self.addons.register(self.toolguard)
        self.addons.invoke_addon_sync(self.toolguard, hooks.ConfigureHook(set(self.options.keys())))
        await super().run()


def _filter_options(args: Any) -> dict[str, Any]:
    """mitmdump's positional filter expression, as ``mitmproxy.tools.main.mitmdump`` applies it."""
    if args.filter_args:
        expression = " ".join(args.filter_args)
        return {
            "save_stream_filter": expression,
            "readfile_filter": expression,
            "dumper_filter": expression,
        }
    return {}


def main(argv: list[str] | None = None) -> None:
    """Run the proxy until Ctrl-C/SIGTERM; mitmproxy exits 1 itself on a bad option or start-up error."""
    sys.argv[0] = PROG
    mitmproxy_main.run(
        ToolGuardDumpMaster, cmdline.mitmdump, sys.argv[1:] if argv is None else argv, _filter_options
    )


__all__ = ["PROG", "ToolGuard", "ToolGuardDumpMaster", "main"]

if __name__ == "__main__":
    main()
