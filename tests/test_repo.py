"""Repository hygiene the house rules ask for: stripped notebooks, matching dependency lists."""

from __future__ import annotations

import json
import re
import tomllib

from analytics import paths

ROOT = paths.root()


def test_notebooks_are_committed_without_outputs():
    for nb_path in ROOT.joinpath("notebooks").rglob("*.ipynb"):
        if ".ipynb_checkpoints" in nb_path.parts:
            continue
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), nb_path
        tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{nb_path}: needs exactly one cell tagged 'parameters'"


def _name(req: str) -> str:
    return re.split(r"[<>=\[ ]", req, maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_lists_the_pyproject_dependencies():
    project = tomllib.loads(ROOT.joinpath("pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    env = ROOT.joinpath("environment.yml").read_text(encoding="utf-8")
    listed = {_name(m) for m in re.findall(r"^\s+- (?:- )?([A-Za-z][\w.\-\[\]]*)", env, re.M)}
    listed |= {"duckdb"} if "python-duckdb" in listed else set()
    listed |= {"dask"} if "distributed" in listed else set()
    missing = wanted - listed
    assert not missing, f"environment.yml lacks {sorted(missing)}"
