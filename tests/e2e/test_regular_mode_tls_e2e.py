"""End-to-end: the ``openai`` SDK in regular proxy mode, over HTTPS, to a loopback TLS provider.

The client keeps its real base URL (``https://127.0.0.1:PORT/v1``) and reaches it through
``HTTPS_PROXY``; mitmproxy intercepts TLS with its own CA, which the client trusts through
``SSL_CERT_FILE``. mitmdump gets ``ssl_insecure=true`` only because the fake provider's certificate
is self-signed. The client runs in its own process so that it reads the proxy and CA variables
exactly as a user's program would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.proxy import Mitmdump
from support.upstream import ORPHAN_MESSAGE, TLSFiles, Upstream, openai_like

pytestmark = pytest.mark.e2e

TOOLGUARD = Path(sys.executable).parent / "toolguard"
TIMEOUT = 60

# Sends the seed's lone tool message and prints the outcome as JSON. `drop_ca` removes the CA
# variable first, as a client that does not trust mitmproxy would run.
CLIENT = textwrap.dedent(
    """
    import json, os, sys
    if "--drop-ca" in sys.argv:
        os.environ.pop("SSL_CERT_FILE", None)
    import openai
    client = openai.OpenAI(base_url=sys.argv[1], api_key="sk-toolguard-tls-e2e", max_retries=0, timeout=15)
    messages = [{"role": "tool", "content": "action completed!", "tool_call_id": "dummy"}]
    try:
        client.chat.completions.create(model="gpt-4o-mini", messages=messages)
        print(json.dumps({"outcome": "ok"}))
    except openai.BadRequestError as exc:
        print(json.dumps({"outcome": "400", "body": exc.body}))
    except openai.APIConnectionError as exc:
        print(json.dumps({"outcome": "connection-error", "cause": repr(exc.__cause__)}))
    """
)


@pytest.fixture
def tls_upstream(upstream_tls: TLSFiles) -> Iterator[Upstream]:
    server = Upstream(openai_like(), tls=upstream_tls).start()
    yield server
    server.stop()


def run_client(base_url: str, env: dict[str, str], *extra: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", CLIENT, base_url, *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_plain_mitmdump_regular_mode_with_the_ca(
    tls_upstream: Upstream, mitmdump_factory: Callable[..., Mitmdump]
) -> None:
    proxy = mitmdump_factory(options={"ssl_insecure": "true"})
    env = {**os.environ, "HTTPS_PROXY": proxy.url, "SSL_CERT_FILE": str(proxy.ca_cert)}
    env.pop("NO_PROXY", None)
    outcome = run_client(f"{tls_upstream.url}/v1", env)
    assert outcome == {
        "outcome": "400",
        "body": {
            "message": ORPHAN_MESSAGE,
            "type": "invalid_request_error",
            "param": "messages.[0].role",
            "code": None,
        },
    }
    # Without trusting mitmproxy's CA the same client cannot connect: the CA is what makes this work.
    refused = run_client(f"{tls_upstream.url}/v1", env, "--drop-ca")
    assert refused["outcome"] == "connection-error"
    proxy.stop()
    assert proxy.returncode == 0
    assert len(tls_upstream.requests) == 1
    [flow] = proxy.flows("status = 400")
    assert (flow["scheme"], flow["host"], flow["port"], flow["verdict"], flow["error_param"]) == (
        "https",
        "127.0.0.1",
        tls_upstream.port,
        "predicted",
        "messages.[0].role",
    )
    assert [(f["rule"], f["location"]) for f in proxy.findings(flow["id"])] == [
        ("sequence.orphan-tool-message", "messages[0]")
    ]


def test_toolguard_run_regular_mode(tls_upstream: Upstream, tmp_path: Path) -> None:
    """The same, with ``toolguard run --proxy-mode regular`` setting HTTPS_PROXY and SSL_CERT_FILE."""
    db_path = tmp_path / "run.db"
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost"}  # toolguard run must take loopback out
    result = subprocess.run(
        [
            str(TOOLGUARD), "run", "--proxy-mode", "regular", "--db", str(db_path),
            "--confdir", str(tmp_path / "conf"), "--set", "ssl_insecure=true",
            "--", sys.executable, "-c", CLIENT, f"{tls_upstream.url}/v1",
        ],
        env=env, capture_output=True, text=True, timeout=TIMEOUT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["outcome"] == "400"
    assert "        error    sequence.orphan-tool-message at messages[0]" in result.stderr.splitlines()
    assert (
        f"  400  POST 127.0.0.1:{tls_upstream.port}/v1/chat/completions  predicted: rejected by the upstream, "
        "as toolguard predicted" in (result.stderr)
    )
    assert len(tls_upstream.requests) == 1
