"""The papermill child of ``execute_notebook``: ``python -m workbench.runs SPEC_JSON``."""

import json
import sys

if __name__ == "__main__":
    from analytics.startup import skip_iri_parsers

    skip_iri_parsers()
    from workbench.runs.execution import _child

    sys.exit(_child(json.loads(sys.argv[1])))
