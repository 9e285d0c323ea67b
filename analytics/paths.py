"""Where things live. Every path derives from one root, so tests and deployments can move it.

The root is ``$NRIS_HOME`` when set, otherwise the project checkout this package was installed from.
``$NRIS_CATALOG`` and ``$NRIS_STORE`` override the catalog and store folders on their own.
"""

from __future__ import annotations

import os
from pathlib import Path


def root() -> Path:
    """The project root (``$NRIS_HOME`` or the checkout holding this package)."""
    env = os.environ.get("NRIS_HOME")
    return Path(env).resolve() if env else Path(__file__).resolve().parent.parent


def catalog_dir() -> Path:
    """Folder of the versioned catalog files."""
    env = os.environ.get("NRIS_CATALOG")
    return Path(env).resolve() if env else root() / "data" / "catalog"


def store_dir() -> Path:
    """Folder of the write-side database and the published snapshots (ignored by git)."""
    env = os.environ.get("NRIS_STORE")
    return Path(env).resolve() if env else root() / "data" / "store"


def unpublished_path() -> Path:
    """Marker present from a store writer's commit until its snapshot is published.

    Here rather than in ``store``: every ``nris`` command looks for it (one stat) before deciding
    whether to load the store's libraries (DuckDB, pandas, pyarrow) at all.
    """
    return store_dir() / "unpublished"


def reports_dir() -> Path:
    """Folder of the executed notebooks and rendered reports."""
    env = os.environ.get("NRIS_REPORTS")
    return Path(env).resolve() if env else root() / "reports"


def notebooks_dir() -> Path:
    """Folder of the parameterized notebooks."""
    return root() / "notebooks"
