"""``--cfg-options KEY=VALUE ...``: MMEngine's value grammar for argparse.

A value is parsed as an int, float, bool (``true``/``false`` in any case),
``None``, or a string; ``a,b`` and ``[a,b]`` are lists, ``(a,b)`` a tuple, and
brackets nest. Quotes around a value or item are stripped and spaces dropped,
as in MMEngine. Malformed items raise :class:`CfgOptionsError` naming the item.
"""

from __future__ import annotations

import argparse

from treadle.config.errors import CfgOptionsError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

_CLOSERS = {"(": ")", "[": "]"}


def parse_scalar(text: str) -> Any:
    """``'1'`` -> 1, ``'0.5'`` -> 0.5, ``'True'`` -> True, ``'None'`` -> None, else the text."""
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if text == "None":
        return None
    return text


def _split_top_level(text: str) -> list[str]:
    """Split at commas outside brackets; raise on unbalanced brackets."""
    parts, depth, start = [], [], 0
    for i, char in enumerate(text):
        if char in _CLOSERS:
            depth.append(_CLOSERS[char])
        elif char in ")]":
            if not depth or depth.pop() != char:
                raise ValueError(f"unbalanced {char!r} at position {i}")
        elif char == "," and not depth:
            parts.append(text[start:i])
            start = i + 1
    if depth:
        raise ValueError(f"missing {depth[-1]!r}")
    if start < len(text):
        parts.append(text[start:])
    return parts


def parse_value(text: str) -> Any:
    """A ``--cfg-options`` value: scalar, list or tuple, brackets nesting."""
    text = text.strip("'\"").replace(" ", "")
    if text[:1] == "(" and text[-1:] == ")":
        inner, kind = text[1:-1], tuple
    elif text[:1] == "[" and text[-1:] == "]":
        inner, kind = text[1:-1], list
    elif "," in text:
        inner, kind = text, list
    else:
        return parse_scalar(text)
    return kind(parse_value(part) for part in _split_top_level(inner))


def parse_options(items: Sequence[str]) -> dict[str, Any]:
    """``['a.b=1', 'c=[1,2]']`` -> ``{'a.b': 1, 'c': [1, 2]}``; CfgOptionsError if malformed."""
    options: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or any(not part for part in key.split(".")):
            raise CfgOptionsError(
                f"malformed config option {item!r}: write KEY=VALUE with a dotted KEY, "
                f"e.g. model.backbone.depth=50"
            )
        try:
            options[key] = parse_value(value)
        except ValueError as exc:
            raise CfgOptionsError(f"malformed value in config option {item!r}: {exc}") from None
    return options


class DictAction(argparse.Action):
    """argparse action collecting ``KEY=VALUE`` items into one dict (repeatable, like extend)."""

    # MMEngine's names for the value parsers, which some scripts call directly
    _parse_int_float_bool = staticmethod(parse_scalar)
    _parse_iterable = staticmethod(parse_value)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        options = dict(getattr(namespace, self.dest, None) or {})
        if values is not None:
            items = [values] if isinstance(values, str) else list(values)
            try:
                options.update(parse_options(items))
            except CfgOptionsError as exc:
                raise argparse.ArgumentError(self, str(exc)) from None
        setattr(namespace, self.dest, options)
