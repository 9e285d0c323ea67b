"""What a process does before Altair or the Jupyter stack loads.

``jsonschema`` (under Altair, and under nbformat: papermill, nbconvert, Voilà) registers checkers
for the ``iri`` formats from ``rfc3987_syntax`` when that is importable (it is, for jupyter-events),
and ``rfc3987_syntax`` compiles some 35 Earley parsers with lark when imported: one to two and a
half CPU-seconds in each process, the largest single cost of starting a report run, a kernel that
draws charts or a Voilà server (jsonschema issue 1428). No schema these processes validate (chart
specs, notebooks, Jupyter events) uses the ``iri`` formats; nothing here checks formats.
"""

from __future__ import annotations

import sys


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
