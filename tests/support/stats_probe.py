"""A test-only mitmproxy script: the proxy's own ``toolguard.stats``, written every 50 ms to the file
``$TOOLGUARD_TEST_STATS`` (replaced whole, so a reader never sees half of it).

An e2e test loads it beside toolguard (``Mitmdump(stats_probe=True)``) to wait on the event a blind
sleep stood for: a row acknowledged by the writer process (``rows_written``), a constraint pulled
from PostgreSQL and read back by the proxy (``learned_constraints``, ``demoted_rules``). It reads
only: the command is the one a user runs in the mitmproxy console.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

from mitmproxy import ctx

INTERVAL = 0.05


class StatsProbe:
    def __init__(self) -> None:
        self.task: asyncio.Task[None] | None = None

    def running(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        path = Path(os.environ["TOOLGUARD_TEST_STATS"])
        partial = path.with_suffix(".partial")
        while True:
            with contextlib.suppress(Exception):  # toolguard not configured yet, or stopping
                partial.write_text(ctx.master.commands.call("toolguard.stats"))
                partial.replace(path)
            await asyncio.sleep(INTERVAL)

    def done(self) -> None:
        if self.task is not None:
            self.task.cancel()


addons = [StatsProbe()]
