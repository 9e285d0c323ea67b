"""YAML text -> Python values, for every YAML the project reads (catalog, senders, schedules and
``nris run``'s list and dict parameters).

PyYAML's ``safe_load`` parses in pure Python: ``regimes.yml`` took 0.03-0.1 CPU-s of every command
that loads the catalog. libyaml's ``CSafeLoader`` builds the same values about ten times faster, but
words its errors differently ("mapping values are not allowed in this context" for "... here"), and
the errors name a file's line and problem to the user. So a text that fails is parsed again by the
pure-Python loader, whose error is the one raised: same values, same errors, less CPU.
"""

from __future__ import annotations

from typing import Any


def safe_load(text: str) -> Any:
    """``yaml.safe_load(text)``, by libyaml when PyYAML was built with it; raises ``yaml.YAMLError``
    exactly as ``yaml.safe_load`` does."""
    import yaml

    if not yaml.__with_libyaml__:
        return yaml.safe_load(text)
    try:
        return yaml.load(text, Loader=yaml.CSafeLoader)  # noqa: S506 (the safe loader, in C)
    except yaml.YAMLError:
        return yaml.safe_load(text)  # the same error, worded as the pure-Python loader words it


def problem(exc: Exception) -> str:
    """A YAML error in one line, where it is first: "line 3, column 2: expected <block end>, but
    found '<block sequence start>'" (PyYAML's own text spans several lines, with the context)."""
    mark = getattr(exc, "problem_mark", None)
    what = getattr(exc, "problem", None) or str(exc).strip().splitlines()[0]
    return f"line {mark.line + 1}, column {mark.column + 1}: {what}" if mark else what
