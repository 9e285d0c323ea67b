"""Papermill runs: validate parameters, execute, render offline HTML, record, publish atomically.

A run reads as a pipeline: validate the parameters against the notebook's ``parameters`` cell ->
execute with papermill in a child process (hard timeout; a dead kernel is a failed run) -> render a
self-contained HTML without code -> move the report into ``reports/<job>/<period>/`` -> switch
``reports/<job>/latest`` -> record the attempt -> regenerate ``reports/index.html``.

Nothing is lost: attempts execute in a staging folder, so a failed or killed run never replaces a good
report; the failed notebook is kept under ``reports/<job>/failed/`` for diagnosis. The run history is
a small SQLite file next to the store (``runs.sqlite``, WAL): many workers record at once and no
reader of the data store is ever blocked by it.

One module per step: ``params`` (the notebook's parameters), ``history`` (the run history),
``execution`` (papermill's child, the HTML), ``publishing`` (a task's attempts, a job's fan-out),
``index`` (``reports/index.html``). The papermill child is ``python -m workbench.runs``
(``__main__``). None of them loads pandas, the calendar or the jobs at import.
"""

from workbench.runs.execution import KERNEL, execute_notebook, render_html
from workbench.runs.history import STATUSES, history_path, run_history
from workbench.runs.index import summary, write_index
from workbench.runs.params import (
    AREA_PARAMS,
    CHOICES,
    INDICATOR_PARAMS,
    check_choices,
    notebook_parameters,
    parse_assignments,
    validate_parameters,
)
from workbench.runs.publishing import (
    FINAL_ERRORS,
    RunResult,
    job_dir,
    run_job,
    run_task,
    switch_latest,
)

__all__ = [
    "AREA_PARAMS",
    "CHOICES",
    "FINAL_ERRORS",
    "INDICATOR_PARAMS",
    "KERNEL",
    "STATUSES",
    "RunResult",
    "check_choices",
    "execute_notebook",
    "history_path",
    "job_dir",
    "notebook_parameters",
    "parse_assignments",
    "render_html",
    "run_history",
    "run_job",
    "run_task",
    "summary",
    "switch_latest",
    "validate_parameters",
    "write_index",
]
