"""Small parameterized notebooks the run and scheduler tests write and run through papermill."""

from __future__ import annotations

from pathlib import Path

import nbformat


def python3_notebook() -> nbformat.NotebookNode:
    """An empty notebook for the ``python3`` kernel."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def write_notebook(path: Path, parameters: str, code: str, title: str | None = None) -> Path:
    """A notebook at ``path``: a markdown ``title`` if given, the cell tagged ``parameters``
    (papermill's), then ``code``."""
    nb = python3_notebook()
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    head = [nbformat.v4.new_markdown_cell(title)] if title is not None else []
    nb.cells = [*head, params, nbformat.v4.new_code_cell(code)]
    nbformat.write(nb, path)
    return path
