"""What a proxy's stop says of its two sinks (trial21b): the spool's line "N of N rows written to
<spool>" was the only words, and read as stored while PostgreSQL was down at the stop; the OTLP
export said nothing of flows the collector never got. Now the PostgreSQL syncer and the OTLP export
each end with a line: everything delivered (info), or what was not and where it still is (warning).
Real parts: a real spool, a real PostgreSQL server or a closed port, the real OpenTelemetry SDK and
a loopback OTLP/HTTP receiver that decodes what it gets."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from support.ports import refused_port

from toolguard_core.store import FlowRow, open_db, write_rows

psycopg = pytest.importorskip("psycopg")
pgstore = pytest.importorskip("toolguard_core.pgstore")


def _spool(path: Path, count: int) -> Path:
    db = open_db(path)
    write_rows(db, [FlowRow(id=f"f{i}", datetime_utc="2026-12-02T00:00:00.000Z") for i in range(count)])
    db.close()
    return path


def _closed_port() -> int:
    return refused_port()  # held bound: released, a concurrent test's server could take it


def _lines(caplog: pytest.LogCaptureFixture, name: str) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == name]


def test_a_syncer_stopped_while_postgresql_is_down_says_what_did_not_reach_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=pgstore.__name__)
    spool = _spool(tmp_path / "spool.db", 2)
    url = f"postgresql://toolguard:pw@127.0.0.1:{_closed_port()}/toolguard"
    syncer = pgstore.Syncer(spool, url, interval=0.05, gather=0.0)
    syncer.start()
    deadline = time.monotonic() + 20
    while syncer.errors == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    syncer.close()
    level, line = _lines(caplog, pgstore.__name__)[-1]
    target = url.replace(":pw@", ":***@")
    assert level == logging.WARNING
    assert line.startswith(f"toolguard: 2 rows did NOT reach {target} (OperationalError: "), line
    assert line.endswith(
        f"they stay in {spool} and go out at the next start with this spool, or with "
        f"`toolguard sync {spool} {url.replace(':pw@', '@')}`"
    ), line
    assert ":pw@" not in line


def test_a_syncer_that_sent_everything_says_so(
    tmp_path: Path, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=pgstore.__name__)
    spool = _spool(tmp_path / "spool.db", 3)
    syncer = pgstore.Syncer(spool, postgres_url, interval=0.05, gather=0.0)
    syncer.start()
    deadline = time.monotonic() + 20
    while syncer.synced < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    syncer.close()
    assert _lines(caplog, pgstore.__name__)[-1] == (
        logging.INFO,
        f"toolguard: every row of {spool} reached {postgres_url} (3 sent by this run)",
    )


def test_an_export_whose_collector_is_down_says_what_the_collector_did_not_get(
    caplog: pytest.LogCaptureFixture,
) -> None:
    otel = pytest.importorskip("toolguard_core.otel")
    pytest.importorskip("opentelemetry.sdk")
    caplog.set_level(logging.INFO, logger=otel.__name__)
    export = otel.OtlpExport(f"http://127.0.0.1:{_closed_port()}")
    export.on_rows(
        [FlowRow(id="f1", datetime_utc="2026-12-02T00:00:00.000Z", status=400, verdict="unexplained")]
    )
    export.shutdown(timeout=1.0)
    level, line = _lines(caplog, otel.__name__)[-1]
    assert level == logging.WARNING
    assert line.startswith(f"toolguard: OpenTelemetry export to {export.endpoint}: 0 flows exported, 1 "), (
        line
    )
    assert line.endswith("(NOT in the collector; the database has every flow)"), line


def test_an_export_the_collector_took_whole_says_so(caplog: pytest.LogCaptureFixture) -> None:
    otel = pytest.importorskip("toolguard_core.otel")
    pytest.importorskip("opentelemetry.proto")
    from support.otlp import Receiver

    caplog.set_level(logging.INFO, logger=otel.__name__)
    with Receiver() as receiver:
        export = otel.OtlpExport(receiver.url)
        export.on_rows([FlowRow(id=f"f{i}", datetime_utc="2026-12-02T00:00:00.000Z") for i in range(2)])
        export.shutdown()
        assert len(receiver.logs) == 2
    assert _lines(caplog, otel.__name__)[-1] == (
        logging.INFO,
        f"toolguard: OpenTelemetry export to {receiver.url}: 2 flows exported",
    )
