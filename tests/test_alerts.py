"""Alerts: rules fire on built cases, once across republishes; states persist; notifiers never wait."""

from __future__ import annotations

import datetime as dt
import html
import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import run_main
from test_ingest_helpers import copy_store, data_rows, form_grid, write_csv

import analytics
from analytics import ingest, requests, store
from workbench.alerts import book, rules
from workbench.alerts.evaluate import evaluate
from workbench.alerts.notify import SpoolNotifier, WebhookNotifier

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def store_copy(demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = copy_store(demo_store, tmp_path / "store")
    for name in ("alerts.sqlite", "requests.sqlite"):  # a watcher may have run on the demo store
        (folder / name).unlink(missing_ok=True)
    monkeypatch.setenv("NRIS_STORE", str(folder))
    monkeypatch.setenv("NRIS_ALERT_SPOOL", str(tmp_path / "spool"))
    monkeypatch.delenv("NRIS_ALERT_WEBHOOK", raising=False)
    return folder


def _spooled(tmp_path: Path) -> list[dict]:
    new = tmp_path / "spool" / "new"
    return [json.loads(p.read_text("utf-8")) for p in sorted(new.glob("*"))] if new.exists() else []


def _customs_july(tmp_path: Path, spike: float) -> Path:
    """Customs' July 2022 report with every figure as in July 2021 (the seasonal naive forecast
    itself), exports multiplied by ``spike``."""
    grid = form_grid(agency="CUSTOMS", regime="TK_HAIQUAN_THANG", period="2022-07")
    rows = data_rows(grid)
    last_year = analytics.load(
        [r[1] for r in rows], areas=["VN"], start="2021-07", end="2021-07", frame="pandas"
    )
    value = dict(zip(last_year["indicator"], last_year["value"], strict=True))
    for r in rows:
        r[5] = value[r[1]] * (spike if r[1] == "EXPORTS" else 1.0)
    return write_csv(tmp_path / f"customs-{spike}.csv", grid)


def test_a_spike_fires_once_across_republishes(store_copy: Path, tmp_path: Path) -> None:
    baseline = evaluate(which=("interval",), outlook=False, notifiers=[])  # what the demo has
    got = ingest.submit(_customs_july(tmp_path, 3.0), received_at=dt.datetime(2022, 8, 3, 9))
    assert got.status == "accepted", got.report()
    first = evaluate(which=("interval",), outlook=False)
    fired = {a.key: a for a in first.new}
    assert set(fired) == {"interval|EXPORTS|VN|2022-07"}  # the others sit on their forecast
    spike = fired["interval|EXPORTS|VN|2022-07"]
    assert spike.severity == "high"  # three times the level: far beyond the interval
    assert spike.why_vi.startswith("Kim ngạch xuất khẩu hàng hóa tháng 7/2022 đạt ")
    assert "cao hơn khoảng dự báo 95%" in spike.why_vi
    assert "above its 95% forecast interval" in spike.why_en
    assert spike.link == "2_chi_tieu.ipynb?code=EXPORTS&area=VN"
    assert [m["key"] for m in _spooled(tmp_path)] == [spike.key]
    # the same figures published again (a new snapshot file), and evaluated again: nothing new
    with store.writer(publish=False) as con:
        store.publish_snapshot(con)
    assert store.snapshot_key() != first.snapshot
    again = evaluate(which=("interval",), outlook=False)
    assert spike.key in {a.key for a in again.alerts} and again.new == []
    assert len(_spooled(tmp_path)) == 1
    assert len(book.alerts()) == len(baseline.new) + 1


def test_no_spike_no_alert(store_copy: Path, tmp_path: Path) -> None:
    evaluate(which=("interval",), outlook=False, notifiers=[])
    ingest.submit(_customs_july(tmp_path, 1.0), received_at=dt.datetime(2022, 8, 3, 9))
    assert evaluate(which=("interval",), outlook=False).new == []


def test_a_late_report_and_a_missing_one_resolved_when_it_arrives(
    store_copy: Path, tmp_path: Path
) -> None:
    grid = form_grid(agency="UBND_04", regime="BC_KTXH_THANG", period="2022-07")
    late_at = dt.datetime(2022, 7, 21, 9)  # due 18 July 17:00
    assert ingest.submit(write_csv(tmp_path / "cb.csv", grid), received_at=late_at).ok
    key_missing = "report_missing|BC_KTXH_THANG|UBND_04|2022-07"
    key_late = "report_late|BC_KTXH_THANG|UBND_04|2022-07"
    before = evaluate(which=("reports",), as_of="2022-07-20 12:00")
    keys = {a.key for a in before.new}
    assert key_missing in keys and key_late not in keys
    hanoi = next(a for a in before.new if a.key == "report_missing|BC_KTXH_THANG|UBND_01|2022-07")
    assert hanoi.severity == "medium" and hanoi.area == "01"
    assert hanoi.why_vi == (
        "UBND Thành phố Hà Nội chưa gửi báo cáo tình hình kinh tế - xã hội tháng của UBND cấp "
        "tỉnh tháng 7/2022, hạn nộp 18/07/2022 17:00."
    )
    after = evaluate(which=("reports",), as_of="2022-07-22 12:00")
    assert [a.key for a in after.new if "UBND_04" in a.key] == [key_late]
    assert after.resolved == 1
    state = book.alerts().set_index("key")
    assert state.loc[key_missing, "state"] == "resolved"
    assert state.loc[key_missing, "resolved_by"] == "nris"
    assert state.loc[key_late, "severity"] == "low"
    assert "18/07/2022 17:00" in state.loc[key_late, "why_vi"]


def test_falling_odds_fire_against_the_previous_snapshot(store_copy: Path) -> None:
    target = analytics.targets().set_index("code").loc["NA2025_GDP_GROWTH"]
    row = {**target.to_dict(), "code": "NA2025_GDP_GROWTH", "projected": 7.1, "lo": 6.5,
           "hi": 7.6, "p_met": 0.55, "status": "at_risk"}  # fmt: skip
    outlook = pd.DataFrame([row])
    book.record_odds("snap-a", {"NA2025_GDP_GROWTH": 0.80})
    fell = rules.target_odds(outlook, book.previous_odds("snap-b"), "snap-b")
    assert [a.key for a in fell] == ["odds_drop|NA2025_GDP_GROWTH|snap-b"]
    assert "giảm từ 80% xuống 55%" in fell[0].why_vi
    assert "fell from 80% to 55%" in fell[0].why_en
    book.record_odds("snap-b", {"NA2025_GDP_GROWTH": 0.55})
    # the next snapshot compares with snap-b: 55% -> 45% is a 10-point fall, under 15
    still = rules.target_odds(outlook.assign(p_met=0.45), book.previous_odds("snap-c"), "snap-c")
    assert still == []
    low = rules.target_odds(outlook.assign(p_met=0.2), book.previous_odds("snap-c"), "snap-c")
    assert [a.key for a in low] == [
        "odds_low|NA2025_GDP_GROWTH",
        "odds_drop|NA2025_GDP_GROWTH|snap-c",
    ]
    assert low[0].severity == "high"
    assert "xác suất đạt 20%" in low[0].why_vi
    assert len(book.record(low, "snap-c")) == 2
    assert book.record(low, "snap-d") == []  # the same events seen again


def test_provinces_disagreeing_with_the_nation() -> None:
    provinces = analytics.catalog().provinces()["code"].tolist()
    rows = [("RETAIL_SALES", a, dt.date(2022, 6, 1), "M", 100.0) for a in provinces]
    rows.append(("RETAIL_SALES", "VN", dt.date(2022, 6, 1), "M", 100.0 * len(provinces)))
    frame = pd.DataFrame(rows, columns=["indicator", "area", "period", "freq", "value"])
    assert rules.add_up(frame) == []
    frame.loc[frame["area"] == "01", "value"] = 200.0  # 100 more in Hanoi: 2.9% off
    got = rules.add_up(frame)
    assert [a.key for a in got] == ["add_up|RETAIL_SALES|2022-06"]
    assert "3.500" in got[0].why_vi and "3.400" in got[0].why_vi


def test_revision_thresholds_by_kind() -> None:
    base = {"area": "VN", "period": dt.date(2022, 5, 1), "freq": "M", "submission_id": 7}
    frame = pd.DataFrame(
        [
            {**base, "indicator": "EXPORTS", "first": 30000.0, "value": 31800.0},  # +6%
            {**base, "indicator": "IMPORTS", "first": 30000.0, "value": 31000.0},  # +3.3%
            {**base, "indicator": "CPI_YOY", "first": 3.0, "value": 4.2},  # +1.2 points
            {**base, "indicator": "IIP_YOY", "first": 8.0, "value": 8.5},  # +0.5 points
        ]
    )
    got = rules.revisions(frame)
    assert [a.key for a in got] == [
        "revision|EXPORTS|VN|2022-05|7",
        "revision|CPI_YOY|VN|2022-05|7",
    ]
    assert "(tăng 6,0%)" in got[0].why_vi and "lên" in got[0].why_vi


def test_ack_and_resolve_persist_across_processes(store_copy: Path, tmp_path: Path) -> None:
    evaluate(which=("reports",), as_of="2022-07-20 12:00")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NRIS_STORE": str(store_copy)}

    def nris(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "workbench.cli", *args],
            env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    ids = book.alerts("open")["alert_id"].tolist()
    assert nris("alerts", "ack", str(ids[0]), str(ids[1])).returncode == 0
    assert nris("alerts", "resolve", str(ids[1])).returncode == 0
    # what the two processes wrote, read back in this one (the refusal too: no process needed)
    bad = run_main(env, "alerts", "ack", "999999")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "999999" in bad.stderr
    listed = run_main(env, "alerts", "list", "--state", "all", "--lang", "en")
    from analytics.senders import os_user

    line = next(x for x in listed.stdout.splitlines() if x.startswith(f"#{ids[0]} "))
    assert f"[Medium] Acknowledged ({os_user()}, " in line
    df = book.alerts().set_index("alert_id")
    assert df.loc[ids[0], "state"] == "acknowledged" and df.loc[ids[0], "acked_by"] == os_user()
    assert df.loc[ids[1], "state"] == "resolved" and df.loc[ids[1], "resolved_at"]
    assert df.loc[ids[2], "state"] == "open"
    # a later evaluation leaves the states people set as they are
    evaluate(which=("reports",), as_of="2022-07-20 13:00")
    df = book.alerts().set_index("alert_id")
    assert df.loc[ids[0], "state"] == "acknowledged" and df.loc[ids[1], "state"] == "resolved"


class _Hook(http.server.BaseHTTPRequestHandler):
    bodies: list[bytes]
    fail_first: int
    gate: threading.Event

    def do_POST(self) -> None:  # noqa: N802
        self.gate.wait(30)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.bodies.append(body)
        code = 500 if len(self.bodies) <= self.fail_first else 200
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook():
    handler = type("Hook", (_Hook,), {"bodies": [], "fail_first": 2, "gate": threading.Event()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}/hook"
    handler.gate.set()
    server.shutdown()
    server.server_close()


def test_webhook_retries_and_never_holds_the_evaluation(
    store_copy: Path, tmp_path: Path, webhook
) -> None:
    handler, url = webhook
    hook = WebhookNotifier(url, retries=4, backoff=0.05, timeout=10)
    spool = SpoolNotifier(tmp_path / "spool")
    result = evaluate(which=("reports",), as_of="2022-07-20 12:00", notifiers=[spool, hook])
    # evaluate returned while the server still holds the first post: nothing waited on it
    assert not handler.gate.is_set() and handler.bodies == []
    assert len(result.new) > 0 and len(book.alerts()) == len(result.new)
    assert len(_spooled(tmp_path)) == len(result.new)
    handler.gate.set()
    hook.close(timeout=30)
    assert len(handler.bodies) == 3  # two HTTP 500s, then delivered
    assert hook.delivered == 1 and hook.failed == 0
    sent = json.loads(handler.bodies[-1])
    assert sent["type"] == "nris.alerts"
    assert {a["key"] for a in sent["alerts"]} == {a.key for a in result.new}
    assert handler.bodies[0] == handler.bodies[-1]


def test_webhook_gives_up_after_its_retries(capfd: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    hook = WebhookNotifier(f"http://127.0.0.1:{port}/", retries=3, backoff=0.01, timeout=2)
    alert = rules.Alert("k", "interval", "high", "EXPORTS", "VN", "2022-07", "v", "e", "l")
    hook.send([alert])
    hook.close(timeout=30)
    assert (hook.attempts, hook.delivered, hook.failed) == (3, 0, 1)
    assert "webhook delivery failed after 3 attempts" in capfd.readouterr().err


def test_spool_is_maildir(tmp_path: Path) -> None:
    alert = rules.Alert("k|1", "interval", "high", "EXPORTS", "VN", "2022-07", "vi", "en", "l")
    SpoolNotifier(tmp_path / "m").send([alert, alert])
    assert list((tmp_path / "m" / "tmp").iterdir()) == []  # written there, then renamed
    files = sorted((tmp_path / "m" / "new").iterdir())
    assert len(files) == 2 and files[0].name != files[1].name
    assert json.loads(files[0].read_text("utf-8"))["why_vi"] == "vi"


# -- ad hoc requests ------------------------------------------------------------------------------
def test_request_status_on_a_built_case(store_copy: Path, tmp_path: Path) -> None:
    now = pd.Timestamp.now().floor("s")
    due = (now + pd.Timedelta(days=2)).floor("min")
    day = now.date().isoformat()
    rid = requests.create(
        "BC_DOTXUAT_TTG", "UBND_01,UBND_04,UBND_79", ["CPI_YOY"], due.to_pydatetime(), day
    )
    for agency, at in (("UBND_04", now), ("UBND_79", due + pd.Timedelta(days=1))):
        grid = form_grid(agency=agency, regime="BC_DOTXUAT_TTG", period=day)
        path = write_csv(tmp_path / f"{agency}.csv", grid)
        assert ingest.submit(path, received_at=at.to_pydatetime()).ok
    # an answer for another day does not count
    other = form_grid(agency="UBND_01", regime="BC_DOTXUAT_TTG", period="2026-01-05")
    assert ingest.submit(write_csv(tmp_path / "old.csv", other), received_at=now.to_pydatetime()).ok
    later = due + pd.Timedelta(days=2)
    st = requests.status(rid, as_of=later).set_index("agency")
    assert st["state"].to_dict() == {"UBND_01": "missing", "UBND_04": "on_time", "UBND_79": "late"}
    early = requests.status(rid, as_of=due - pd.Timedelta(hours=1)).set_index("agency")
    assert early["state"].to_dict() == {
        "UBND_01": "pending", "UBND_04": "on_time", "UBND_79": "pending",
    }  # fmt: skip
    summary = requests.summary(as_of=later).iloc[0]
    assert (summary["expected"], summary["on_time"], summary["late"], summary["missing"]) == (
        3, 1, 1, 1,
    )  # fmt: skip
    found = evaluate(which=("requests",), as_of=later)
    keys = {a.key: a for a in found.new}
    assert set(keys) == {f"request_missing|{rid}|UBND_01", f"request_late|{rid}|UBND_79"}
    assert keys[f"request_missing|{rid}|UBND_01"].severity == "high"
    assert f"chưa trả lời yêu cầu số {rid}" in keys[f"request_missing|{rid}|UBND_01"].why_vi


def test_request_refuses_what_the_catalog_does_not_allow(store_copy: Path) -> None:
    due = "2099-01-01"
    with pytest.raises(analytics.NrisError, match="not an ad hoc regime"):
        requests.create("BC_KTXH_THANG", "UBND_01", "CPI", due)
    with pytest.raises(analytics.NrisError, match="does not report under"):
        requests.create("BC_DOTXUAT_TTG", "MOF", "CPI_YOY", due)
    with pytest.raises(analytics.NrisError, match="EXPORTS"):
        requests.create("BC_DOTXUAT_TTG", "UBND_01", "EXPORTS", due)
    with pytest.raises(analytics.NrisError, match="is past"):
        requests.create("BC_DOTXUAT_TTG", "UBND_01", "CPI_YOY", "2020-01-01")
    assert requests.requests().empty  # nothing half-written
    rid = requests.create("BC_DOTXUAT_TTG", "provinces", "CPI_YOY", due)
    assert len(requests.get(rid)["agencies"]) == 34


# -- the alerts page ------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_alerts_page_html(store_copy: Path, tmp_path: Path, lang: str) -> None:
    from workbench.briefings import static
    from workbench.briefings.pages.alerts import alerts
    from workbench.briefings.pages.overview import overview

    ingest.submit(_customs_july(tmp_path, 3.0), received_at=dt.datetime(2022, 8, 3, 9))
    evaluate(which=("interval", "reports"), outlook=False, as_of="2022-08-10")
    spike = book.alerts().set_index("key").loc["interval|EXPORTS|VN|2022-07"]
    book.acknowledge([int(spike["alert_id"])], "lan")
    page = static.page_html(alerts(lang=lang).widget)
    n = len(book.alerts("active"))
    assert f'data-count="{n}"' in page
    assert page.count('class="nris-alert-link"') == n
    assert 'href="2_chi_tieu.ipynb?code=EXPORTS&amp;area=VN"' in page
    why = spike["why_vi" if lang == "vi" else "why_en"]
    assert html.escape(why) in page
    acked = "Đã ghi nhận (lan, " if lang == "vi" else "Acknowledged (lan, "
    assert acked in page
    assert (">Cao<" if lang == "vi" else ">High<") in page
    assert 'nris-error"' not in page
    front = static.page_html(overview(lang=lang).widget)
    assert f'data-count="{n}"' in front and front.count('<li><span class="nris-status') == 3
    # the overview lists the most severe first
    top = front[front.index('<ul class="nris-alerts-top">') :]
    assert top.index("nris-sev-high") < top.index("</li>")


def _nris(store_folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """``nris ARGS`` through ``main()`` here (test_ack_and_resolve_... keeps real processes)."""
    return run_main({**os.environ, "NRIS_STORE": str(store_folder), **env}, *args)


def test_cli_evaluate_then_the_watcher_step_adds_nothing(store_copy: Path, tmp_path: Path) -> None:
    from workbench import outlook

    done = _nris(store_copy, "alerts", "evaluate", "--no-outlook")
    assert done.returncode == 0, done.stderr
    n = len(book.alerts())
    assert n > 0 and f"{n} alerts, {n} new" in done.stdout
    assert len(_spooled(tmp_path)) == n
    outlook._alerts(str(store.snapshot_key()), timed_only=True)  # what the watcher re-checks
    assert len(book.alerts()) == n and len(_spooled(tmp_path)) == n


def test_cli_requests(store_copy: Path) -> None:
    made = _nris(
        store_copy, "request", "create", "--regime", "BC_DOTXUAT_TTG", "--agencies",
        "UBND_01,UBND_79", "--indicators", "CPI_YOY", "--due", "2099-01-31 17:00",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "request 1 created" in made.stdout
    shown = _nris(store_copy, "request", "show", "1")
    assert shown.returncode == 0
    lines = [x.split() for x in shown.stdout.splitlines() if x.strip().startswith("UBND_")]
    assert [(x[0], x[-1]) for x in lines] == [("UBND_01", "pending"), ("UBND_79", "pending")]
    assert "nris template BC_DOTXUAT_TTG --period " in made.stdout
    bad = _nris(store_copy, "request", "create", "--regime", "BC_DOTXUAT_TTG", "--agencies",
                "UBND_01", "--indicators", "CPI_YOY", "--due", "someday")  # fmt: skip
    assert bad.returncode == 2 and "bad deadline 'someday'" in bad.stderr
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_the_watcher_evaluates_each_new_snapshot(store_copy: Path, tmp_path: Path) -> None:
    """The watcher process ``nris serve`` starts evaluates the snapshot it finds, then the next
    one a submission publishes, while the submission itself goes on without waiting for it."""
    import time

    env = {**os.environ, "PYTHONPATH": str(ROOT), "NRIS_STORE": str(store_copy)}
    code = "from workbench import outlook; outlook.watch(0.2)"
    log = tmp_path / "watcher.log"
    with open(log, "w") as out:
        watcher = subprocess.Popen(
            [sys.executable, "-c", code], env=env, stdout=out, stderr=subprocess.STDOUT
        )

    def evaluated(snapshot: str | None, timeout: float = 180) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and watcher.poll() is None:
            if book.evaluated(str(snapshot)):
                return True
            time.sleep(0.2)
        return False

    try:
        assert evaluated(store.snapshot_key()), log.read_text()
        assert "interval|EXPORTS|VN|2022-07" not in set(book.alerts()["key"])
        got = ingest.submit(_customs_july(tmp_path, 3.0), received_at=dt.datetime(2022, 8, 3, 9))
        assert got.ok
        assert evaluated(store.snapshot_key())
        assert "interval|EXPORTS|VN|2022-07" in set(book.alerts()["key"])
        spooled = [m["key"] for m in _spooled(tmp_path)]
        assert spooled.count("interval|EXPORTS|VN|2022-07") == 1
    finally:
        watcher.terminate()
        watcher.wait(timeout=30)


def test_an_alert_link_opens_its_indicator(
    use_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.briefings import static
    from workbench.briefings.pages.indicator import Indicator, requested

    link = rules.indicator_link("CPI_YOY", "01")
    assert requested(link.split("?", 1)[1]) == {"code": "CPI_YOY", "area": "01"}
    monkeypatch.setenv("QUERY_STRING", link.split("?", 1)[1])  # as Voilà gives it to a kernel
    page = Indicator(lang="vi", poll=0)
    assert (page.indicator.value, page.area.value) == ("CPI_YOY", "01")
    monkeypatch.setenv("QUERY_STRING", "code=NOT_A_CODE")
    assert Indicator(lang="vi", poll=0).indicator.value == "EXPORTS"
    assert page.show("RETAIL_SALES", "79")  # what a preheated page does when the request comes
    assert (page.indicator.value, page.area.value) == ("RETAIL_SALES", "79")
    assert analytics.catalog().indicator("RETAIL_SALES")["name_vi"] in static.page_html(page.widget)
    assert not page.show("NOT_A_CODE")
