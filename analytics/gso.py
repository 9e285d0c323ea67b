"""GSO monthly tables (Biểu số liệu tháng) replayed as submissions: preliminary first, revised after.

The statistics office publishes each month's trade figures at the end of the month itself: the
month's first estimate and the total from January (lũy kế). The next release's total, less that
release's own estimate, is the revised total through the previous month, so the previous month is
revised by difference. This module turns the GSO exports/imports tables (``xk.csv``, ``nk.csv``;
see ``../shared/data/vn_gso/README.md``) into the forms of the customs regime ``TK_HAIQUAN_THANG``
and files them through :func:`analytics.ingest.submit`, the path of ``nris submit``, dated as
released: a store then holds the vintages as they were known.

    results = gso.file_releases("../shared/data/vn_gso", work_folder, start="2020-08")
    [r.summary("en") for r in results]   # one accepted form per release and status

For each release of month ``t``, oldest first:

* an official (chính thức) form for ``t-1`` (same year): each level is the release's year-to-date
  total less its estimate for ``t``, less the total through ``t-2`` that the earlier releases
  implied; the rates are those first published for ``t-1`` (the office publishes no revised rate);
* a preliminary (sơ bộ) form for ``t``: its first estimates and rates.

The tables publish a month's change on the same month a year before only from September 2018
(and each January); before that it is derived from what they did publish, the year-to-date
totals and their changes on a year before (:func:`_month_change`).

A rate of -100% (an empty cell read as zero: exports 2018-05) counts as not published.

A form goes in only when every indicator of the regime has a figure. A month a release left out
(the FDI sector in October 2020) is therefore first known from the next release, official, by
differencing the year-to-date totals; the month before it keeps its preliminary figure (its
revision is inside that difference). December keeps its preliminary figure too: the January
release starts a new year's total. Either way the stored months of a year add up to the latest
year-to-date total published. The trade balance is exports less imports of the same form.
The tables moved exporters between the domestic and FDI sectors between their September and
November 2020 releases: October's FDI figure, by difference, carries that move (it exceeds total
exports); the store keeps what the tables imply and validation does not judge it.

Only the customs form is filed: a form must carry every indicator of its regime, and the
statistics office's monthly regime (``TK_KTXH_THANG``) holds index levels (IIP, CPI 2019=100) the
tables do not give, so retail sales and industrial products are not replayed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from analytics import ingest, templates
from analytics.catalog import NATION

REGIME, AGENCY = "TK_HAIQUAN_THANG", "CUSTOMS"
MONTH, YTD = "Total-M", "Total-YOY"  # the month's estimate, the total from January (mn USD)
LEVELS = {  # indicator: (file, category)
    "EXPORTS": ("xk.csv", "TỔNG TRỊ GIÁ"),
    "EXPORTS_FDI": ("xk.csv", "Khu vực có vốn đầu tư NN"),
    "IMPORTS": ("nk.csv", "TỔNG TRỊ GIÁ"),
}
RATES = {  # indicator: (file, category, column), % change as published with the month
    "EXPORTS_YOY": ("xk.csv", "TỔNG TRỊ GIÁ", "YOY"),
    "EXPORTS_YTD_YOY": ("xk.csv", "TỔNG TRỊ GIÁ", "YTD-YOY"),
    "IMPORTS_YOY": ("nk.csv", "TỔNG TRỊ GIÁ", "YOY"),
}
YTD_CHANGE = "YTD-YOY"  # the year-to-date total's % change on the same period a year before
DERIVED = ("EXPORTS_YOY", "IMPORTS_YOY")  # derived where a release left them out
BALANCE = ("TRADE_BALANCE", "EXPORTS", "IMPORTS")
RELEASE_TIME = dt.time(12, 0)  # the tables carry the release day only


def read_releases(
    folder: str | Path, start: str | None = None, end: str | None = None
) -> pd.DataFrame:
    """The releases of the regime's indicators, one row per (month, indicator): ``month`` (period
    start), ``released`` (release time), ``indicator``, ``first`` (the figure first published) and
    ``ytd`` (the release's year-to-date total; NaN for rates). ``start``/``end`` ("YYYY-MM") bound
    the months."""
    folder = Path(folder)
    tables = {
        f: pd.read_csv(folder / f) for f in {f for f, *_ in [*LEVELS.values(), *RATES.values()]}
    }
    rows = []
    for code, (file, cat) in LEVELS.items():
        g = tables[file].loc[lambda t, c=cat: t["Ngành"] == c]
        rows.append(pd.DataFrame({"indicator": code, "Month": g["Month"], "Date": g["Date"],
                                  "first": g[MONTH], "ytd": g[YTD]}))  # fmt: skip
    for code, (file, cat, col) in RATES.items():
        g = tables[file].loc[lambda t, c=cat: t["Ngành"] == c]
        first = g[col].where(g[col] > -100)  # -100%: an empty cell read as 0 (2018-05)
        if code in DERIVED:  # not published before 2018-09: from the year-to-date changes
            first = first.fillna(_month_change(g))
        rows.append(pd.DataFrame({"indicator": code, "Month": g["Month"], "Date": g["Date"],
                                  "first": first, "ytd": float("nan")}))  # fmt: skip
    out = pd.concat(rows, ignore_index=True)
    if start:
        out = out[out["Month"] >= start]
    if end:
        out = out[out["Month"] <= end]
    out["month"] = pd.to_datetime(out["Month"] + "-01")
    # a month's release is out when its last table is
    day = pd.to_datetime(out["Date"]).groupby(out["Month"]).transform("max")
    out["released"] = day + pd.Timedelta(hours=RELEASE_TIME.hour, minutes=RELEASE_TIME.minute)
    out = out.dropna(subset=["first"])
    return (
        out[["month", "released", "indicator", "first", "ytd"]]
        .sort_values(["month", "indicator"])
        .reset_index(drop=True)
    )


def _month_change(g: pd.DataFrame) -> pd.Series:
    """The month's % change on the same month a year before, from what each release did publish:
    its year-to-date total and that total's % change on a year before give last year's total
    through the month, and the previous release's give it through the month before; their
    difference is last year's month (January: the total itself)."""
    by = g.assign(ds=pd.to_datetime(g["Month"] + "-01")).set_index("ds")
    full = pd.date_range(by.index.min(), by.index.max(), freq="MS")
    change_ytd = by[YTD_CHANGE].where(by[YTD_CHANGE] > -100)
    last_year = (by[YTD] / (1 + change_ytd / 100)).reindex(full)
    base = last_year - last_year.shift(1).where(full.month > 1, 0.0)
    change = 100 * (by[MONTH].reindex(full) / base - 1)
    return pd.Series(change.reindex(by.index).to_numpy(), index=g.index)


def forms(releases: pd.DataFrame) -> pd.DataFrame:
    """The forms the releases make, in filing order (module docstring): one row per (form,
    indicator) with ``released``, ``period``, ``status`` (preliminary | official), ``indicator``,
    ``value``."""
    codes = [*LEVELS, *RATES]
    by_month = {m: g.set_index("indicator") for m, g in releases.groupby("month")}
    through: dict[tuple[str, pd.Timestamp], float] = {}  # total from January the store implies
    out: list[dict[str, object]] = []

    def through_before(code: str, month: pd.Timestamp) -> float | None:
        """The total from January through the month before ``month``, as the store implies it."""
        if month.month == 1:
            return 0.0
        return through.get((code, month - pd.DateOffset(months=1)))

    for t, rel in by_month.items():
        prev = t - pd.DateOffset(months=1)
        values: dict[str, float] = {}
        if t.month > 1:  # revise the month before from this release's total
            for code in LEVELS:
                before = through_before(code, prev)
                if code in rel.index and before is not None:
                    values[code] = float(rel.at[code, "ytd"] - rel.at[code, "first"]) - before
            old = by_month.get(prev)
            for code in RATES:
                if old is not None and code in old.index:
                    values[code] = float(old.at[code, "first"])
            if _complete(values, codes):
                for code in LEVELS:
                    through[(code, prev)] = float(rel.at[code, "ytd"] - rel.at[code, "first"])
                out += _rows(rel, prev, "official", values)
        values = {c: float(rel.at[c, "first"]) for c in codes if c in rel.index}
        if _complete(values, codes):
            for code in LEVELS:
                # a first release mid-year: the months before it are known only as its total
                implied = float(rel.at[code, "ytd"] - rel.at[code, "first"])
                base = 0.0 if t.month == 1 else through.setdefault((code, prev), implied)
                through[(code, t)] = base + values[code]
            out += _rows(rel, t, "preliminary", values)
    cols = ["released", "period", "status", "indicator", "value"]
    return pd.DataFrame(out, columns=cols)


def _complete(values: dict[str, float], codes: Iterable[str]) -> bool:
    return all(c in values and pd.notna(values[c]) for c in codes)


def _rows(
    rel: pd.DataFrame, period: pd.Timestamp, status: str, values: dict[str, float]
) -> list[dict[str, object]]:
    released = rel["released"].max()
    values = {**values, BALANCE[0]: values[BALANCE[1]] - values[BALANCE[2]]}
    return [
        {"released": released, "period": period, "status": status, "indicator": c, "value": v}
        for c, v in values.items()
    ]


def submit_forms(table: pd.DataFrame, folder: str | Path) -> list[ingest.SubmissionResult]:
    """Write each form of :func:`forms` as the regime's .xlsx template filled in, into ``folder``,
    and submit it as the customs office, received when released; returns the results in order."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    for (released, period, status), g in table.groupby(
        ["released", "period", "status"], sort=False
    ):
        name = f"{AGENCY}_{period:%Y-%m}_{status}_{released:%Y%m%d}.xlsx"
        path = templates.write_template(
            REGIME, f"{period:%Y-%m}", AGENCY, folder / name, status=str(status)
        )
        templates.fill_template(
            path, {(c, NATION): v for c, v in zip(g["indicator"], g["value"], strict=True)}
        )
        results.append(
            ingest.submit(path, agency=AGENCY, received_at=pd.Timestamp(released).to_pydatetime())
        )
    return results


def file_releases(
    source: str | Path, work: str | Path, start: str | None = None, end: str | None = None
) -> list[ingest.SubmissionResult]:
    """Read the GSO tables in ``source``, make their forms and file them into the current store
    (``$NRIS_STORE``), writing the forms into ``work``: :func:`read_releases`, :func:`forms`,
    :func:`submit_forms` in a row."""
    return submit_forms(forms(read_releases(source, start, end)), work)
