"""SDMX-CSV 1.0 in and out through pysdmx: the official-statistics exchange format.

Out: a tidy frame of observations becomes a dataset of the ``NRIS:NRIS_DATA(1.0)`` dataflow with
dimensions INDICATOR, REF_AREA, FREQ, TIME_PERIOD, the measure OBS_VALUE and the attributes
UNIT_MEASURE, OBS_STATUS. In: pysdmx reads the table; its columns are taken by those names.
"""

from __future__ import annotations

import pandas as pd

from analytics.submission_files import SubmissionFileError

MEDIA_TYPE = "application/vnd.sdmx.data+csv; version=1.0.0"
FREQ = {"M": "M", "Q": "Q", "6M": "S", "9M": "9M", "A": "A", "D": "D"}
STATUS = {"preliminary": "P", "official": "A", "revised": "R"}


def _schema():  # noqa: ANN202 - pysdmx's Schema
    from pysdmx.model import Concept, DataType
    from pysdmx.model.dataflow import Component, Components, Role, Schema

    def comp(cid: str, role: Role, dtype: DataType = DataType.STRING) -> Component:
        return Component(
            id=cid,
            required=role != Role.ATTRIBUTE,
            role=role,
            concept=Concept(id=cid),
            local_dtype=dtype,
            attachment_level="O" if role == Role.ATTRIBUTE else None,
        )

    dims = ["INDICATOR", "REF_AREA", "FREQ", "TIME_PERIOD"]
    return Schema(
        context="dataflow",
        agency="NRIS",
        id="NRIS_DATA",
        version="1.0",
        components=Components(
            [comp(d, Role.DIMENSION) for d in dims]
            + [comp("OBS_VALUE", Role.MEASURE, DataType.DOUBLE)]
            + [comp(a, Role.ATTRIBUTE) for a in ("UNIT_MEASURE", "OBS_STATUS")]
        ),
    )


def time_period(period: object, freq: str) -> str:
    """SDMX's TIME_PERIOD for a period start: 2026-10, 2026-Q3, 2026-S1, 2026."""
    p = pd.Timestamp(period)  # type: ignore[arg-type]
    if freq == "Q":
        return f"{p.year}-Q{(p.month - 1) // 3 + 1}"
    if freq == "6M":
        return f"{p.year}-S{(p.month - 1) // 6 + 1}"
    if freq == "A":
        return str(p.year)
    if freq == "9M":
        return f"{p.year}-9M"
    return f"{p.year}-{p.month:02d}"


def write(obs: pd.DataFrame) -> str:
    """Observations (indicator, area, period, freq, value, unit, status) as SDMX-CSV 1.0 text."""
    from pysdmx.io.csv.sdmx10.writer import write as write_csv
    from pysdmx.io.pd import PandasDataset

    data = pd.DataFrame(
        {
            "INDICATOR": obs["indicator"].astype(str),
            "REF_AREA": obs["area"].astype(str),
            "FREQ": [FREQ.get(f, f) for f in obs["freq"]],
            "TIME_PERIOD": [
                time_period(p, f) for p, f in zip(obs["period"], obs["freq"], strict=True)
            ],
            "OBS_VALUE": obs["value"].astype(float),
            "UNIT_MEASURE": obs["unit"].astype(str),
            "OBS_STATUS": [STATUS.get(s, s) for s in obs["status"]],
        }
    )
    out = write_csv([PandasDataset(structure=_schema(), data=data)])
    assert isinstance(out, str)
    return out


def read(text: str) -> pd.DataFrame:
    """An SDMX-CSV 1.0 table as a frame of strings; a table pysdmx refuses is a file error."""
    from pysdmx.errors import PysdmxError
    from pysdmx.io.csv.sdmx10.reader import read as read_csv

    try:
        datasets = read_csv(text)
    except (PysdmxError, ValueError, KeyError, pd.errors.ParserError) as exc:
        raise SubmissionFileError(
            f"không đọc được SDMX-CSV ({type(exc).__name__})",
            f"cannot read the SDMX-CSV ({type(exc).__name__})",
        ) from None
    frames = [pd.DataFrame(d.data).astype(str) for d in datasets]
    if not frames:
        raise SubmissionFileError("SDMX-CSV rỗng", "the SDMX-CSV has no rows")
    df = pd.concat(frames, ignore_index=True)
    missing = [c for c in ("INDICATOR", "OBS_VALUE") if c not in df.columns]
    if missing:
        raise SubmissionFileError(
            f"SDMX-CSV thiếu cột {', '.join(missing)}",
            f"the SDMX-CSV lacks column(s) {', '.join(missing)}",
        )
    return df.replace({"NaN": ""})
