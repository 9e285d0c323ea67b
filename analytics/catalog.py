"""The indicator catalog: indicators, domains, agencies, areas, reporting regimes and targets.

The catalog is data under version control in ``data/catalog/``. It is validated on load; an error names
the file and the entry so whoever edits the catalog can fix it in one go.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from analytics import paths, yamltext
from analytics.errors import CatalogError, unknown_code

FREQUENCIES = ("M", "Q", "A")
REGIME_FREQUENCIES = ("M", "Q", "6M", "9M", "A", "adhoc")
MEASURES = ("flow", "stock", "index", "rate", "pct_change")
TIME_AGGS = ("sum", "mean", "last")
AREA_AGGS = ("sum", "wmean", "none")
DIRECTIONS = ("up", "down", "neutral")
LEVELS = ("national", "province", "commune")
AREA_LEVELS = ("nation", "region", "province", "commune")
LEVEL_OF_AREA = {
    "nation": "national",
    "region": "province",
    "province": "province",
    "commune": "commune",
}
"""The reporting level (indicators.csv ``levels``) of a row for each level of area."""
COMMUNE_KINDS = {"xã": "Commune", "phường": "Ward", "đặc khu": "Special Zone"}
AGENCY_KINDS = ("ministry", "agency", "province", "government")
TARGET_KINDS = ("NA_GOV", "GOV_MINISTRY", "GOV_PROVINCE")
COMPARISONS = (">=", "<=", "range")
REFERENCES = ("cutoff", "calendar")
"""A regime's reference period: Decree 09/2019's 15th-to-14th cut-off window (administrative
reports) or the calendar period itself (statistical reports under the Statistics Law)."""
WORDINGS = ("", "about", "below", "reach")
"""How a resolution words a target beyond its comparison: "khoảng", "dưới", "đạt"."""
OTHERS = ("keep", "refuse")  # what becomes of figures from a source that is not authoritative
NATION = "VN"


@dataclass(frozen=True)
class Catalog:
    """All catalog tables as pandas DataFrames (one row per entry)."""

    domains: pd.DataFrame
    indicators: pd.DataFrame
    agencies: pd.DataFrame
    areas: pd.DataFrame
    regimes: pd.DataFrame
    regime_indicators: pd.DataFrame
    regime_submitters: pd.DataFrame
    targets: pd.DataFrame
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)  # regime, agency, area
    authority: pd.DataFrame = field(default_factory=pd.DataFrame)  # indicator, area -> agency
    covered: frozenset[tuple[str, str, str]] = frozenset()
    submits: frozenset[tuple[str, str]] = frozenset()  # (regime, agency)
    authority_of: dict[tuple[str, str], tuple[str, str, str]] = field(default_factory=dict)

    def covers(self, regime: str, agency: str, area: str) -> bool:
        """Whether ``agency`` may report ``area`` under ``regime`` (regimes.yml ``coverage``)."""
        return (regime, agency, area) in self.covered

    def authoritative(self, indicator: str, area: str) -> tuple[str, str, str] | None:
        """(agency, regime, others) the catalog names for (indicator, area), or None if nobody."""
        return self.authority_of.get((indicator, area))

    def indicator(self, code: str) -> pd.Series:
        """One indicator's row; unknown codes raise with the nearest valid codes."""
        ind = self.indicators.set_index("code", drop=False)
        if code not in ind.index:
            raise unknown_code("chỉ tiêu", "indicator", code, ind.index)
        return ind.loc[code]

    def provinces(self) -> pd.DataFrame:
        """The 34 provinces (after the 2025 merger)."""
        return self.areas[self.areas["level"] == "province"].reset_index(drop=True)

    def communes(self, province: str | None = None) -> pd.DataFrame:
        """The 3,321 communes, wards and special zones (of one ``province``), in the package's order."""
        com = self.areas[self.areas["level"] == "commune"]
        if province is not None:
            com = com[com["parent"] == province]
        return com.reset_index(drop=True)

    def __repr__(self) -> str:
        return (
            f"Catalog({len(self.indicators)} indicators in {len(self.domains)} domains, "
            f"{len(self.agencies)} agencies, {len(self.areas)} areas, {len(self.regimes)} regimes, "
            f"{len(self.targets)} targets)"
        )


