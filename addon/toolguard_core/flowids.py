"""Flow ids as stored, and the short ids the commands toolguard prints name them by.

An HTTP flow's id is mitmproxy's (a uuid4). Each ``response.create`` message on a Responses WebSocket
is stored as a flow of its own, ``<the connection's flow id>-ws<n>`` (:func:`message_flow_id`), so every
message of one connection shares its first characters. A short id is the first :data:`SHORT` characters
of the id, plus the ``-ws<n>`` of a WebSocket message: ``toolguard show 384cfee0`` matched every
message of a Codex connection and refused ("matches more than one flow"), and the run report's "one
flow" command, its list of repeats and show's replay line printed exactly that (trial20a).
:func:`like_pattern` is the lookup that takes a short id back (``toolguard show``).

Pure: no I/O.
"""

from __future__ import annotations

import re

#: Characters of an id the printed commands keep (what ``toolguard show`` takes as a prefix).
SHORT = 8

_MESSAGE = re.compile(r"^(?P<connection>.+)(?P<message>-ws\d+)$")


def message_flow_id(connection_flow_id: str, index: int) -> str:
    """The id of the ``index``-th message (from 1) on the WebSocket whose upgrade was ``connection_flow_id``."""
    return f"{connection_flow_id}-ws{index}"


def short_flow_id(flow_id: str) -> str:
    """``6f9bebcc`` for an HTTP flow, ``6f9bebcc-ws3`` for the third message on a WebSocket."""
    match = _MESSAGE.match(flow_id)
    if match is None:
        return flow_id[:SHORT]
    return match["connection"][:SHORT] + match["message"]


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_pattern(ref: str) -> str:
    """A SQL ``LIKE`` pattern (escape character ``\\``) for the ids ``ref`` names: those starting with
    it, or, for a short id of a WebSocket message (``6f9bebcc-ws3``), those starting with its
    connection part and ending with exactly that ``-ws3`` (never ``-ws31``)."""
    match = _MESSAGE.match(ref)
    if match is None:
        return _escaped(ref) + "%"
    return _escaped(match["connection"]) + "%" + _escaped(match["message"])
