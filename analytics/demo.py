"""Deterministic demo data: every catalog indicator, national and by province, 2015 to a given month.

Clearly demo data (submissions carry ``source = 'demo'`` and the snapshot manifest says so), but with
the features tests and economists look for: trend and yearly seasonality, the Tết effect moving with
the real Tết dates, the COVID-19 shocks of 2020 and Q3 2021, provinces that add up exactly to the
nation, preliminary values revised in the next submission, and a few late and missing reports.
Generator parameters per indicator live in ``data/catalog/demo_profiles.csv``.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib

import numpy as np
import pandas as pd
import polars as pl

from analytics import derived, paths, store
from analytics.calendar import MONTHS, now, report_deadline, tet_share
from analytics.catalog import NATION, Catalog, catalog
from analytics.transforms import to_freq

START = pd.Timestamp("2015-01-01")
TET_BEFORE, TET_AFTER = 5, 10
COVID_MONTHS = {
    (2020, 2): 0.2,
    (2020, 3): 0.5,
    (2020, 4): 1.0,
    (2020, 5): 0.6,
    (2020, 6): 0.3,
    (2020, 7): 0.2,
    (2020, 8): 0.3,
    (2020, 9): 0.2,
    (2021, 5): 0.2,
    (2021, 6): 0.3,
    (2021, 7): 0.6,
    (2021, 8): 1.0,
    (2021, 9): 1.0,
    (2021, 10): 0.5,
    (2021, 11): 0.2,
}
# Quarterly data follow the national accounts rather than the monthly lockdown calendar: Q2 2020
# held up, Q3 2021 (the Delta lockdowns in the South) was the real fall.
COVID_QUARTERS = {(2020, 1): 0.2, (2020, 2): 0.3, (2020, 3): 0.2, (2021, 3): 0.8, (2021, 4): 0.2}
FORMULA = re.compile(r"^(\w+)\(([A-Z0-9_]+)(?:,([A-Z0-9_]+))?\)$")
LATE_SHARE = 0.04
MISSING_PROVINCES = 3
COMMUNES_FROM = pd.Timestamp("2025-07-01")  # two-tier local government: communes report since then
MISSING_COMMUNES = 5  # communes of each reporting province whose latest figures have not come in


def latest_complete_month(today: dt.date | None = None) -> pd.Timestamp:
    """The month before ``today``'s month (the latest one whose reports are due)."""
    today = today or now().date()
    return pd.Timestamp(today.year, today.month, 1) - pd.DateOffset(months=1)


def _rng(seed: int, *keys: str) -> np.random.Generator:
    return np.random.default_rng([seed, *(zlib.crc32(k.encode()) for k in keys)])