def _fail(file: str, entry: object, vi: str, en: str) -> CatalogError:
    return CatalogError(f"{file}, mục '{entry}': {vi}", f"{file}, entry '{entry}': {en}")


def _read_csv(folder: Path, name: str, required: list[str]) -> pd.DataFrame:
    path = folder / name
    if not path.exists():
        raise CatalogError(f"Thiếu tệp danh mục {path}", f"catalog file missing: {path}")
    df = pd.read_csv(path, dtype=str, keep_default_na=False, comment=None)
    df.columns = [c.strip() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise CatalogError(
            f"{name}: thiếu cột {', '.join(missing)}",
            f"{name}: missing columns {', '.join(missing)}",
        )
    for col in df.columns:
        df[col] = df[col].str.strip()
    return df


def _check_unique(df: pd.DataFrame, file: str, col: str = "code") -> None:
    dup = df[df[col].duplicated()][col]
    if len(dup):
        raise _fail(file, dup.iloc[0], "mã bị trùng", "duplicate code")


def _check_enum(
    df: pd.DataFrame, file: str, col: str, allowed: tuple[str, ...], key: str = "code"
) -> None:
    bad = df[~df[col].isin(allowed)]
    if len(bad):
        row = bad.iloc[0]
        raise _fail(
            file,
            row[key],
            f"{col} = '{row[col]}' không hợp lệ (cho phép: {', '.join(allowed)})",
            f"{col} = '{row[col]}' is not one of {', '.join(allowed)}",
        )


def _check_ref(values: pd.Series, keys: pd.Series, valid: set[str], file: str, what: str) -> None:
    for key, value in zip(keys, values, strict=True):
        if value not in valid:
            raise _fail(file, key, f"{what} '{value}' không tồn tại", f"unknown {what} '{value}'")


def _to_int(df: pd.DataFrame, col: str, file: str) -> None:
    try:
        df[col] = df[col].astype(int)
    except ValueError:
        bad = df[~df[col].str.fullmatch(r"-?\d+")].iloc[0]
        raise _fail(
            file, bad["code"], f"{col} phải là số nguyên", f"{col} must be an integer"
        ) from None


def area_code(text: object) -> str:
    """An area code as the catalog writes it: ``1`` -> ``01`` (a province), ``70`` stays a province
    code only with at most two digits; three to five digits are a commune (``70`` ... ``00070``)."""
    code = str(text).strip().upper()
    if code.isdigit():
        return f"{int(code):02d}" if len(code) <= 2 else f"{int(code):05d}"
    return code


def ascii_name(name: str) -> str:
    """A Vietnamese name without its diacritics ("Đồng Xoài" -> "Dong Xoai"), for English pages."""
    import unicodedata

    text = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in text if unicodedata.category(c) != "Mn")


def _wards() -> list[tuple[int, str, str, int]]:
    """(code, name, kind, province code) of every commune and ward ``vietnam-provinces`` lists.

    Read from the package's own data file (``NESTED_DIVISIONS_JSON_PATH``, 5 ms) when it is there:
    importing the package builds an Enum of its 3,321 ward codes and a table of 3,321 ``Ward``
    objects, a tenth of a CPU-second in every process that loads the catalog. The package is
    found without being imported; without the file its objects are read as before.
    """
    import json
    from importlib.util import find_spec

    spec = find_spec("vietnam_provinces")
    folders = list(spec.submodule_search_locations or []) if spec else []
    data = [Path(f) / "data" / "nested-divisions.json" for f in folders]
    if data and data[0].is_file():
        provinces = json.loads(data[0].read_text(encoding="utf-8"))
        return [
            (int(w["code"]), str(w["name"]), str(w["division_type"]), int(p["code"]))
            for p in provinces
            for w in p["wards"]
        ]
    import vietnam_provinces as vp

    return [
        (int(w.code), w.name, str(w.division_type.value), int(w.province_code))
        for w in vp.Ward.iter_all()
    ]


