"""Save what a real client sent to the fake provider: request captures and valid-request corpus entries.

Written by ``tests/e2e/test_clients_direct_e2e.py`` when ``TOOLGUARD_RECAPTURE=1``:

* ``tests/data/requests/<client>-<version>-<api>-turn<N>.json``: one HTTP request of a clean run
  (method, path, query, headers, body), or for the Responses WebSocket mode (``<api>`` is
  ``responses-ws``) the ``response.create`` message of that turn; plus
  ``<client>-<version>-responses-ws-frames.json``, the JSON list of every message the client sent on
  the connection (prewarm included);
* one entry per turn in ``tests/data/corpus/valid-clients.jsonl`` (entries of the same client version
  and API are replaced, others kept).

Redaction: the test's API key becomes ``sk-REDACTED`` wherever it appears (credential headers
included); the scratch HOME and project become ``/home/user`` and ``/home/user/project`` (also in
the dash-escaped form Claude Code uses for its project folder), any other scratch path
``/tmp/scratch``; the fake's loopback port ``PORT``. Everything else is what the client sent, re-indented.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from support.clis import API_KEY, NODE_DIR, ClientRun
from support.scripted import SECRET_HEADERS, recorded_headers
from support.upstream import RecordedRequest

DATA = Path(__file__).resolve().parents[1] / "data"
REQUESTS = DATA / "requests"
CORPUS = DATA / "corpus" / "valid-clients.jsonl"
REDACTED = "sk-REDACTED"
LOOPBACK = re.compile(r"127\.0\.0\.1:\d+")  # the fake's port changes every run

# The endpoint each API is served at by the provider the client targets (the fake stood in for it).
PROVIDER_URLS = {
    ("openai", "chat"): "https://api.openai.com/v1/chat/completions",
    ("openai", "responses"): "https://api.openai.com/v1/responses",
    ("openai", "responses-ws"): "wss://api.openai.com/v1/responses",
    ("anthropic", "messages"): "https://api.anthropic.com/v1/messages",
}


def redact(text: str, run: ClientRun) -> str:
    workdir = run.home.parent
    pairs = [
        (API_KEY, REDACTED),
        (str(run.project), "/home/user/project"),
        (str(run.home), "/home/user"),
        (str(run.project).replace("/", "-"), "-home-user-project"),
        (str(workdir), "/tmp/scratch"),
    ]
    for old, new in pairs:
        text = text.replace(old, new)
    return LOOPBACK.sub("127.0.0.1:PORT", text)


def _headers(request: RecordedRequest, run: ClientRun) -> dict[str, str]:
    headers = recorded_headers(request)
    for name, value in request.headers:
        if name.lower() in SECRET_HEADERS:
            headers[name.lower()] = value.replace(API_KEY, REDACTED) if API_KEY in value else "<redacted>"
    return {name: redact(value, run) for name, value in headers.items()}


def _label(run: ClientRun) -> str:
    return f"{run.client.name}-{run.client.version}"


def save(run: ClientRun, requests: Sequence[RecordedRequest]) -> list[Path]:
    """Write the captures of a clean two-turn ``run`` whose turns are ``requests`` (HTTP) or the frames
    of ``requests[0]`` (WebSocket); return the files written."""
    client = run.client
    websocket = client.variant == "websocket"
    api = "responses-ws" if websocket else client.api
    source = f"captured: {client.name}@{client.version} against a loopback provider"
    written: list[Path] = []
    entries: list[dict[str, Any]] = []
    REQUESTS.mkdir(parents=True, exist_ok=True)
    if websocket:
        [connection] = requests
        frames = [json.loads(redact(f, run)) for f in connection.frames]
        turns = [f for f in frames if f.get("generate") is not False]
        frames_file = REQUESTS / f"{_label(run)}-{api}-frames.json"
        frames_file.write_text(json.dumps(frames, indent=1, ensure_ascii=False) + "\n")
        written.append(frames_file)
    for number, turn in enumerate(turns if websocket else requests, start=1):
        capture: dict[str, Any] = {
            "note": (
                f"{source}: turn {number} of a clean run (`{' '.join(_argv(run))}`): turn 1 asks for "
                f"{client.tool_call.name}, turn 2 carries its result. Redacted: the API key ({REDACTED}) "
                "and the scratch paths (/home/user, /home/user/project); otherwise verbatim."
            ),
            "client": client.name,
            "version": client.version,
            "api": api,
        }
        if websocket:
            capture.update(
                method="GET",
                path=connection.path,
                headers=_headers(connection, run),
                message=turn,
            )
            request_body = turn
        else:
            assert isinstance(turn, RecordedRequest)
            request_body = json.loads(redact(turn.body.decode("utf-8"), run))
            capture.update(
                method=turn.method,
                path=turn.path,
                query=turn.query,
                headers=_headers(turn, run),
                body=request_body,
            )
        path = REQUESTS / f"{_label(run)}-{api}-turn{number}.json"
        path.write_text(json.dumps(capture, indent=1, ensure_ascii=False) + "\n")
        written.append(path)
        url = PROVIDER_URLS[(client.provider, api)]
        query = "" if websocket else turn.query
        entries.append(
            {
                "id": f"{_label(run)}-{api}-turn{number}",
                "source": source,
                "client": client.name,
                "provider": client.provider,
                "api": client.api,
                "url": url + (f"?{query}" if query else ""),
                "request": request_body,
                "notes": _notes(run, number, websocket, path),
            }
        )
    _merge_corpus(entries)
    written.append(CORPUS)
    return written


def _argv(run: ClientRun) -> list[str]:
    """The command line, with the install folder and scratch paths shortened."""
    return [Path(a).name if a.startswith(str(NODE_DIR)) else redact(a, run) for a in run.argv]


def _notes(run: ClientRun, number: int, websocket: bool, path: Path) -> str:
    what = (
        "a `response.create` message sent over the Responses WebSocket (GET /v1/responses upgraded)"
        if websocket
        else "an HTTP request body"
    )
    turn = "the first turn (the prompt)" if number == 1 else "the second turn (carries the tool result)"
    return (
        f"{what}; {turn}. The fake provider played OpenAI/Anthropic's wire format and accepted it. "
        f"Same request with headers: tests/data/requests/{path.name}."
    )


def _merge_corpus(entries: Sequence[dict[str, Any]]) -> None:
    CORPUS.parent.mkdir(parents=True, exist_ok=True)
    new_ids = {e["id"] for e in entries}
    kept = []
    if CORPUS.exists():
        for line in CORPUS.read_text().splitlines():
            if line.strip() and json.loads(line)["id"] not in new_ids:
                kept.append(line)
    lines = kept + [json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in entries]
    CORPUS.write_text("\n".join(sorted(lines, key=lambda line: json.loads(line)["id"])) + "\n")
