"""``nris api`` as a real uvicorn process over a private store: every route, every refusal."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest
from api_helpers import ROOT, Server, grid_rows, start, store_env, token
from cli_helpers import run_main
from test_ingest_helpers import copy_store, form_grid, write_csv, write_xlsx

PERIOD = "2022-07"


@pytest.fixture(scope="module")
def api(demo_store: Path, tmp_path_factory: pytest.TempPathFactory):
    folder = copy_store(demo_store, tmp_path_factory.mktemp("api") / "store")
    server = start(folder, env={"NRIS_API_RATE": "30/60", "NRIS_LIMITS": "file_mb=1"})
    try:
        yield server
    finally:
        server.stop()


def obs_rows(server: Server) -> int:
    with store_env(server.store):
        from analytics import store

        return int(store.snapshot_info()["rows"])


def audit(server: Server) -> pd.DataFrame:
    with store_env(server.store):
        from analytics import reporting

        return reporting.submissions()


def csv_bytes(tmp: Path, agency: str, edit=None) -> bytes:  # noqa: ANN001
    grid = form_grid(agency, "BC_KTXH_THANG", PERIOD)
    if edit:
        edit(grid)
    return write_csv(tmp / f"{agency}.csv", grid).read_bytes()


def post_file(server: Server, tok: str, name: str, data: bytes, **kw) -> httpx.Response:  # noqa: ANN003
    return httpx.post(
        server.url + "/v1/submissions",
        headers={"Authorization": f"Bearer {tok}", **kw.pop("headers", {})},
        files={"file": (name, data)},
        timeout=60,
        **kw,
    )


def test_json_submission_is_stored_and_readable_at_once(api: Server) -> None:
    tok = token(api.store, "UBND_04")
    rows = grid_rows(form_grid("UBND_04", "BC_KTXH_THANG", PERIOD))
    cpi = next(r for r in rows if r["indicator"] == "CPI")
    cpi["value"] = 123.45
    r = httpx.post(
        api.url + "/v1/submissions",
        headers={"Authorization": f"Bearer {tok}"},
        json={"regime": "BC_KTXH_THANG", "period": PERIOD, "rows": rows, "status": "sơ bộ"},
        timeout=60,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "accepted" and body["agency"] == "UBND_04"
    assert body["n_rows"] == len(rows) and body["period"] == "2022-07-01"
    assert any(w["kind"] == "late" for w in body["warnings"])  # 2022-07 sent in 2026
    # the writer publishes before it answers: the very next read sees the figure
    d = httpx.get(
        api.url + "/v1/data/CPI",
        headers={"Authorization": f"Bearer {tok}"},
        params={"areas": "04", "start": PERIOD, "end": PERIOD},
    ).json()
    assert [(o["value"], o["submission_id"]) for o in d["observations"]] == [
        (123.45, body["submission_id"])
    ]
    sub = httpx.get(
        f"{api.url}/v1/submissions/{body['submission_id']}",
        headers={"Authorization": f"Bearer {tok}"},
    ).json()
    assert sub["status"] == "accepted" and sub["source"].startswith("api: token ")
    # another agency does not see it
    other = token(api.store, "UBND_08", "reader")
    r = httpx.get(
        f"{api.url}/v1/submissions/{body['submission_id']}",
        headers={"Authorization": f"Bearer {other}"},
    )
    assert r.status_code == 404


def test_csv_and_xlsx_uploads_as_nris_submit_takes_them(api: Server, tmp_path: Path) -> None:
    tok = token(api.store, "UBND_08")
    r = post_file(api, tok, "UBND_08.csv", csv_bytes(tmp_path, "UBND_08"))
    assert r.status_code == 201, r.text
    tok11 = token(api.store, "UBND_11")
    xlsx = write_xlsx(tmp_path / "u11.xlsx", form_grid("UBND_11", "BC_KTXH_THANG", PERIOD))
    r = post_file(api, tok11, "u11.xlsx", xlsx.read_bytes())
    assert r.status_code == 201, r.text
    assert r.json()["n_rows"] == 12
    subs = audit(api)
    row = subs[subs["submission_id"] == r.json()["submission_id"]].iloc[0]
    assert (row["agency"], row["file_name"], row["status"]) == ("UBND_11", "u11.xlsx", "accepted")


def test_invalid_json_gets_every_problem_as_problem_json(api: Server) -> None:
    tok = token(api.store, "UBND_12")
    rows = grid_rows(form_grid("UBND_12", "BC_KTXH_THANG", PERIOD))
    rows[2]["value"] = "abc"
    rows[5]["unit"] = "tấn"
    before = obs_rows(api)
    r = httpx.post(
        api.url + "/v1/submissions",
        headers={"Authorization": f"Bearer {tok}"},
        json={"regime": "BC_KTXH_THANG", "period": PERIOD, "rows": rows},
        timeout=60,
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    errors = [p for p in body["problems"] if p["severity"] == "error"]
    assert {(p["kind"], p["row"], p["column"], p["value"]) for p in errors} == {
        ("not_a_number", 2, "value", "abc"),
        ("unit", 5, "unit", "tấn"),
    }
    assert all(p["message_vi"] and p["message_en"] for p in errors)
    assert errors[0]["message_vi"] != errors[0]["message_en"]
    assert obs_rows(api) == before
    # the refused attempt is audited with the token's agency and id
    subs = audit(api)
    row = subs[subs["submission_id"] == body["submission_id"]].iloc[0]
    assert row["status"] == "rejected" and row["agency"] == "UBND_12"
    assert row["source"] == f"api: token {tok.split('_')[1]}"


def test_json_schema_errors_are_422_problems(api: Server) -> None:
    tok = token(api.store, "UBND_12")
    r = httpx.post(
        api.url + "/v1/submissions",
        headers={"Authorization": f"Bearer {tok}"},
        json={"regime": "BC_KTXH_THANG", "rows": [{"indicator": "CPI"}]},
    )
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    fields = {p["column"] for p in r.json()["problems"]}
    assert {"period", "value"} <= fields


@pytest.mark.parametrize(
    "auth",
    ["", "Bearer", "Bearer nris_deadbeef_wrong", "Basic abc", "wrong-secret", "revoked", "expired"],
)
def test_no_wrong_expired_or_revoked_token_is_401(api: Server, auth: str, tmp_path: Path) -> None:
    if auth == "wrong-secret":
        good = token(api.store, "UBND_14")
        auth = "Bearer " + good[:-4] + "AAAA"
    elif auth == "revoked":
        good = token(api.store, "UBND_14")
        with store_env(api.store):
            from workbench.api import tokens

            assert tokens.revoke("UBND_14", good.split("_")[1]) == 1
        auth = f"Bearer {good}"
    elif auth == "expired":
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        auth = f"Bearer {token(api.store, 'UBND_14', expires=past)}"
    before = obs_rows(api)
    r = httpx.post(
        api.url + "/v1/submissions",
        headers={"Authorization": auth} if auth else {},
        files={"file": ("u14.csv", csv_bytes(tmp_path, "UBND_14"))},
    )
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.headers["content-type"] == "application/problem+json"
    assert httpx.get(api.url + "/v1/data/CPI", headers={"Authorization": auth}).status_code == 401
    assert obs_rows(api) == before


def test_another_agencys_area_or_file_and_a_reader_writing_are_403(
    api: Server, tmp_path: Path
) -> None:
    tok = token(api.store, "UBND_15")
    reader = token(api.store, "UBND_15", "reader")
    before = obs_rows(api)

    def area_01(grid: list[list]) -> None:
        next(r for r in grid if len(r) > 6 and r[1] == "CPI")[3] = "01"

    cases = {
        "area": (tok, csv_bytes(tmp_path, "UBND_15", area_01), "area_not_agency"),
        "file of another agency": (tok, csv_bytes(tmp_path, "UBND_19"), "agency_mismatch"),
        "reader": (reader, csv_bytes(tmp_path, "UBND_15"), "forbidden_role"),
    }
    ids = []
    for name, (t, data, kind) in cases.items():
        r = post_file(api, t, "f.csv", data)
        assert r.status_code == 403, (name, r.text)
        assert kind in {p["kind"] for p in r.json()["problems"]}, name
        ids.append(r.json()["submission_id"])
    assert obs_rows(api) == before
    subs = audit(api).set_index("submission_id").loc[ids]
    assert list(subs["status"]) == ["rejected"] * 3
    assert list(subs["agency"]) == ["UBND_15"] * 3
    assert list(subs["source"]) == [
        f"api: token {tok.split('_')[1]}",
        f"api: token {tok.split('_')[1]}",
        f"api: token {reader.split('_')[1]}",
    ]
    # the reader may read
    r = httpx.get(api.url + "/v1/status", headers={"Authorization": f"Bearer {reader}"})
    assert r.status_code == 200


def test_idempotent_retry_stores_once_and_gets_the_first_answer(
    api: Server, tmp_path: Path
) -> None:
    tok = token(api.store, "UBND_20")
    data = csv_bytes(tmp_path, "UBND_20")
    key = {"Idempotency-Key": "u20-2022-07-try"}
    first = post_file(api, tok, "u20.csv", data, headers=key)
    again = post_file(api, tok, "u20.csv", data, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    subs = audit(api)
    mine = subs[(subs["agency"] == "UBND_20") & subs["source"].str.startswith("api")]
    assert len(mine) == 1  # the retry was not even an attempt
    # without the key the same content is recognised as a duplicate: stored once all the same
    dup = post_file(api, tok, "u20.csv", data)
    assert dup.status_code == 200 and dup.json()["duplicate_of"] == first.json()["submission_id"]
    # the same key with another body is refused
    other = post_file(api, tok, "u20b.csv", data + b"\r\n", headers=key)
    assert other.status_code == 422


def test_oversize_body_is_413_by_header_and_by_count(api: Server) -> None:
    tok = token(api.store, "UBND_22")
    big = b"x" * (2 * 1024 * 1024)  # NRIS_LIMITS file_mb=1 on this server
    r = post_file(api, tok, "big.csv", big)
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(40):
            yield b"y" * 65536

    r = httpx.post(
        api.url + "/v1/submissions",
        headers={"Authorization": f"Bearer {tok}", "Content-Type": "text/csv"},
        content=chunks(),
    )
    assert r.status_code == 413


def test_rate_limit_is_per_token(api: Server) -> None:
    tok = token(api.store, "UBND_24", "reader")
    left = 60 - time.time() % 60  # the limit counts per fixed 60 s window: send all 33 in one
    if left < 5:
        time.sleep(left + 0.2)
    codes = [
        httpx.get(api.url + "/v1/catalog/regimes", headers={"Authorization": f"Bearer {tok}"})
        for _ in range(33)
    ]
    assert [c.status_code for c in codes[:30]] == [200] * 30
    assert {c.status_code for c in codes[30:]} == {429}
    assert int(codes[-1].headers["retry-after"]) >= 1
    other = token(api.store, "UBND_24", "reader")
    assert (
        httpx.get(
            api.url + "/v1/catalog/regimes", headers={"Authorization": f"Bearer {other}"}
        ).status_code
        == 200
    )


def test_reads_catalog_status_and_data_formats(api: Server) -> None:
    h = {"Authorization": f"Bearer {token(api.store, 'NSO', 'reader')}"}
    inds = httpx.get(api.url + "/v1/catalog/indicators", headers=h).json()
    assert "CPI" in {i["code"] for i in inds}
    for part in ("regimes", "areas", "targets"):
        assert httpx.get(f"{api.url}/v1/catalog/{part}", headers=h).json()
    status = httpx.get(api.url + "/v1/status", headers=h, params={"period": "2022-06"}).json()
    monthly = next(s for s in status if s["regime"] == "BC_KTXH_THANG")
    with store_env(api.store):
        from analytics import reporting

        want = reporting.reporting_status("2022-06", None)
    assert monthly["expected"] == int(
        want.loc[want["regime"] == "BC_KTXH_THANG", "expected"].iloc[0]
    )
    params = {"areas": "VN,79", "start": "2022-01", "end": "2022-06"}
    js = httpx.get(api.url + "/v1/data/IIP", headers=h, params=params).json()
    csv = httpx.get(api.url + "/v1/data/IIP", headers=h, params={**params, "format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.StringIO(csv.text))
    assert len(frame) == len(js["observations"]) == 12
    sd = httpx.get(api.url + "/v1/data/IIP", headers=h, params={**params, "format": "sdmx-csv"})
    assert sd.headers["content-type"].startswith("application/vnd.sdmx.data+csv")
    from pysdmx.io.csv.sdmx10.reader import read

    back = read(sd.text)[0].data
    assert sorted(back["TIME_PERIOD"].unique()) == [f"2022-{m:02d}" for m in range(1, 7)]
    assert sorted(back["OBS_VALUE"].astype(float)) == sorted(o["value"] for o in js["observations"])
    # what was known as of a date: no vintage after it
    old = httpx.get(api.url + "/v1/data/IIP", headers=h, params={**params, "as_of": "2022-03-01"})
    assert max(o["vintage"] for o in old.json()["observations"]) <= "2022-03-01"
    # a time with an offset, as other systems send it, is that instant in the store's local time
    aware = httpx.get(
        api.url + "/v1/data/IIP", headers=h, params={**params, "as_of": "2022-03-01T00:00Z"}
    )
    local = dt.datetime(2022, 3, 1, 7)  # in Vietnamese time, whatever the server's zone
    naive = httpx.get(api.url + "/v1/data/IIP", headers=h, params={**params, "as_of": str(local)})
    assert aware.status_code == naive.status_code == 200, aware.text
    assert aware.json()["observations"] == naive.json()["observations"]
    backwards = httpx.get(
        api.url + "/v1/data/IIP", headers=h, params={"start": "2022-06", "end": "2022-01"}
    )
    assert backwards.status_code == 400 and "after the end" in backwards.text
    assert httpx.get(api.url + "/v1/data/NOPE", headers=h).status_code == 404
    assert httpx.get(api.url + "/v1/data/IIP", headers=h, params={"start": "xx"}).status_code == 400


def test_sdmx_csv_submission_through_pysdmx(api: Server) -> None:
    from workbench.api import sdmx

    tok = token(api.store, "UBND_25")
    rows = grid_rows(form_grid("UBND_25", "BC_KTXH_THANG", PERIOD))
    with store_env(api.store):
        from analytics.catalog import catalog

        units = catalog().indicators.set_index("code")["unit_vi"]
    frame = pd.DataFrame(
        {
            "indicator": [r["indicator"] for r in rows],
            "area": "25",
            "period": pd.Timestamp(PERIOD),
            "freq": "M",
            "value": [float(r["value"]) for r in rows],
            "unit": [units[r["indicator"]] for r in rows],
            "status": "preliminary",
        }
    )
    text = sdmx.write(frame)
    r = httpx.post(
        api.url + "/v1/submissions",
        params={"regime": "BC_KTXH_THANG"},
        headers={"Authorization": f"Bearer {tok}", "Content-Type": sdmx.MEDIA_TYPE},
        content=text.encode(),
    )
    assert r.status_code == 201, r.text
    assert r.json()["n_rows"] == len(rows) and r.json()["period"] == "2022-07-01"
    lines = text.splitlines()
    col = lines[0].split(",").index("OBS_VALUE")
    cells = lines[2].split(",")
    cells[col] = "x1"
    lines[2] = ",".join(cells)
    bad = "\n".join(lines) + "\n"
    r = httpx.post(
        api.url + "/v1/submissions",
        params={"regime": "BC_KTXH_THANG"},
        headers={"Authorization": f"Bearer {tok}", "Content-Type": sdmx.MEDIA_TYPE},
        content=bad.encode(),
    )
    assert r.status_code == 422
    err = next(p for p in r.json()["problems"] if p["kind"] == "not_a_number")
    assert (err["row"], err["column"], err["value"]) == (3, "OBS_VALUE", "x1")  # file line 3


def test_events_announce_each_new_snapshot(api: Server, tmp_path: Path) -> None:
    tok = token(api.store, "UBND_31")
    got: list[dict] = []
    ready = threading.Event()

    def listen() -> None:
        with httpx.stream(
            "GET", api.url + "/v1/events", headers={"Authorization": f"Bearer {tok}"}, timeout=30
        ) as resp:
            assert resp.headers["content-type"].startswith("text/event-stream")
            for line in resp.iter_lines():
                ready.set()
                if line.startswith("data: "):
                    got.append(json.loads(line[6:]))
                    return

    t = threading.Thread(target=listen, daemon=True)
    t.start()
    assert ready.wait(10)
    r = post_file(api, tok, "u31.csv", csv_bytes(tmp_path, "UBND_31"))
    assert r.status_code == 201
    t.join(20)
    assert got and got[0]["submission_id"] == r.json()["submission_id"]
    assert got[0]["agency"] == "UBND_31" and "CPI" in got[0]["indicators"]


def test_docs_are_served_offline(api: Server) -> None:
    import re

    html = httpx.get(api.url + "/docs").text
    refs = re.findall(r"""(?:src|href|url)\s*[=:(]\s*['"]([^'"]+)['"]""", html)
    assert refs and all(not re.match(r"^(https?:)?//", u) for u in refs), refs
    assert "cdn" not in html.lower() and "googleapis" not in html
    for ref in refs:
        if ref.startswith("/static/"):
            assert httpx.get(api.url + ref).status_code == 200, ref
    spec = httpx.get(api.url + "/openapi.json").json()
    assert {"/v1/submissions", "/v1/data/{indicator}", "/v1/events"} <= set(spec["paths"])


def test_push_sends_a_file_with_the_token_from_the_environment(api: Server, tmp_path: Path) -> None:
    tok = token(api.store, "UBND_33")
    path = write_csv(tmp_path / "u33.csv", form_grid("UBND_33", "BC_KTXH_THANG", PERIOD))
    env = {**os.environ, "NRIS_TOKEN": tok, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "push", str(path), "--url", api.url],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "ACCEPTED" in out.stdout and "u33.csv" in out.stdout
    bad = path.read_text(encoding="utf-8-sig").replace("UBND_33", "UBND_37")
    (tmp_path / "bad.csv").write_text(bad, encoding="utf-8")
    out = run_main(env, "push", str(tmp_path / "bad.csv"), "--url", api.url)  # the refusal, in here
    assert out.returncode == 2 and "HTTP 403" in out.stderr and "agency" in out.stderr
    assert "Traceback" not in out.stderr


def test_tokens_are_stored_as_salted_hashes_only(api: Server) -> None:
    a, b = token(api.store, "UBND_37"), token(api.store, "UBND_37")
    raw = (api.store / "api.sqlite").read_bytes()
    wal = api.store / "api.sqlite-wal"
    raw += wal.read_bytes() if wal.exists() else b""
    for t in (a, b):
        assert t.split("_", 2)[2].encode() not in raw
    con = sqlite3.connect(api.store / "api.sqlite")
    salts = con.execute(
        "SELECT salt FROM tokens WHERE token_id IN (?, ?)", [a.split("_")[1], b.split("_")[1]]
    ).fetchall()
    con.close()
    assert len({s[0] for s in salts}) == 2


def test_token_cli_create_list_revoke(tmp_path: Path) -> None:
    env = {**os.environ, "NRIS_STORE": str(tmp_path / "s"), "PYTHONPATH": str(ROOT)}

    def nris(*args: str) -> subprocess.CompletedProcess:  # through main(), in this process
        return run_main(env, *args)

    def nris_process(*args: str) -> subprocess.CompletedProcess:  # what a shell sees
        return subprocess.run(
            [sys.executable, "-m", "workbench.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    made = nris("agency", "token", "create", "ubnd_01", "--role", "reader", "--expires", "30d")
    assert made.returncode == 0 and made.stdout.startswith("nris_")
    tid = made.stdout.split("_")[1]
    listed = nris("agency", "token", "list", "UBND_01").stdout
    assert tid in listed and "reader" in listed and "active" in listed
    assert made.stdout.split("_", 2)[2].strip() not in listed
    assert nris("agency", "token", "revoke", "UBND_01", "--id", tid).returncode == 0
    assert "revoked" in nris("agency", "token", "list").stdout
    bad = nris_process("agency", "token", "create", "UBND_99")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "UBND_99" in bad.stderr


def test_api_refuses_a_public_host_without_tls(tmp_path: Path) -> None:
    env = {**os.environ, "NRIS_STORE": str(tmp_path / "s"), "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "api", "--host", "0.0.0.0", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2 and "TLS" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("shared", [False, True])
def test_api_refuses_a_taken_port_in_one_line(tmp_path: Path, shared: bool) -> None:
    """Taken by anyone, even another server whose sockets share the port (SO_REUSEPORT, as the
    API's own workers do): a second ``nris api`` there would silently take half the traffic."""
    env = {**os.environ, "NRIS_STORE": str(tmp_path / "s"), "PYTHONPATH": str(ROOT)}
    with socket.socket() as held:
        if shared:
            held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = str(held.getsockname()[1])
        out = subprocess.run(
            [sys.executable, "-m", "workbench.cli", "api", "--port", port, "--workers", "2"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert out.returncode == 2, out.stderr
    assert f"port {port} on 127.0.0.1 is already in use" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


HTTP_CASES = [
    "unknown_indicator",
    "text_value",
    "wrong_unit_xlsx",
    "future_period",
    "no_table",
    "uncomputed_formula",
    "empty_file",
    "wrong_type",
    "corrupt_xlsx",
    "zip_bomb_ratio",
    "xml_entity_bomb",
    "other_province",
]


@pytest.mark.parametrize("name", HTTP_CASES)
def test_malformed_files_over_http(api: Server, tmp_path: Path, name: str) -> None:
    from test_ingest_malformed import CASES, _make

    _, edit, kind, _, expected = next(c for c in CASES if c[0] == name)
    path = _make(tmp_path, name, edit, kind)
    before = obs_rows(api)
    r = post_file(api, token(api.store, "UBND_04"), path.name, path.read_bytes())
    assert r.status_code == (403 if expected == "area_not_agency" else 422), r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert expected in {p["kind"] for p in body["problems"]}
    assert obs_rows(api) == before


def test_an_admin_token_manages_its_own_agencys_tokens(api: Server) -> None:
    admin = {"Authorization": f"Bearer {token(api.store, 'UBND_38', 'admin')}"}
    made = httpx.post(
        api.url + "/v1/tokens", headers=admin, json={"role": "reader", "expires": "1d"}
    )
    assert made.status_code == 201
    new = made.json()
    assert (
        new["agency"] == "UBND_38" and new["role"] == "reader" and new["token"].startswith("nris_")
    )
    h = {"Authorization": f"Bearer {new['token']}"}
    assert httpx.get(api.url + "/v1/catalog/areas", headers=h).status_code == 200
    listed = httpx.get(api.url + "/v1/tokens", headers=admin).json()
    assert new["token_id"] in {t["token_id"] for t in listed}
    assert all(t["token"] is None for t in listed)  # never shown again
    # a non-admin may not; another agency's token is not found
    assert httpx.get(api.url + "/v1/tokens", headers=h).status_code == 403
    other = token(api.store, "UBND_40")
    assert (
        httpx.delete(f"{api.url}/v1/tokens/{other.split('_')[1]}", headers=admin).status_code == 404
    )
    assert httpx.delete(f"{api.url}/v1/tokens/{new['token_id']}", headers=admin).status_code == 204
    assert httpx.get(api.url + "/v1/catalog/areas", headers=h).status_code == 401


def test_a_revoked_token_is_refused_at_once_by_the_worker_that_verified_it(api: Server) -> None:
    tok = token(api.store, "UBND_24", "reader")
    ask = {"headers": {"Authorization": f"Bearer {tok}"}, "params": {"areas": "24"}}
    assert httpx.get(api.url + "/v1/data/CPI", **ask).status_code == 200  # verified, remembered
    assert httpx.get(api.url + "/v1/data/CPI", **ask).status_code == 200
    with store_env(api.store):
        from workbench.api import tokens

        assert tokens.revoke("UBND_24", tok.split("_")[1]) == 1
    r = httpx.get(api.url + "/v1/data/CPI", **ask)  # the one worker: no new verification needed
    assert r.status_code == 401, r.text


def test_a_read_after_a_submission_sees_the_new_snapshot(api: Server) -> None:
    tok = token(api.store, "UBND_22")
    ask = {
        "headers": {"Authorization": f"Bearer {tok}"},
        "params": {"areas": "22", "start": PERIOD, "end": PERIOD},
    }
    before = httpx.get(api.url + "/v1/data/CPI", **ask)
    again = httpx.get(api.url + "/v1/data/CPI", **ask)  # the same question: the cached answer
    assert before.status_code == again.status_code == 200
    assert before.content == again.content
    rows = grid_rows(form_grid("UBND_22", "BC_KTXH_THANG", PERIOD))
    next(r for r in rows if r["indicator"] == "CPI")["value"] = 98.76
    r = httpx.post(
        api.url + "/v1/submissions",
        headers={"Authorization": f"Bearer {tok}"},
        json={"regime": "BC_KTXH_THANG", "period": PERIOD, "rows": rows},
        timeout=60,
    )
    assert r.status_code == 201, r.text
    after = httpx.get(api.url + "/v1/data/CPI", **ask)
    assert after.headers["x-nris-snapshot"] != before.headers["x-nris-snapshot"]
    assert [(o["value"], o["submission_id"]) for o in after.json()["observations"]] == [
        (98.76, r.json()["submission_id"])
    ]


def test_readers_of_a_new_snapshot_wait_for_one_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Twenty screens refreshing at once after a snapshot make one read of the indicator, not 20."""
    import time

    from workbench.api import routes_read

    calls: list[str] = []

    def slow_read(code: str, *args: object) -> pd.DataFrame:
        calls.append(code)
        time.sleep(0.05)
        return pd.DataFrame({"area": ["01"], "value": [1.0]})

    monkeypatch.setattr(routes_read, "_observations", slow_read)
    routes_read._all_areas_read.cache_clear()
    got: list[pd.DataFrame] = []
    threads = [
        threading.Thread(
            target=lambda: got.append(routes_read._all_areas("snap-1", "CPI", None, None, None))
        )
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == ["CPI"] and len(got) == 8 and all(g is got[0] for g in got)
    routes_read._all_areas("snap-2", "CPI", None, None, None)  # a new snapshot is read again
    assert calls == ["CPI", "CPI"]
    routes_read._all_areas_read.cache_clear()