def _communes(provinces: pd.DataFrame) -> pd.DataFrame:
    """The communes and wards of the 34 provinces as ``vietnam-provinces`` lists them since 1 July
    2025: code (5 digits), names, level ``commune``, parent = the province's code, kind."""
    known = set(provinces["code"])
    rows = []
    for code, name, kind, province in _wards():
        parent = f"{province:02d}"
        if parent not in known:
            raise CatalogError(
                f"areas.csv: thiếu tỉnh {parent} của xã {name} (vietnam-provinces)",
                f"areas.csv: province {parent} of commune {name} is missing (vietnam-provinces)",
            )
        bare = name[len(kind) :].strip() if name.lower().startswith(kind) else name
        rows.append(
            {
                "code": f"{code:05d}",
                "name_vi": name,
                "name_en": f"{ascii_name(bare)} {COMMUNE_KINDS.get(kind, '')}".strip(),
                "level": "commune",
                "parent": parent,
                "kind": kind,
            }
        )
    return pd.DataFrame(rows)


def _areas_of(
    token: object, agency: str, area_of: dict[str, str], areas: pd.DataFrame, regime: str
) -> list[str]:
    """The areas one ``coverage`` entry names: ``own``, ``provinces``, ``regions`` or a code."""
    text = str(token).strip()
    if text == "own":
        return [area_of[agency]]
    if text == "communes":  # the communes of the agency's own area (all of them for the nation)
        com = areas[areas["level"] == "commune"]
        own = area_of[agency]
        return com.loc[(com["parent"] == own) | (own == NATION), "code"].tolist()
    if text in ("provinces", "regions"):
        return areas.loc[areas["level"] == text[:-1], "code"].tolist()
    code = area_code(text)
    if code not in set(areas["code"]):
        raise _fail(
            "regimes.yml",
            regime,
            f"phạm vi của {agency}: không có địa bàn '{text}'",
            f"coverage of {agency}: unknown area '{text}'",
        )
    return [code]


def _coverage(
    items: list[dict], subs: pd.DataFrame, agencies: pd.DataFrame, areas: pd.DataFrame
) -> pd.DataFrame:
    """Which areas each submitter of each regime reports: ``coverage`` in regimes.yml, else its own.

    ``coverage: {MAE: [VN, provinces]}`` lets MAE report the nation and every province under that
    regime; a submitter not named there (or a regime without ``coverage``) reports its own area only,
    the ``area`` of agencies.csv: a province its province, a ministry the nation; under a
    ``level: commune`` regime the communes of that area (``communes``).
    """
    by_regime = {str(i.get("code")): i.get("coverage") or {} for i in items}
    commune_level = {str(i.get("code")) for i in items if str(i.get("level")) == "commune"}
    area_of = dict(zip(agencies["code"], agencies["area"], strict=True))
    rows = []
    for regime, agency in subs.itertuples(index=False):
        spec = by_regime.get(regime, {})
        if not isinstance(spec, dict):
            raise _fail(
                "regimes.yml",
                regime,
                "coverage phải là bảng cơ quan -> danh sách địa bàn",
                "coverage must map agencies to lists of areas",
            )
        tokens = spec.get(agency, ["communes" if regime in commune_level else "own"])
        for token in tokens if isinstance(tokens, list) else [tokens]:
            for area in _areas_of(token, agency, area_of, areas, regime):
                rows.append((regime, agency, area))
    unknown = set(map(str, (k for i in by_regime.values() for k in i))) - set(subs["agency"])
    if unknown:
        regime = next(r for r, spec in by_regime.items() if set(map(str, spec)) & unknown)
        raise _fail(
            "regimes.yml",
            regime,
            f"coverage nêu cơ quan không báo cáo theo chế độ này: {', '.join(sorted(unknown))}",
            f"coverage names agencies that do not report under it: {', '.join(sorted(unknown))}",
        )
    return pd.DataFrame(rows, columns=["regime", "agency", "area"]).drop_duplicates()


