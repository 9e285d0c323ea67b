"""What a process does before Altair or the Jupyter stack loads.

``jsonschema`` (under Altair, and under nbformat: papermill, nbconvert, Voilà) registers checkers
for the ``iri`` formats from ``rfc3987_syntax`` when that is importable (it is, for jupyter-events),
and ``rfc3987_syntax`` compiles some 35 Earley parsers with lark when imported: one to two and a
half CPU-seconds in each process, the largest single cost of starting a report run, a kernel that
draws charts or a Voilà server (jsonschema issue 1428). No schema these processes validate (chart
specs, notebooks, Jupyter events) uses the ``iri`` formats; nothing here checks formats.

``papermill`` imports ``pyarrow.fs`` for ``hdfs://`` paths, and with it pyarrow and numpy: a tenth
to a fifth of a CPU-second in every run's papermill child, which reads and writes local files only.
"""

from __future__ import annotations

import sys
from types import ModuleType


def skip_iri_parsers() -> bool:
    """Keep ``jsonschema`` from loading ``rfc3987_syntax``; True when it now will not.

    ``None`` in ``sys.modules`` is the import system's way to refuse a module: jsonschema's import
    of it inside ``suppress(ImportError)`` then fails and those two format checkers are not
    registered. Too late (returns False) once jsonschema's formats are loaded.
    """
    if "jsonschema._format" in sys.modules:
        return sys.modules.get("rfc3987_syntax", False) is None
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    return sys.modules["rfc3987_syntax"] is None


def import_papermill() -> ModuleType:
    """``import papermill`` without its ``hdfs://`` support (``pyarrow.fs``), which no run uses.

    ``pyarrow.fs`` is refused only while papermill's modules load (papermill catches the
    ImportError and leaves ``hdfs://`` paths to fail when used); a later ``import pyarrow.fs``
    (pandas' parquet reader) works as before. Nothing is refused once pyarrow.fs is loaded.
    """
    if "papermill.iorw" not in sys.modules and "pyarrow.fs" not in sys.modules:
        sys.modules["pyarrow.fs"] = None  # type: ignore[assignment]
        try:
            import papermill.iorw  # noqa: F401
        finally:
            if sys.modules.get("pyarrow.fs", False) is None:
                del sys.modules["pyarrow.fs"]
    import papermill

    return papermill
