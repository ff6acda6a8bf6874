"""What this user's upstreams taught toolguard (issue #10, deliverable 3): pure data and checks.

Two kinds of knowledge, both per host and model, both stored by the writer thread in the
``learned`` and ``rule_calibration`` tables (docs/schema.md) and handed to the addon as one
immutable :class:`Knowledge` snapshot (the event loop never reads the database):

- **Learned constraints.** An upstream rejected a request and its answer named what it rejected
  (the :class:`~toolguard_core.causes.Constraint` of the recognised root cause: a parameter, a
  field, a value, a role, a content type or message field (on the role it was refused on), a
  tool-choice form, a schema keyword at any depth of a tool's or response format's schema, a
  tool-call id's shape, a replayed call's missing thought signature, a stated numeric bound the
  request broke; the forms are read in :mod:`toolguard_core.learned_forms`). A later request to
  the same host and model that repeats it gets an error finding ``learned.<kind>`` citing the first
  flow, before the answer arrives. The evidence is the upstream's own error text, quoted in the
  finding: this host rejected exactly this, so it is grounded the way a built-in rule is.
- **Demoted rules.** The upstream accepted a request that carried an error finding of a built-in
  rule, ``toolguard_demote_after`` times: for that host and model the rule's level is a warning.
  This is an input to the severity decision, beside each rule's declared provider levels
  (:mod:`toolguard_core.rules.policy`): the declared level says what the provider documents, the
  calibration says what this user's own upstream (an older server, a gateway that drops the field)
  was seen to do. :func:`calibrate` applies both inputs where findings are made (``analyse_request``).

Pure: no mitmproxy import and no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from toolguard_core.causes import Constraint, ConstraintKind
from toolguard_core.engines import ENGINE_KIND, ENGINES, GATEWAY_KIND, HostEngine, engine_name
from toolguard_core.findings import Finding, Severity
from toolguard_core.learned_forms import THOUGHT_SIGNATURE, id_shape, tool_call_ids, unsigned_calls
from toolguard_core.rules.registry import DEMOTED_NOTE
from toolguard_core.rules.schemas import schema_keywords

if TYPE_CHECKING:
    from toolguard_core.providers import ProviderProfile

# Declared in the import-free toolguard_core.upstreams (the CLI's `learned list|forget` and the
# summary's --host filter name upstreams without loading the causes catalogue and the rules);
# re-exported here, where they were.
from toolguard_core.upstreams import LEARNED_PREFIX as LEARNED_PREFIX
from toolguard_core.upstreams import is_learned as is_learned
from toolguard_core.upstreams import learned_host as learned_host
from toolguard_core.upstreams import learned_rule as learned_rule
from toolguard_core.upstreams import listed as listed
from toolguard_core.upstreams import upstream_name as upstream_name
from toolguard_core.upstreams import upstream_name_sql as upstream_name_sql

__all__ = [
    "LEARNED_PREFIX",
    "Calibration",
    "HostEngine",
    "Knowledge",
    "LearnedConstraint",
    "LearnedServer",
    "calibrate",
    "host_engine",
    "learned_rule",
    "listed",
    "repeats",
    "upstream_name",
    "upstream_name_sql",
]

#: Texts quoted in a finding are cut here (the whole text is in the ``learned`` table).
QUOTE_CHARS = 200


@dataclass(frozen=True, slots=True)
class LearnedConstraint:
    """One row of the ``learned`` table: what ``host`` rejected for ``model`` ('' for any model)."""

    kind: ConstraintKind
    name: str | None
    value: str | None
    cause_id: str | None
    error_text: str
    first_flow: str

    @property
    def constraint(self) -> Constraint:
        return Constraint(kind=self.kind, name=self.name, value=self.value)

    @property
    def rule(self) -> str:
        return learned_rule(self.kind)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "value": self.value,
            "cause_id": self.cause_id,
            "error_text": self.error_text,
            "first_flow": self.first_flow,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LearnedConstraint:
        return cls(
            kind=data["kind"],
            name=data.get("name"),
            value=data.get("value"),
            cause_id=data.get("cause_id"),
            error_text=data.get("error_text") or "",
            first_flow=data.get("first_flow") or "",
        )


@dataclass(frozen=True, slots=True)
class LearnedServer:
    """One ``engine`` or ``gateway`` row of the ``learned`` table (toolguard_core.engines): what an
    answer of ``host`` said about the server behind it, for the flow's ``model``."""

    kind: str
    name: str
    via: str
    signature: str
    text: str
    first_flow: str

    def as_json(self) -> list[str]:
        return [self.kind, self.name, self.via, self.signature, self.text, self.first_flow]

    @classmethod
    def from_json(cls, data: Any) -> LearnedServer:
        kind, name, via, signature, text, first_flow = (str(v) for v in data)
        return cls(kind, name, via, signature, text, first_flow)


