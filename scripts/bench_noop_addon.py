"""A mitmproxy ``-s`` script that defines the hooks toolguard's script defines, each doing nothing.

The floor of any ``-s`` script (issue #12, session 21): ``scripts/bench_proxy.py --variants noop``
runs plain mitmdump with this script, in the same rounds as toolguard, so the report shows how much
of toolguard's gap to plain mitmdump is mitmproxy walking into a script and calling its hooks at all
(``addonmanager.traverse``, the script's module, one call per hook and flow), and how much is
toolguard's own work. ``scripts/bench_instr.py --live --live-load noop`` counts its instructions.

The hooks are module-level functions, as ``addon/toolguard.py`` exports toolguard's
(``toolguard_core.addon.script_namespace``), with the same names; tests/test_bench_noop.py checks
that the two lists stay equal. Nothing else is imported, so the process holds no more objects than
plain mitmdump's (toolguard's import does, and that is part of what it costs).
"""

from __future__ import annotations


def load(loader):
    pass


def configure(updated):
    pass


def running():
    pass


def done():
    pass


def request(flow):
    pass


def responseheaders(flow):
    pass


def response(flow):
    pass


def error(flow):
    pass


def server_connect_error(data):
    pass


def websocket_start(flow):
    pass


def websocket_message(flow):
    pass


def websocket_end(flow):
    pass