def _authority(
    folder: Path,
    ind: pd.DataFrame,
    agencies: pd.DataFrame,
    areas: pd.DataFrame,
    links: pd.DataFrame,
    coverage: pd.DataFrame,
) -> pd.DataFrame:
    """For every (indicator, area) some regime reaches, the agency whose figure is the consolidated one.

    By rule: for the nation, the indicator's owning agency (indicators.csv) if it reports it, for a
    province its People's Committee if it reports it, for a commune its province's People's
    Committee (communes report to their province) if it reports it; otherwise the first submitter reaching it, in
    regimes.yml order. ``authority.csv`` overrides the rule and says whether figures from any other
    source are kept as that source's own series (``keep``, the default) or refused (``refuse``).
    """
    owner = dict(zip(ind["code"], ind["agency"], strict=True))
    own_agency = {
        a: c
        for c, a, k in agencies[["code", "area", "kind"]].itertuples(index=False)
        if k == "province"
    }
    communes = areas[areas["level"] == "commune"]
    for code, parent in zip(communes["code"], communes["parent"], strict=True):
        if parent in own_agency:
            own_agency[code] = own_agency[parent]
    covered: dict[str, list[tuple[str, str]]] = {}  # regime -> (agency, area), in catalog order
    for regime, agency, area in coverage.itertuples(index=False):
        covered.setdefault(regime, []).append((agency, area))
    reach: dict[tuple[str, str], dict[str, str]] = {}  # (indicator, area) -> agency -> 1st regime
    for regime, code in links.itertuples(index=False):
        for agency, area in covered.get(regime, []):
            reach.setdefault((code, area), {}).setdefault(agency, regime)
    overrides = _authority_overrides(folder, ind, agencies, areas)
    rows = []
    for (code, area), candidates in reach.items():
        preferred = own_agency.get(area, owner[code])
        agency = preferred if preferred in candidates else next(iter(candidates))
        agency, others = overrides.get((code, area), (agency, "keep"))
        agency = agency or (preferred if preferred in candidates else next(iter(candidates)))
        rows.append((code, area, agency, candidates.get(agency, ""), others))
    return pd.DataFrame(rows, columns=["indicator", "area", "agency", "regime", "others"])


def _authority_overrides(
    folder: Path, ind: pd.DataFrame, agencies: pd.DataFrame, areas: pd.DataFrame
) -> dict[tuple[str, str], tuple[str, str]]:
    """authority.csv: (indicator, area) -> (agency or '' for the rule's, others policy)."""
    f = "authority.csv"
    if not (folder / f).exists():
        return {}
    df = _read_csv(folder, f, ["indicator", "area", "agency", "others"])
    df["code"] = df["indicator"] + "/" + df["area"]
    _check_ref(df["indicator"], df["code"], set(ind["code"]), f, "indicator")
    _check_enum(df, f, "others", OTHERS)
    known = set(agencies["code"]) | {""}
    _check_ref(df["agency"], df["code"], known, f, "agency")
    out = {}
    for r in df.itertuples(index=False):
        if r.area in ("provinces", "regions"):
            codes = areas.loc[areas["level"] == r.area[:-1], "code"].tolist()
        elif area_code(r.area) in set(areas["code"]):
            codes = [area_code(r.area)]
        else:
            raise _fail(f, r.code, f"không có địa bàn '{r.area}'", f"unknown area '{r.area}'")
        for area in codes:
            out[(str(r.indicator), str(area))] = (str(r.agency), str(r.others))
    return out