@dataclass(frozen=True, slots=True)
class Calibration:
    """What is known about one host and model: learned constraints, demoted rule ids, and what its
    answers said about the server behind it (``servers``)."""

    constraints: tuple[LearnedConstraint, ...] = ()
    demoted: frozenset[str] = frozenset()
    servers: tuple[LearnedServer, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.constraints or self.demoted or self.servers)

    def merged(self, other: Calibration) -> Calibration:
        return Calibration(
            self.constraints + other.constraints, self.demoted | other.demoted, self.servers + other.servers
        )

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "constraints": [c.as_json() for c in self.constraints],
            "demoted": sorted(self.demoted),
        }
        if self.servers:
            out["servers"] = [s.as_json() for s in self.servers]
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Calibration:
        if not data:
            return EMPTY
        return cls(
            tuple(LearnedConstraint.from_json(c) for c in data.get("constraints") or ()),
            frozenset(data.get("demoted") or ()),
            tuple(LearnedServer.from_json(s) for s in data.get("servers") or ()),
        )


EMPTY = Calibration()


@dataclass(frozen=True, slots=True)
class Knowledge:
    """An immutable snapshot of both tables, keyed by (host, model); model '' means any model."""

    by_key: Mapping[tuple[str, str], Calibration] = field(default_factory=dict)
    #: The learned engines and gateways by host: (model, server) pairs (engine_for reads one host's).
    _servers: dict[str, list[tuple[str, LearnedServer]]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        for (host, model), calibration in self.by_key.items():
            for server in calibration.servers:
                self._servers.setdefault(host, []).append((model, server))

    def __len__(self) -> int:
        return len(self.by_key)

    def for_request(self, host: str, model: str | None) -> Calibration:
        host = host.lower()
        calibration = self.by_key.get((host, model or ""), EMPTY)
        if model:
            calibration = calibration.merged(self.by_key.get((host, ""), EMPTY))
        return calibration

    def for_host(self, host: str) -> Knowledge:
        """The part about one host (what a validation worker needs for one request)."""
        host = host.lower()
        return Knowledge({key: c for key, c in self.by_key.items() if key[0] == host})

    def engine_for(self, host: str, model: str | None, *, host_wide: bool) -> HostEngine | None:
        """The engine ``host``'s answers named, for a request of ``model`` (None when none did, or two
        engines did). ``host_wide``: the host is one server (an unrecognised or self-hosted one), so an
        engine learned from any model's answer holds for all of them, unless a gateway was seen in
        between (its headers, an engine's text wrapped in a gateway's, or two engines' texts): a router may send each
        model to another engine (GitHub Models and NVIDIA NIM do), and there, as on a hosted API, the
        engine holds for the model it was learned for only."""
        found = self._servers.get(host.lower(), ())
        engines = [(m, s) for m, s in found if s.kind == ENGINE_KIND and s.name in ENGINES]
        if not engines:
            return None
        # Two engines on one host: a router too.
        routed = (
            any(s.kind == GATEWAY_KIND or s.via for _, s in found) or len({s.name for _, s in engines}) > 1
        )
        if not (host_wide and not routed):
            engines = [(m, s) for m, s in engines if m == (model or "")]
        if len({s.name for _, s in engines}) != 1:
            return None
        server = engines[0][1]
        how = f"{server.via}'s quote of " if server.via else ""
        return HostEngine(
            server.name,
            f"this host answers with {engine_name(server.name)}'s texts (learned from {how}its answer in flow "
            f"{server.first_flow}: {_quote(server.text)!r}; `toolguard learned forget --rule learned.engine` "
            "if that changed)",
        )

    def holds(self, host: str, model: str, learned: LearnedConstraint) -> bool:
        """Whether ``learned`` (its kind, name and value) is known for exactly this host and model key."""
        key = (learned.kind, learned.name, learned.value)
        return any(
            (c.kind, c.name, c.value) == key
            for c in self.by_key.get((host.lower(), model), EMPTY).constraints
        )

    def with_constraint(self, host: str, model: str, learned: LearnedConstraint) -> Knowledge:
        """A new snapshot with ``learned`` added for ``host`` and ``model`` (this one when it holds it):
        what the proxy read in a rejection itself, before the writer's snapshot says it (block and
        repair mode, addon._learn_early)."""
        if self.holds(host, model, learned):
            return self
        key = (host.lower(), model)
        return Knowledge({**self.by_key, key: self.by_key.get(key, EMPTY).merged(Calibration((learned,)))})

    def as_json(self) -> list[list[Any]]:
        return [[host, model, c.as_json()] for (host, model), c in self.by_key.items()]

    @classmethod
    def from_json(cls, data: Any) -> Knowledge:
        if not data:
            return NOTHING_LEARNED
        return cls({(host, model): Calibration.from_json(c) for host, model, c in data})

    @property
    def constraint_count(self) -> int:
        return sum(len(c.constraints) for c in self.by_key.values())

    @property
    def demotion_count(self) -> int:
        return sum(len(c.demoted) for c in self.by_key.values())

    @property
    def servers(self) -> list[tuple[str, str, LearnedServer]]:
        """Every learned engine and gateway: (host, model, what)."""
        return [(host, model, s) for (host, model), c in self.by_key.items() for s in c.servers]


NOTHING_LEARNED = Knowledge()


def demoted_finding(finding: Finding) -> Finding:
    """A demoted rule's error, as a warning with the demotion's note: what the proxy makes of it
    (:func:`calibrate`), what the writer stores for a request judged before the proxy knew
    (Capture.apply_demoted) and what the proxy's console line then says (addon._hear_verdicts)."""
    return finding.model_copy(
        update={"severity": Severity.WARNING, "message": finding.message + DEMOTED_NOTE}
    )


def calibrate(body: Mapping[str, Any], findings: list[Finding], calibration: Calibration) -> list[Finding]:
    """The findings with this host's calibration applied: each learned constraint the body repeats
    adds a ``learned.*`` error (one per constraint).

    Demoted rules are an input of the level where it is decided (``Rule.report`` reads
    ``RequestView.demoted``); a check that still makes its finding at a fixed severity
    (``rule.finding``) has no policy to consult, so its error of a demoted rule is lowered here."""
    if not calibration:
        return findings
    out: list[Finding] = []
    for finding in findings:
        if finding.severity == Severity.ERROR and finding.rule in calibration.demoted:
            finding = demoted_finding(finding)
        out.append(finding)
    seen: set[tuple[str, str | None, str | None]] = set()
    for learned in calibration.constraints:
        key = (learned.kind, learned.name, learned.value)
        if key in seen:
            continue
        seen.add(key)
        location = next(repeats(body, learned.constraint), None)
        if location is None:
            continue
        text = " ".join(learned.error_text.split())
        if len(text) > QUOTE_CHARS:
            text = text[: QUOTE_CHARS - 1] + "…"
        message = (
            f"This host rejected {_describe(learned.constraint)} for this model before "
            f"(flow {learned.first_flow}): {text!r}. Remove or change it, or `toolguard learned forget` "
            "if the upstream has changed."
        )
        # A learned rule the upstream kept accepting since is demoted like a built-in one.
        demoted = learned.rule in calibration.demoted
        out.append(
            Finding(
                rule=learned.rule,
                severity=Severity.WARNING if demoted else Severity.ERROR,
                location=location,
                message=message + (DEMOTED_NOTE if demoted else ""),
            )
        )
    return out


def host_engine(
    profile: ProviderProfile, knowledge: Knowledge | None, host: str, model: str | None
) -> HostEngine | None:
    """The engine a request to ``host`` is judged by beside its profile: the profile's declared one
    (with its evidence), else one this host's answers named (:meth:`Knowledge.engine_for`; host-wide on
    an unrecognised or self-hosted server, per model on a hosted API)."""
    if profile.engine is not None and profile.engine_evidence:
        return HostEngine(
            profile.engine,
            f"{profile.name} serves its models on {engine_name(profile.engine)} ({profile.engine_evidence})",
        )
    if not knowledge:
        return None
    return knowledge.engine_for(host, model, host_wide=profile.id == "generic" or profile.local)


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"


def _describe(constraint: Constraint) -> str:
    name, value = constraint.name, constraint.value
    match constraint.kind:
        case "param" | "field":
            return f"the {constraint.kind} {name!r}"
        case "value":
            return f"{name} = {value!r}" if value is not None else f"this value of {name}"
        case "message_field":
            return f"the message field {name!r}" + (f" on a {value} message" if value else "")
        case "role":
            return f"this role order ({name}{', ' + value if value else ''})"
        case "content_type":
            return f"content of type {name!r}" + (f" in a {value} message" if value else "")
        case "tool_choice":
            return f"tool_choice {value or name!r}"
        case "schema_keyword":
            return f"the JSON Schema keyword {name!r} in {value or 'a schema'}"
        case "id_format":
            return f"a tool-call id of the form {value!r}"
        case "missing_field":
            return f"a replayed function call without its {name}"
        case "bound":
            side = "below" if (value or "").startswith("<") else "above"
            return f"{name} {side} {(value or '')[1:]}"
    return f"{constraint.kind} {name!r}"  # pragma: no cover - every kind is handled above


# ------------------------------------------------------------------------------ matching a body

_ROLES_THAT_ALTERNATE = frozenset({"user", "assistant"})


def repeats(body: Mapping[str, Any], constraint: Constraint) -> Iterator[str]:
    """The locations where ``body`` repeats what ``constraint`` names (empty when it does not).

    Never raises on any JSON value."""
    try:
        yield from _repeats(body, constraint)
    except Exception:  # defensive: a body of unexpected shape is not a repeat
        return


def _repeats(body: Mapping[str, Any], constraint: Constraint) -> Iterator[str]:
    name, value = constraint.name, constraint.value
    kind = constraint.kind
    if kind in ("param", "field"):
        if name and _get(body, name) is not None:
            yield name
    elif kind == "value":
        if name and value is not None:
            found = _get(body, name)
            if found is not None and _same(found, value):
                yield name
    elif kind == "tool_choice":
        choice = body.get("tool_choice")
        form = (
            choice if isinstance(choice, str) else (choice.get("type") if isinstance(choice, dict) else None)
        )
        wanted = value or name
        if form is not None and wanted is not None and wanted != "tool_choice" and _same(form, wanted):
            yield "tool_choice"
    elif kind == "message_field":
        for index, message in _messages(body):
            if name and name in message and (value is None or message.get("role") == value):
                yield f"messages[{index}].{name}"
    elif kind == "content_type":
        for index, message in _messages(body):
            if value is not None and message.get("role") != value:
                continue  # refused on this role only
            content = message.get("content")
            if name == "array":
                if isinstance(content, list):
                    yield f"messages[{index}].content"
            elif isinstance(content, list):
                for part_index, part in enumerate(content):
                    if isinstance(part, dict) and part.get("type") == name:
                        yield f"messages[{index}].content[{part_index}]"
    elif kind == "role":
        yield from _role_repeats(body, name, value)
    elif kind == "schema_keyword":
        for container, keyword, location in schema_keywords(body):
            if keyword == name and (value is None or container == value):
                yield location
    elif kind == "id_format":
        for call_id, location in tool_call_ids(body):
            if value is not None and id_shape(call_id) == value:
                yield location
    elif kind == "missing_field" and name == THOUGHT_SIGNATURE:
        yield from unsigned_calls(body)
    elif kind == "bound" and name and value and value[0] in "<>":
        found = _get(body, name)
        if isinstance(found, (int, float)) and not isinstance(found, bool):
            limit = float(value[1:])
            if (found < limit) if value[0] == "<" else (found > limit):
                yield name


def _role_repeats(body: Mapping[str, Any], name: str | None, value: str | None) -> Iterator[str]:
    messages = list(_messages(body))
    if name == "alternation":
        previous: str | None = None
        for index, message in messages:
            role = message.get("role")
            if role in _ROLES_THAT_ALTERNATE and role == previous:
                yield f"messages[{index}].role"
            previous = role if isinstance(role, str) else None
    elif value == "not-first":
        for position, (index, message) in enumerate(messages):
            if position > 0 and message.get("role") == name:
                yield f"messages[{index}].role"
    elif value == "last":
        if messages and messages[-1][1].get("role") == name:
            yield f"messages[{messages[-1][0]}].role"
    elif name:
        for index, message in messages:
            if message.get("role") == name:
                yield f"messages[{index}].role"


def _messages(body: Mapping[str, Any]) -> Iterable[tuple[int, dict[str, Any]]]:
    for container in ("messages", "input"):
        items = body.get(container)
        if isinstance(items, list):
            return [(i, m) for i, m in enumerate(items) if isinstance(m, dict)]
    return []


def _get(body: Mapping[str, Any], path: str) -> Any:
    node: Any = body
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _same(found: Any, wanted: str) -> bool:
    """A JSON value equals the text an error quoted (``True`` is ``'true'``, ``1`` is ``'1'``)."""
    if isinstance(found, bool):
        text = "true" if found else "false"
    elif isinstance(found, (str, int, float)):
        text = str(found)
    elif isinstance(found, dict) and isinstance(found.get("type"), str):
        text = found["type"]  # response_format {"type": "json_object"}
    else:
        return False
    return text.strip().lower() == wanted.strip().strip("'\"`").lower()