def _periods(freq: str, end: pd.Timestamp) -> pd.DatetimeIndex:
    if freq == "M":
        return pd.date_range(START, end, freq="MS")
    if freq == "Q":
        last_q = pd.Timestamp(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
        if end.month % 3:  # the quarter holding ``end`` is not complete yet
            last_q -= pd.DateOffset(months=3)
        return pd.date_range(START, last_q, freq="QS")
    last_year = end.year if end.month == 12 else end.year - 1
    return pd.date_range(START, pd.Timestamp(last_year, 1, 1), freq="YS")


def _covid(idx: pd.DatetimeIndex, freq: str, severe: bool) -> np.ndarray:
    def month(y: int, m: int) -> float:
        if severe and (dt.date(2020, 4, 1) <= dt.date(y, m, 1) <= dt.date(2022, 2, 1)):
            return 1.0
        return COVID_MONTHS.get((y, m), 0.0)

    if freq == "Q" and not severe:
        return np.array([COVID_QUARTERS.get((t.year, (t.month - 1) // 3 + 1), 0.0) for t in idx])
    span = MONTHS[freq]
    return np.array([np.mean([month(t.year, t.month + k) for k in range(span)]) for t in idx])


def _base_series(
    p: pd.Series, freq: str, additive: bool, idx: pd.DatetimeIndex, rng: np.random.Generator
) -> np.ndarray:
    years = np.asarray((idx - START).days / 365.25)
    cycle = (
        np.cos(2 * np.pi * (idx.month - p["peak_month"]) / 12)
        if freq != "A"
        else np.zeros(len(idx))
    )
    tet = tet_share(idx, TET_BEFORE, TET_AFTER) if freq == "M" else np.zeros(len(idx))
    covid = _covid(idx, freq, severe=p["covid"] <= -0.9)
    # An AR(1) wander keeps series from looking like textbook sine waves.
    eps = np.zeros(len(idx))
    shocks = rng.normal(0, 1, len(idx))
    for i in range(len(idx)):
        eps[i] = 0.5 * (eps[i - 1] if i else 0.0) + shocks[i]
    if additive:
        level = p["base"] + p["trend"] * years + p["season"] * abs(p["base"]) * cycle
        return level + p["tet"] * abs(p["base"]) * tet + p["covid"] * covid + p["noise"] * eps
    level = p["base"] * (1 + p["trend"]) ** years * (1 + p["season"] * cycle)
    return level * (1 + p["tet"] * tet) * (1 + p["covid"] * covid) * np.exp(p["noise"] * eps)


def _province_shares(cat: Catalog, code: str, idx: pd.DatetimeIndex, seed: int) -> pd.DataFrame:
    """Shares of the nation per province and period (rows sum to 1), drifting slowly."""
    prov = cat.provinces()
    weight = prov["econ_weight"].fillna(1 / len(prov)).to_numpy()
    if code.startswith(("POPULATION", "LABOUR")):
        weight = prov["population_k"].fillna(1).to_numpy()
    rng = _rng(seed, code, "shares")
    years = np.asarray((idx - START).days / 365.25)[:, None]
    drift = rng.normal(0, 0.01, len(prov))[None, :]
    raw = weight[None, :] * np.exp(drift * years + rng.normal(0, 0.005, (len(idx), len(prov))))
    return pd.DataFrame(raw / raw.sum(axis=1, keepdims=True), index=idx, columns=prov["code"])


def _derive(formula: str, series: dict[str, pd.DataFrame], freq: str) -> pd.DataFrame:
    m = FORMULA.match(formula)
    if not m:
        raise ValueError(f"demo_profiles.csv: bad formula {formula!r}")
    fn, x, y = m.groups()
    a = series[x]
    lag = 12 // MONTHS[freq]  # periods in a year
    if fn == "yoy":
        return (a / a.shift(lag) - 1) * 100
    if fn == "mom":
        return (a / a.shift(1) - 1) * 100
    if fn in ("ytd_yoy", "ytd_avg_yoy"):
        cum = a.groupby(a.index.year).cumsum()
        return (cum / cum.shift(lag) - 1) * 100
    if fn == "diff":
        return a - series[y].reindex_like(a)
    if fn == "ratio":
        return 100 * a / series[y].reindex_like(a)
    if fn == "cumshare":
        plan = series[y]
        plan = plan.reindex(plan.index.union(a.index)).ffill().reindex(a.index)
        plan.index = a.index
        return 100 * a.groupby(a.index.year).cumsum() / plan.reindex(columns=a.columns)
    raise ValueError(f"demo_profiles.csv: unknown function {fn!r}")


def generate_values(end: pd.Timestamp, seed: int = 2015) -> pd.DataFrame:
    """The 'true' demo values: one row per (indicator, area, period) with freq and unit."""
    cat = catalog()
    prof = pd.read_csv(
        paths.catalog_dir() / "demo_profiles.csv", dtype={"code": str}, keep_default_na=False
    )
    prof = prof.set_index("code")
    for col in ("base", "trend", "season", "peak_month", "tet", "covid", "noise"):
        prof[col] = pd.to_numeric(prof[col], errors="coerce").fillna(0.0)
    ind = cat.indicators.set_index("code")
    provinces = cat.provinces()["code"].tolist()
    series: dict[str, pd.DataFrame] = {}  # code -> frame (periods x areas)

    def build(code: str) -> pd.DataFrame:
        if code in series:
            return series[code]
        row, p = ind.loc[code], prof.loc[code]
        idx = _periods(row["frequency"], end)
        has_prov = "province" in row["levels"].split(";")
        if p["formula"]:
            for dep in FORMULA.match(p["formula"]).groups()[1:]:  # type: ignore[union-attr]
                if dep:
                    build(dep)
            frame = _derive(p["formula"], series, row["frequency"])
            frame = frame.reindex(columns=[NATION] + (provinces if has_prov else []))
        else:
            additive = row["measure"] == "rate"
            nat = np.asarray(
                _base_series(p, row["frequency"], additive, idx, _rng(seed, code)), dtype=float
            )
            frame = pd.DataFrame({NATION: nat}, index=idx)
            if has_prov and row["area_agg"] == "sum":
                shares = _province_shares(cat, code, idx, seed)
                frame = shares.mul(nat, axis=0).round(int(row["decimals"]))
                frame.insert(0, NATION, frame.sum(axis=1))
            elif has_prov:
                rng = _rng(seed, code, "provinces")
                offset = rng.normal(0, 0.03 if not additive else 0.15, len(provinces))
                noise = rng.normal(0, 0.005 if not additive else 0.05, (len(idx), len(provinces)))
                if additive:
                    prov = nat[:, None] + abs(np.nanmean(nat)) * (offset[None, :] + noise)
                else:
                    prov = nat[:, None] * (1 + offset[None, :] + noise)
                frame = pd.concat([frame, pd.DataFrame(prov, index=idx, columns=provinces)], axis=1)
        series[code] = frame
        return frame

    communes = _commune_values(cat, prof, end, seed)  # none before July 2025
    rows = [communes] if len(communes) else []
    for code in ind.index:
        if "commune" in ind.loc[code, "levels"].split(";"):
            continue  # reported by communes only: their province and nation figures add them up
        frame = build(code).round(int(ind.loc[code, "decimals"]))
        long = (
            frame.rename_axis("period")
            .reset_index()
            .melt("period", var_name="area", value_name="value")
        )
        long = long.dropna(subset=["value"])
        long["indicator"] = code
        long["freq"] = ind.loc[code, "frequency"]
        long["unit"] = ind.loc[code, "unit_vi"]
        rows.append(long)
    out = pd.concat(rows, ignore_index=True)
    out["period"] = pd.to_datetime(out["period"]).dt.date
    return out[["indicator", "area", "period", "freq", "value", "unit"]]


def _commune_values(cat: Catalog, prof: pd.DataFrame, end: pd.Timestamp, seed: int) -> pd.DataFrame:
    """Commune-level indicators for the communes of the provinces that file a commune regime.

    Each commune has a size (lognormal, fixed per commune) scaling the profile's base; monthly
    values follow the profile's trend, season and Tết, from July 2025 (the communes' first month).
    Rates (``measure = rate``) vary around the base and stay within 0-100.
    """
    cols = ["indicator", "area", "period", "freq", "value", "unit"]
    ind = cat.indicators.set_index("code")
    codes = [c for c in ind.index if "commune" in ind.loc[c, "levels"].split(";")]
    idx = pd.date_range(COMMUNES_FROM, end, freq="MS")
    links = cat.regime_indicators[cat.regime_indicators["indicator"].isin(codes)]
    regimes = set(links["regime"])
    cov = cat.coverage[cat.coverage["regime"].isin(regimes)]
    communes = cat.areas.set_index("code").loc[sorted(set(cov["area"]))]
    if not codes or len(idx) == 0 or communes.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for code in codes:
        p = prof.loc[code]
        additive = ind.loc[code, "measure"] == "rate"
        rng = _rng(seed, code, "communes")
        calm = p.where(
            p.index != "noise", 0.0
        )  # the level without noise: each commune adds its own
        level = np.asarray(_base_series(calm, "M", additive, idx, rng), dtype=float)[:, None]
        size = np.exp(rng.normal(0, 0.5, len(communes)))[None, :]
        eps = np.zeros((len(idx), len(communes)))  # each commune's own AR(1) wander
        shocks = rng.normal(0, 1, eps.shape)
        for i in range(len(idx)):
            eps[i] = 0.5 * (eps[i - 1] if i else 0.0) + shocks[i]
        if additive:
            values = np.clip(level + p["noise"] * eps, 0, 100)
        else:
            values = level * size * np.exp(p["noise"] * eps)
        frame = pd.DataFrame(values, index=idx, columns=communes.index)
        long = frame.rename_axis("period").reset_index().melt("period", var_name="area")
        long["indicator"] = code
        long["freq"] = "M"
        long["unit"] = ind.loc[code, "unit_vi"]
        long["value"] = long["value"].round(int(ind.loc[code, "decimals"]))
        rows.append(long)
    out = pd.concat(rows, ignore_index=True)
    out["period"] = pd.to_datetime(out["period"]).dt.date
    return out[cols]


def _with_prelim(values: pd.DataFrame, ind: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Add the preliminary figure of each value: a little off, provinces still adding up."""
    v = values.copy()
    additive = v["indicator"].map(ind["measure"]).isin(["rate", "pct_change"]).to_numpy()
    decimals = v["indicator"].map(ind["decimals"]).astype(int).to_numpy()
    noise = rng.normal(0, 1, len(v))
    prelim = np.where(additive, v["value"] + 0.1 * noise, v["value"] * (1 + 0.01 * noise))
    v["prelim"] = [round(x, int(d)) for x, d in zip(prelim, decimals, strict=True)]
    sums = v[v["area"] != NATION].groupby(["indicator", "period", "freq"])["prelim"].sum()
    nat_add = (
        (v["area"] == NATION)
        & v["indicator"].map(ind["area_agg"]).eq("sum")
        & v["indicator"].map(ind["levels"]).str.contains("province")
    )
    idx = pd.MultiIndex.from_frame(v.loc[nat_add, ["indicator", "period", "freq"]])
    v.loc[nat_add, "prelim"] = [
        round(x, int(d))
        for x, d in zip(sums.reindex(idx).to_numpy(), decimals[nat_add.to_numpy()], strict=True)
    ]
    return v


def _filings(cat: Catalog, values: pd.DataFrame) -> pd.DataFrame:
    """What each report carries: values joined to (regime, agency, indicator, area, freq).

    Every regime is filed by its submitters: a province reports its own area, a ministry the
    national figures of the indicators it owns (indicators no submitter owns go to the first one).
    6-month, 9-month and annual regimes carry monthly or quarterly series aggregated by their rule.
    """
    ind = cat.indicators.set_index("code")
    regimes = cat.regimes.set_index("code")
    area_of = dict(zip(cat.agencies["code"], cat.agencies["area"], strict=True))
    subs = cat.regime_submitters.groupby("regime")["agency"].agg(list)
    cov = cat.coverage.groupby(["regime", "agency"])["area"].agg(list).to_dict()
    rows: list[tuple[str, str, str, str, str]] = []
    for regime, links in cat.regime_indicators.groupby("regime", sort=False):
        r = regimes.loc[regime]
        submitters = subs.get(regime, [])
        if r["frequency"] == "adhoc" or not submitters:
            continue
        codes = links["indicator"].tolist()
        for agency in submitters:
            if r["level"] in ("province", "commune"):  # each files its own areas
                mine = codes
            else:
                mine = [c for c in codes if ind.loc[c, "agency"] == agency]
                if agency == submitters[0]:
                    mine += [c for c in codes if ind.loc[c, "agency"] not in submitters]
            if r["level"] == "commune":  # a province files the communes it covers
                areas = cov.get((regime, agency), [])
            else:
                areas = [NATION if r["level"] == "national" else area_of[agency]]
            for code in mine:
                native = ind.loc[code, "frequency"]
                freq = r["frequency"] if MONTHS[r["frequency"]] > MONTHS[native] else native
                rows.extend((regime, agency, code, area, freq) for area in areas)
    links = pd.DataFrame(rows, columns=["regime", "agency", "indicator", "area", "freq"])
    coarse = links.loc[
        links["freq"] != links["indicator"].map(ind["frequency"]), ["indicator", "freq"]
    ]
    frames = [values]
    for freq, codes in coarse.drop_duplicates().groupby("freq")["indicator"]:
        # growth rates over the longer period come from their base series, so those go in too
        bases = {a for c in codes for a in derived.formula(ind.loc[c])[1]}
        part = pl.from_pandas(values[values["indicator"].isin(set(codes) | bases)])
        agg = to_freq(part, str(freq)).filter(pl.col("indicator").is_in(set(codes))).to_pandas()
        agg["period"] = pd.to_datetime(agg["period"]).dt.date
        frames.append(agg.assign(prelim=agg["value"]))
    return links.merge(pd.concat(frames, ignore_index=True), on=["indicator", "area", "freq"])


def demo_submissions(values: pd.DataFrame, seed: int = 2015) -> tuple[pd.DataFrame, pd.DataFrame]:
    """File the values as the agencies would have: (submissions, observations).

    Submission k of an agency under a regime carries the preliminary values of period k and the
    official values of period k-1, so every period but the latest has two vintages.
    """
    cat = catalog()
    ind = cat.indicators.set_index("code")
    regimes = cat.regimes.set_index("code")
    rng = _rng(seed, "vintages")
    v = _filings(cat, _with_prelim(values, ind, rng))

    subs = (
        v[["agency", "regime", "period", "freq"]]
        .drop_duplicates()
        .sort_values(["agency", "regime", "freq", "period"])
    )
    subs["deadline"] = [
        report_deadline(p, f, int(regimes.loc[r, "deadline_days"]), regimes.loc[r, "reference"])
        for p, f, r in zip(subs["period"], subs["freq"], subs["regime"], strict=True)
    ]
    late = rng.random(len(subs)) < LATE_SHARE
    early = pd.to_timedelta(rng.integers(0, 72, len(subs)), unit="h")
    subs["received_at"] = (
        subs["deadline"]
        - early
        + pd.to_timedelta(np.where(late, rng.integers(1, 7, len(subs)), 0), unit="D")
    )
    # The latest monthly reports of a few provinces have not come in.
    last_month = v.loc[v["freq"] == "M", "period"].max()
    prov_m = subs[
        (subs["freq"] == "M")
        & subs["agency"].str.startswith("UBND_")
        & (subs["period"] == last_month)
    ]
    missing_agencies = sorted(prov_m["agency"].unique())[
        :: max(1, len(prov_m["agency"].unique()) // MISSING_PROVINCES)
    ][:MISSING_PROVINCES]
    subs = subs[
        ~(
            (subs["period"] == last_month)
            & subs["agency"].isin(missing_agencies)
            & (subs["freq"] == "M")
        )
    ]
    subs = subs.sort_values("received_at").reset_index(drop=True)
    subs["seq"] = np.arange(len(subs))
    subs["prev_period"] = subs.groupby(["agency", "regime", "freq"])["period"].shift(1)

    key = ["agency", "regime", "freq"]
    prelim = v.merge(subs[key + ["period", "seq", "received_at"]], on=key + ["period"])
    prelim = prelim.assign(value=prelim["prelim"], status="preliminary")
    official = v.merge(
        subs.dropna(subset=["prev_period"])[key + ["prev_period", "seq", "received_at"]].rename(
            columns={"prev_period": "period"}
        ),
        on=key + ["period"],
    ).assign(status="official")
    obs = pd.concat([prelim, official], ignore_index=True).rename(
        columns={"received_at": "vintage"}
    )
    return subs, _missing_communes(cat, obs, last_month)


def _missing_communes(cat: Catalog, obs: pd.DataFrame, last_month: object) -> pd.DataFrame:
    """Drop the latest month's figures of a few communes of each province filing communes: they
    had not reported to their province when it filed (completeness of the communes shows them)."""
    level = cat.areas.set_index("code")["level"]
    latest = (obs["period"] == last_month) & (obs["area"].map(level) == "commune")
    late = set()
    for _province, g in obs[latest].groupby("agency"):
        areas = sorted(g["area"].unique())
        late |= set(areas[:: max(1, len(areas) // MISSING_COMMUNES)][:MISSING_COMMUNES])
    return obs[~(latest & obs["area"].isin(late))].reset_index(drop=True)


def build_demo(end: str | dt.date | None = None, seed: int = 2015, batches: int = 1) -> dict:
    """Generate the demo data and write it to the store in ``batches`` transactions (each publishes).

    Batches follow the order the reports arrived in, so each published snapshot is what the system
    would have shown at some moment. Returns counts for the CLI summary.
    """
    end_ts = pd.Timestamp(end).to_period("M").start_time if end else latest_complete_month()
    values = generate_values(end_ts, seed)
    subs, obs = demo_submissions(values, seed)
    chunks = np.array_split(np.arange(len(subs)), max(1, batches))
    for chunk in chunks:
        part = subs.iloc[chunk]
        with store.writer() as con:
            first = store.next_submission_id(con)
            ids = (
                con.execute(
                    "SELECT nextval('submission_seq') FROM range(?)", [len(part) - 1]
                ).fetchall()
                if len(part) > 1
                else []
            )
            id_of = dict(zip(part["seq"], [first] + [int(i[0]) for i in ids], strict=True))
            counts = obs[obs["seq"].isin(part["seq"])].groupby("seq").size()
            store.append_submissions(
                con,
                pd.DataFrame(
                    {
                        "submission_id": part["seq"].map(id_of),
                        "agency": part["agency"],
                        "regime": part["regime"],
                        "period": part["period"],
                        "freq": part["freq"],
                        "file_name": "demo",
                        "file_hash": None,
                        "received_at": part["received_at"],
                        "status": "accepted",
                        "n_rows": part["seq"].map(counts).fillna(0).astype(int),
                        "n_errors": 0,
                        "n_warnings": 0,
                        "reasons": "[]",
                        "source": "demo",
                    }
                ),
            )
            o = obs[obs["seq"].isin(part["seq"])].copy()
            o["submission_id"] = o["seq"].map(id_of)
            store.append_observations(con, o)
    return {
        "end": end_ts.date(),
        "submissions": len(subs),
        "observations": len(obs),
        "indicators": values["indicator"].nunique(),
        "areas": values["area"].nunique(),
    }
