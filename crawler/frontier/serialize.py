"""Requests in the shared queue as JSON (``SCHEDULER_SERIALIZER``), never pickle.

Anyone who can write to the frontier could make a pickle run code on every node; JSON can
only describe a request. ``Request.to_dict`` gives bytes (body, headers) and dicts with bytes
keys (headers), which JSON lacks: they are tagged here and restored by ``loads``.
"""

from __future__ import annotations

import base64
import json
from typing import Any

_BYTES = "$b"  # {"$b": base64}: bytes
_PAIRS = "$p"  # {"$p": [[key, value], ...]}: a dict whose keys are not all strings


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {_BYTES: base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and not ({_BYTES, _PAIRS} & set(value)):
            return {k: _encode(v) for k, v in value.items()}
        return {_PAIRS: [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"a request carries a {type(value).__name__}, which the frontier cannot store as JSON")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {_BYTES}:
            return base64.b64decode(value[_BYTES])
        if set(value) == {_PAIRS}:
            return {_decode(k): _decode(v) for k, v in value[_PAIRS]}
        return {k: _decode(v) for k, v in value.items()}
    return value


def dumps(obj: dict) -> bytes:
    return json.dumps(_encode(obj), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(data: bytes | str) -> dict:
    return _decode(json.loads(data))
