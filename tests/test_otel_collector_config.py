"""The collector configuration docs/opentelemetry.md prints, checked against the Collector's
documented schema (no collector binary is installable from Debian or PyPI, so it is not run):
every component a pipeline names is declared, each component type is a current name of the
Collector core/contrib, and the filter only tests attributes and verdicts toolguard exports."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from toolguard_core.otel import attributes
from toolguard_core.store import FlowRow
from toolguard_core.verdict import Verdict

DOC = Path(__file__).resolve().parents[1] / "docs" / "opentelemetry.md"

# Component types of otelcol-contrib v0.144.0 and later. The `otlp` and `otlphttp` exporters were
# renamed `otlp_grpc` and `otlp_http` in v0.144.0; the old names are deprecated aliases that log a
# warning at start-up (open-telemetry/opentelemetry-collector#14396, #14397, #14403). The `otlp`
# receiver keeps its name (one component for gRPC and HTTP, #14396).
CURRENT = {
    "receivers": {"otlp"},
    "processors": {"batch", "filter"},
    "exporters": {"otlp_http", "otlp_grpc", "debug"},
}


def collector_config() -> dict[str, Any]:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(), re.S)
    (block,) = [b for b in blocks if "otelcol" in b]
    return yaml.safe_load(block)


def test_the_config_names_the_collector_version_it_is_written_for() -> None:
    text = DOC.read_text()
    assert "v0.144.0" in text


def test_every_component_is_current_and_every_pipeline_reference_is_declared() -> None:
    config = collector_config()
    for kind, names in CURRENT.items():
        for component in config[kind]:
            assert component.split("/")[0] in names, (kind, component)
    for name, pipeline in config["service"]["pipelines"].items():
        for kind in ("receivers", "processors", "exporters"):
            assert set(pipeline.get(kind, [])) <= set(config[kind]), (name, kind)
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"].endswith(":4318")


def test_the_filter_tests_an_attribute_and_a_verdict_toolguard_exports() -> None:
    config = collector_config()
    (condition,) = config["processors"]["filter/verdicts"]["logs"]["log_record"]
    attribute, verdict = re.fullmatch(r'attributes\["(.+)"\] == "(.+)"', condition).groups()
    row = FlowRow(id="f", datetime_utc="2026-11-30T00:00:00Z", verdict=verdict)
    assert attribute in attributes(row)
    assert verdict in set(Verdict)
