"""A run's parameters: the notebook's ``parameters`` cell declares them; a value is checked and
coerced against it (name, type, choices, catalog codes) before anything runs."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from analytics import yamltext
from analytics.errors import NrisError


def notebook_parameters(notebook: Path) -> dict[str, dict[str, Any]]:
    """The notebook's declared parameters (papermill inspection): name -> type, default, help."""
    from analytics.startup import import_papermill

    import_papermill()  # without pyarrow.fs
    from papermill.inspection import inspect_notebook

    return {
        name: {"type": p["inferred_type_name"], "default": p["default"], "help": p["help"]}
        for name, p in inspect_notebook(str(notebook)).items()
    }


def _valid_list(declared: dict[str, dict[str, Any]]) -> str:
    return ", ".join(f"{n}: {d['type']}" for n, d in declared.items())


def _coerce(name: str, value: Any, typ: str) -> Any:
    """A CLI string or a Python value -> the declared type; ValueError when it does not fit."""
    base = typ.split("[")[0].strip().lower()
    if isinstance(value, str) and base not in ("str", "none", ""):
        if base == "bool":
            low = value.strip().lower()
            if low in ("true", "1", "yes", "on"):
                return True
            if low in ("false", "0", "no", "off"):
                return False
            raise ValueError(value)
        if base == "int":
            return int(value)
        if base == "float":
            return float(value)
        if base in ("list", "dict", "tuple"):
            import yaml

            try:
                parsed = yamltext.safe_load(value)
            except yaml.YAMLError:  # "[1," is a wrong value, told in one line, not a traceback
                raise ValueError(value) from None
            if base == "dict" and not isinstance(parsed, dict):
                raise ValueError(value)
            if base in ("list", "tuple") and not isinstance(parsed, list):
                parsed = [parsed]
            return parsed
        return value
    checks: dict[str, tuple[type, ...]] = {
        "str": (str,), "int": (int,), "float": (int, float), "bool": (bool,),
        "list": (list, tuple), "dict": (dict,),
    }  # fmt: skip
    want = checks.get(base)
    if want and (
        not isinstance(value, want) or (base in ("int", "float") and isinstance(value, bool))
    ):
        raise ValueError(value)
    return value


CHOICES: dict[str, tuple[str, ...]] = {
    "lang": ("vi", "en"),
    "span": ("Q", "6M", "9M"),
    "transform": ("level", "mom", "yoy", "ytd", "ytd_yoy"),
}
"""Parameters whose value is one of a few words, whatever notebook declares them."""
AREA_PARAMS = ("area", "province", "areas")
INDICATOR_PARAMS = ("indicator", "code", "rank_by")


def _shown(value: Any) -> str:
    """A value as an error line may show it: printable characters only, at most 40."""
    text = "".join(c if c.isprintable() else "?" for c in str(value))
    return text if len(text) <= 40 else text[:39] + "…"


def check_choices(name: str, value: Any, help_text: str = "") -> None:
    """Refuse a value outside the parameter's declared choices or a code the catalog lacks.

    ``lang`` is vi or en (and the like, ``CHOICES``); ``area``/``province``/``areas`` name catalog
    areas ("all" too where the notebook's help offers it); ``indicator``/``code``/``rank_by``
    name catalog indicators. A report is never run, nor its name made, from anything else.
    """
    if name in CHOICES and value not in CHOICES[name]:
        allowed = " | ".join(CHOICES[name])
        raise NrisError(
            f"Tham số {name} = '{_shown(value)}' không hợp lệ; chọn một trong: {allowed}",
            f"parameter {name} = '{_shown(value)}' is not valid; one of: {allowed}",
        )
    if name not in AREA_PARAMS + INDICATOR_PARAMS:
        return
    from analytics.catalog import catalog
    from analytics.errors import unknown_code

    cat = catalog()
    if name in AREA_PARAMS:
        valid = set(cat.areas["code"].astype(str)) | ({"all"} if '"all"' in help_text else set())
        kind = ("địa bàn (tham số " + name + ")", f"area (parameter {name})")
    else:
        valid = set(cat.indicators["code"].astype(str))
        kind = ("chỉ tiêu (tham số " + name + ")", f"indicator (parameter {name})")
    for v in value if isinstance(value, list | tuple) else [value]:
        if str(v) not in valid:
            raise unknown_code(kind[0], kind[1], _shown(v), sorted(valid))


def validate_parameters(
    notebook: Path, params: dict[str, Any], declared: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Check names, types and choices against the notebook's parameters cell; coerce CLI strings.

    Refuses (NrisError, before anything runs) an unknown name or a value of the wrong type, listing
    the valid parameters, and a value outside its choices (``check_choices``). ``declared`` is the
    notebook's ``notebook_parameters`` when the caller has them (a grid checks many tasks).
    """
    declared = notebook_parameters(notebook) if declared is None else declared
    out = {}
    for name, value in params.items():
        if name not in declared:
            raise NrisError(
                f"Sổ {notebook.name} không có tham số '{name}'; tham số hợp lệ: {_valid_list(declared)}",
                f"notebook {notebook.name} has no parameter '{name}'; valid: {_valid_list(declared)}",
            )
        typ = str(declared[name]["type"] or "None")
        try:
            out[name] = _coerce(name, value, typ)
        except (ValueError, TypeError):
            raise NrisError(
                f"Tham số '{name}' phải có kiểu {typ}, nhận '{value}'; tham số hợp lệ: "
                f"{_valid_list(declared)}",
                f"parameter '{name}' must be {typ}, got '{value}'; valid: {_valid_list(declared)}",
            ) from None
        check_choices(name, out[name], str(declared[name].get("help") or ""))
    return out


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """``["area=01", "lang=en"]`` -> ``{"area": "01", "lang": "en"}``."""
    out = {}
    for item in items:
        if "=" not in item:
            raise NrisError(
                f"Tham số '{item}' phải có dạng tên=giá_trị",
                f"parameter '{item}' must be name=value",
            )
        k, v = item.split("=", 1)
        out[k.strip()] = v
    return out
