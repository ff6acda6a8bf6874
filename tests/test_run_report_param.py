"""``toolguard run``'s report of a rejection nothing explains gives the ``param`` the provider blamed,
as ``toolguard show`` does (trial20a).

Found in session 19's new-user trial with opencode through a fake OpenRouter answering Xiaomi's error
(OpenRouter's "Provider returned error" with the provider's body as a string in ``metadata.raw``,
shared/reference/providers.md; the Xiaomi body of a probe row of the corpus): the report said ``upstream: Param Incorrect`` and nothing else, while the provider's whole explanation,
"messages[2] assistant content must contain at least one part", was in its ``param``; ``show`` printed
it. The rows are what the proxy stores (the real body parsed by the real parser, real SQLite)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolguard_analysis.run import report
from toolguard_core.store import FlowRow, RunRow, open_db, write_rows, write_run
from toolguard_core.upstream_errors import parse_error

XIAOMI_VIA_OPENROUTER = {
    "error": {
        "message": "Provider returned error",
        "code": 400,
        "metadata": {
            "raw": json.dumps(
                {
                    "error": {
                        "code": "400",
                        "message": "Param Incorrect",
                        "param": "messages[2] assistant content must contain at least one part",
                        "type": "",
                    }
                }
            ),
            "provider_name": "Xiaomi",
        },
    }
}


def stored(tmp_path: Path, body: dict, verdict: str) -> str:
    error = parse_error(json.dumps(body), status=400)
    db_path = tmp_path / "run.db"
    db = open_db(db_path)
    write_run(db, RunRow(id="run", started_utc="2026-01-01T00:00:00.000Z", requests_seen=1, validated=1,
                         rejected=1, stored=1))  # fmt: skip
    write_rows(
        db,
        [FlowRow(id="aaaaaaaa-0001", datetime_utc="2026-01-01T00:00:01.000Z", run_id="run", method="POST",
                 host="127.0.0.1", port=8080, path="/v1/chat/completions", provider="generic", status=400,
                 verdict=verdict, error_message=error.message, error_param=error.param,
                 error_json=json.dumps(error.summary()))],
    )  # fmt: skip
    db.close()
    return report(db_path, "run")


@pytest.mark.parametrize(
    ("body", "verdict", "said"),
    [
        (
            XIAOMI_VIA_OPENROUTER,
            "unexplained",
            [
                "        upstream: Param Incorrect",
                "        param: messages[2] assistant content must contain at least one part",
            ],
        ),
        # A rejection whose root cause is known says it with its fix; the param adds nothing there.
        (XIAOMI_VIA_OPENROUTER, "recognised", ["        upstream: Param Incorrect"]),
    ],
)
def test_the_param_of_an_unexplained_rejection_is_said(
    tmp_path: Path, body: dict, verdict: str, said: list[str]
) -> None:
    lines = stored(tmp_path, body, verdict).splitlines()
    start = lines.index("  flows:") + 2  # after the flow's own line
    block = lines[
        start : start + next(i for i, line in enumerate(lines[start:]) if not line.startswith(" " * 8))
    ]
    assert block == said
