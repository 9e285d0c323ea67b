"""Schemathesis over the OpenAPI document of a running ``nris api``: no 5xx, answers as declared."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_helpers import Server, start, token
from test_ingest_helpers import copy_store


@pytest.fixture(scope="module")
def fuzzed(demo_store: Path, tmp_path_factory: pytest.TempPathFactory):
    folder = copy_store(demo_store, tmp_path_factory.mktemp("fuzz") / "store")
    server = start(folder, env={"NRIS_API_RATE": "100000/60"})
    server.tokens["me"] = token(folder, "UBND_01")
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.slow
def test_api_conforms_to_its_openapi_document(fuzzed: Server) -> None:
    """Every operation, a bounded number of generated requests each, validated by schemathesis.

    (Imported here: only the xdist worker that runs this test loads schemathesis.)"""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]

    schema = schemathesis.openapi.from_url(fuzzed.url + "/openapi.json")
    ran = []
    for result in schema.get_all_operations():
        op = result.ok()
        if op.path == "/v1/events":  # an endless stream: covered in test_api.py
            continue

        @given(case=op.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case) -> None:  # noqa: ANN001
            case.call_and_validate(base_url=fuzzed.url, headers=fuzzed.headers("me"), checks=checks)

        run()
        ran.append(f"{op.method.upper()} {op.path}")
    assert {"POST /v1/submissions", "GET /v1/data/{indicator}", "GET /v1/status"} <= set(ran)
