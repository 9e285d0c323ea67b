"""The Nixtla libraries (statsforecast, utilsforecast, hierarchicalforecast), loaded lean.

All three import ``utilsforecast.compat`` first, and it imports ``dask.dataframe`` whenever Dask is
installed (here it is: the cluster backend of ``forecasts.engine``) for one name it uses only as a
string in a ``TypeVar``. That pulls in dask.dataframe, dask.array and scipy.sparse: about 0.4
CPU-seconds in every process that fits a model (report and briefing kernels, the outlook watcher,
forecast workers), for nothing. :func:`load_compat` hides ``dask.dataframe`` while
``utilsforecast.compat`` loads and gives it back at once: a later ``import dask.dataframe`` works
as ever, and nothing in the libraries reads that name at run time.
"""

from __future__ import annotations

import sys


def load_compat() -> bool:
    """Import ``utilsforecast.compat`` without ``dask.dataframe``; True when it was loaded so.

    Call it before importing statsforecast, utilsforecast or hierarchicalforecast. A no-op (False)
    once ``utilsforecast.compat`` or ``dask.dataframe`` is loaded: too late, or nothing to save.
    """
    if "utilsforecast.compat" in sys.modules or "dask.dataframe" in sys.modules:
        return False
    sys.modules["dask.dataframe"] = None  # type: ignore[assignment]  # the import system's "no"
    try:
        import utilsforecast.compat  # noqa: F401
    finally:
        if "dask.dataframe" in sys.modules and sys.modules["dask.dataframe"] is None:
            del sys.modules["dask.dataframe"]
    return True