def _load_regimes(
    folder: Path, agencies: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[dict]]:
    path = folder / "regimes.yml"
    if not path.exists():
        raise CatalogError(f"Thiếu tệp danh mục {path}", f"catalog file missing: {path}")
    try:
        items = yamltext.safe_load(path.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as exc:
        where = yamltext.problem(exc)
        raise CatalogError(
            f"regimes.yml: lỗi cú pháp YAML ({where})", f"regimes.yml: YAML syntax error ({where})"
        ) from None
    provinces = agencies.loc[agencies["kind"] == "province", "code"].tolist()
    rows, links, subs = [], [], []
    for i, item in enumerate(items):
        code = str(item.get("code", f"#{i + 1}"))
        for key in (
            "code",
            "name_vi",
            "name_en",
            "frequency",
            "submitters",
            "receiver",
            "level",
            "indicators",
        ):
            if key not in item:
                raise _fail("regimes.yml", code, f"thiếu trường '{key}'", f"missing field '{key}'")
        rows.append(
            {
                "code": code,
                "name_vi": str(item["name_vi"]),
                "name_en": str(item["name_en"]),
                "frequency": str(item["frequency"]),
                "deadline_days": int(item.get("deadline_days", 4)),
                "reference": str(item.get("reference", "cutoff")),
                "receiver": str(item["receiver"]),
                "level": str(item["level"]),
                "legal_basis": str(item.get("legal_basis", "")),
            }
        )
        for ind in item["indicators"]:
            links.append({"regime": code, "indicator": str(ind)})
        for sub in item["submitters"]:
            for agency in provinces if sub == "provinces" else [str(sub)]:
                subs.append({"regime": code, "agency": agency})
    return pd.DataFrame(rows), pd.DataFrame(links), pd.DataFrame(subs).drop_duplicates(), items


def _validate_targets(
    targets: pd.DataFrame, indicators: set[str], agencies: set[str], areas: set[str]
) -> None:
    f = "targets.csv"
    _check_unique(targets, f)
    _check_enum(targets, f, "kind", TARGET_KINDS)
    _check_enum(targets, f, "comparison", COMPARISONS)
    if "wording" not in targets:
        targets["wording"] = ""
    _check_enum(targets, f, "wording", WORDINGS)
    _check_ref(targets["indicator"], targets["code"], indicators, f, "indicator")
    _check_ref(targets["area"], targets["code"], areas, f, "area")
    _check_ref(targets["assignee"], targets["code"], agencies | {"GOV"}, f, "assignee")
    _validate_parents(targets)
    for _, t in targets.iterrows():
        try:
            float(t["value"])
            int(t["year"])
            if t["comparison"] == "range":
                float(t["value_hi"])
        except ValueError:
            raise _fail(
                f,
                t["code"],
                "value/value_hi/year phải là số",
                "value/value_hi/year must be numbers",
            ) from None


def _validate_parents(targets: pd.DataFrame) -> None:
    """``parent``: a Government target for a ministry or province names the National Assembly's
    target of the same year it serves; the National Assembly's targets have none."""
    f = "targets.csv"
    # the last column, so a row written without it (an older file, an appended line) has none
    targets["parent"] = targets["parent"].fillna("") if "parent" in targets else ""
    rows = targets.set_index("code")
    for code, t in rows[rows["parent"] != ""].iterrows():
        parent = t["parent"]
        if parent not in rows.index:
            raise _fail(
                f, code, f"mục tiêu cấp trên '{parent}' không tồn tại", f"unknown parent '{parent}'"
            )
        up = rows.loc[parent]
        if t["kind"] == "NA_GOV" or up["kind"] != "NA_GOV" or up["year"] != t["year"]:
            raise _fail(
                f,
                code,
                f"mục tiêu cấp trên '{parent}' phải là mục tiêu Quốc hội giao cùng năm",
                f"parent '{parent}' must be a National Assembly target of the same year",
            )


def load_catalog(folder: str | Path | None = None) -> Catalog:
    """Read and validate the catalog in ``folder`` (default: ``data/catalog``)."""
    folder = Path(folder) if folder else paths.catalog_dir()
    stamp = tuple(
        (p.name, p.stat().st_mtime_ns)
        for p in sorted(folder.glob("*"))
        if p.suffix in {".csv", ".yml"}
    )
    return _load_catalog_cached(str(folder), stamp)


@lru_cache(maxsize=4)
def _load_catalog_cached(folder_s: str, _stamp: tuple) -> Catalog:
    folder = Path(folder_s)
    domains = _read_csv(folder, "domains.csv", ["code", "order", "name_vi", "name_en"])
    _check_unique(domains, "domains.csv")
    domains["order"] = domains["order"].astype(int)
    domains = domains.sort_values("order").reset_index(drop=True)

    f = "indicators.csv"
    cols = [
        "code",
        "domain",
        "name_vi",
        "name_en",
        "unit_vi",
        "unit_en",
        "frequency",
        "measure",
        "time_agg",
        "area_agg",
        "weight",
        "decimals",
        "agency",
        "direction",
        "levels",
        "headline",
    ]
    ind = _read_csv(folder, f, cols)
    _check_unique(ind, f)
    # the decree or statistical standard defining it: an optional last column
    ind["source"] = ind["source"].fillna("") if "source" in ind else ""
    for col, allowed in [
        ("frequency", FREQUENCIES),
        ("measure", MEASURES),
        ("time_agg", TIME_AGGS),
        ("area_agg", AREA_AGGS),
        ("direction", DIRECTIONS),
    ]:
        _check_enum(ind, f, col, allowed)
    _check_ref(ind["domain"], ind["code"], set(domains["code"]), f, "domain")
    _to_int(ind, "decimals", f)
    _to_int(ind, "headline", f)
    for _, r in ind.iterrows():
        levels = r["levels"].split(";")
        if not levels or any(lv not in LEVELS for lv in levels):
            raise _fail(
                f, r["code"], f"levels '{r['levels']}' không hợp lệ", f"bad levels '{r['levels']}'"
            )
        if r["area_agg"] == "wmean" and r["weight"] not in set(ind["code"]):
            raise _fail(
                f,
                r["code"],
                f"chỉ tiêu trọng số '{r['weight']}' không tồn tại",
                f"weight indicator '{r['weight']}' does not exist",
            )

    agencies = _read_csv(folder, "agencies.csv", ["code", "name_vi", "name_en", "kind", "area"])
    _check_unique(agencies, "agencies.csv")
    _check_enum(agencies, "agencies.csv", "kind", AGENCY_KINDS)
    _check_ref(ind["agency"], ind["code"], set(agencies["code"]), f, "agency")

    areas = _read_csv(
        folder, "areas.csv", ["code", "name_vi", "name_en", "level", "parent", "lat", "lon"]
    )
    _check_unique(areas, "areas.csv")
    _check_enum(areas, "areas.csv", "level", AREA_LEVELS)
    area_codes = set(areas["code"])
    _check_ref(agencies["area"], agencies["code"], area_codes, "agencies.csv", "area")
    non_nation = areas[areas["level"] != "nation"]
    _check_ref(non_nation["parent"], non_nation["code"], area_codes, "areas.csv", "parent")
    for col in ("lat", "lon", "population_k", "econ_weight"):
        if col in areas:
            areas[col] = pd.to_numeric(areas[col], errors="coerce")
    if (areas["level"] == "commune").any():
        raise _fail(
            "areas.csv",
            areas.loc[areas["level"] == "commune", "code"].iloc[0],
            "xã, phường lấy từ gói vietnam-provinces, không ghi trong areas.csv",
            "communes come from the vietnam-provinces package, not areas.csv",
        )
    areas = pd.concat([areas, _communes(areas[areas["level"] == "province"])], ignore_index=True)
    area_codes = set(areas["code"])

    regimes, links, subs, items = _load_regimes(folder, agencies)
    r = "regimes.yml"
    _check_unique(regimes, r)
    _check_enum(regimes, r, "frequency", REGIME_FREQUENCIES)
    _check_enum(regimes, r, "level", LEVELS)
    _check_enum(regimes, r, "reference", REFERENCES)
    _check_ref(regimes["receiver"], regimes["code"], set(agencies["code"]), r, "receiver")
    _check_ref(links["indicator"], links["regime"], set(ind["code"]), r, "indicator")
    _check_ref(subs["agency"], subs["regime"], set(agencies["code"]), r, "agency")
    levels = dict(zip(ind["code"], ind["levels"], strict=True))
    prov_regimes = set(regimes.loc[regimes["level"] == "province", "code"])
    for _, link in links[links["regime"].isin(prov_regimes)].iterrows():
        if "province" not in levels[link["indicator"]].split(";"):
            raise _fail(
                r,
                link["regime"],
                f"chỉ tiêu {link['indicator']} không báo cáo cấp tỉnh",
                f"indicator {link['indicator']} is not reported at province level",
            )
    commune_regimes = set(regimes.loc[regimes["level"] == "commune", "code"])
    for _, link in links[links["regime"].isin(commune_regimes)].iterrows():
        if "commune" not in levels[link["indicator"]].split(";"):
            raise _fail(
                r,
                link["regime"],
                f"chỉ tiêu {link['indicator']} không báo cáo cấp xã",
                f"indicator {link['indicator']} is not reported at commune level",
            )
    # how a derived indicator is computed from its base series ("yoy(CPI)"), see analytics.derived
    profiles = folder / "demo_profiles.csv"
    if profiles.exists():
        forms = pd.read_csv(profiles, dtype=str, keep_default_na=False)
        ind["formula"] = ind["code"].map(dict(zip(forms["code"], forms["formula"], strict=True)))
    ind["formula"] = ind.get("formula", pd.Series("", index=ind.index)).fillna("")
    carried = links.groupby("indicator")["regime"].agg(";".join)
    ind["regimes"] = ind["code"].map(carried).fillna("")

    targets = _read_csv(
        folder,
        "targets.csv",
        [
            "code",
            "kind",
            "issuer",
            "assignee",
            "indicator",
            "area",
            "year",
            "comparison",
            "value",
            "value_hi",
            "source_doc",
            "demo",
        ],
    )
    _validate_targets(targets, set(ind["code"]), set(agencies["code"]), area_codes)
    targets["year"] = targets["year"].astype(int)
    targets["value"] = targets["value"].astype(float)
    targets["value_hi"] = pd.to_numeric(targets["value_hi"], errors="coerce")
    targets["demo"] = targets["demo"].isin(["1", "true", "True", "yes"])

    coverage = _coverage(items, subs, agencies, areas)
    authority = _authority(folder, ind, agencies, areas, links, coverage)
    return Catalog(
        domains,
        ind,
        agencies,
        areas,
        regimes,
        links,
        subs,
        targets,
        coverage,
        authority,
        frozenset(coverage.itertuples(index=False, name=None)),
        frozenset(subs.itertuples(index=False, name=None)),
        {(i, a): (ag, r, o) for i, a, ag, r, o in authority.itertuples(index=False, name=None)},
    )


def catalog() -> Catalog:
    """The validated catalog (cached until a catalog file changes)."""
    return load_catalog(os.environ.get("NRIS_CATALOG"))


def indicators() -> pd.DataFrame:
    """Indicators with their unit, frequency, aggregation rules, owner and carrying regimes."""
    return catalog().indicators.copy()


def domains() -> pd.DataFrame:
    """The 9 socio-economic domains in report order."""
    return catalog().domains.copy()


def agencies() -> pd.DataFrame:
    """Reporting ministries, agencies and the 34 provincial People's Committees."""
    return catalog().agencies.copy()


def areas() -> pd.DataFrame:
    """The nation, the 6 socio-economic regions, the 34 provinces and their 3,321 communes."""
    return catalog().areas.copy()


def regimes() -> pd.DataFrame:
    """Reporting regimes with frequency, deadline, receiver and level."""
    return catalog().regimes.copy()


def targets() -> pd.DataFrame:
    """Targets set by the National Assembly and the Government, with their source documents."""
    return catalog().targets.copy()
