"""A worker's first-request costs, paid before it serves: the catalog and its look-up tables, the
first Parquet written by DuckDB and read by Polars. Nothing of the store is read or written."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile


def warm_up() -> None:
    """Load what the first submission in this process would otherwise wait for (never raises:
    whatever fails here fails again, and is reported, on the request that needs it)."""
    try:
        _warm_up()
    except Exception as exc:  # noqa: BLE001 - an optional speed-up
        logging.getLogger("uvicorn.error").warning("warm-up skipped: %s", type(exc).__name__)


def _warm_up() -> None:
    import duckdb
    import pandas as pd
    import polars as pl

    from analytics.catalog import catalog
    from analytics.validation import lookups

    lookups(catalog())
    rows = pd.DataFrame({"k": ["a", "b"], "v": [1.0, 2.0], "d": [dt.date(2020, 1, 1)] * 2})
    with tempfile.TemporaryDirectory(prefix="nris-warm-") as folder:
        con = duckdb.connect()
        try:
            con.register("_rows", rows)
            con.execute("CREATE TABLE t AS SELECT * FROM _rows")
            con.execute("SELECT t.k FROM t JOIN _rows USING (k, d)").df()
            con.execute(
                "COPY (SELECT k, v, d, row_number() OVER (PARTITION BY k ORDER BY d DESC) = 1 "
                f"AS latest FROM t ORDER BY k, d) TO '{folder}/w.parquet' "
                "(FORMAT PARQUET, COMPRESSION zstd, ROW_GROUP_SIZE 65536)"
            )
        finally:
            con.close()
        pl.scan_parquet(f"{folder}/w.parquet").filter(pl.col("latest")).collect().to_pandas()
