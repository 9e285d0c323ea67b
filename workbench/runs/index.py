"""``reports/index.html``: every report by job and period with its last status, read from the run
history without pandas; and results as a frame for the CLI and notebooks."""

from __future__ import annotations

import html
import os
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics import paths
from workbench.runs import history
from workbench.runs.execution import _atomic_text

if TYPE_CHECKING:
    import pandas as pd

    from workbench.runs.publishing import RunResult


_STATUS_VI = {
    "ok": "thành công",
    "failed": "lỗi",
    "timeout": "quá thời gian",
    "running": "đang chạy",
    "interrupted": "bị ngắt",
}


def write_index() -> Path:
    """``reports/index.html``: every report by job and period with its last status (no scripts)."""
    root = paths.reports_dir()
    last: dict[tuple[str, str, str], dict[str, Any]] = {}
    if history.history_path().exists():
        # the last attempt's own row (the newest of its job, period and name), not each column's
        # last non-null value, which would show a retry under way with the failed attempt's error
        for r in history._history_rows()[1][:100000]:
            last.setdefault((r["job"], r["period"], r["name"]), r)
    ordered = sorted(last.values(), key=lambda r: r["name"])
    ordered.sort(key=lambda r: r["period"], reverse=True)
    ordered.sort(key=lambda r: r["job"])  # job, then period newest first, then name
    rows = []
    for r in ordered:
        good = root / str(r["job"]) / str(r["period"]) / f"{r['name']}.html"
        link = (
            f'<a href="{html.escape(os.path.relpath(good, root))}">{html.escape(str(r["name"]))}</a>'
            if good.exists()
            else html.escape(str(r["name"]))
        )
        st = str(r["status"])
        rows.append(
            f"<tr class='{st}'><td>{html.escape(str(r['job']))}</td><td>{html.escape(str(r['period']))}</td>"
            f"<td>{link}</td><td>{_STATUS_VI.get(st, st)} / {st}</td><td>{r['attempt']}</td>"
            f"<td>{html.escape(str(r['ended'] or r['started']))}</td>"
            f"<td>{html.escape(str(r['error'] or ''))[:200]}</td></tr>"
        )
    body = "\n".join(rows) or "<tr><td colspan='7'>Chưa có báo cáo / no reports yet</td></tr>"
    page = f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>Báo cáo định kỳ / Periodic reports</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px}}tr.failed,tr.timeout{{background:#fde0dc}}
tr.ok{{background:#e8f5e9}}</style></head><body>
<h1>Báo cáo định kỳ <small>/ Periodic reports</small></h1>
<p>Cập nhật / updated {history._now()}</p>
<table><tr><th>Tác vụ / job</th><th>Kỳ / period</th><th>Báo cáo / report</th><th>Trạng thái / status</th>
<th>Lần / attempt</th><th>Thời điểm / time</th><th>Lỗi / error</th></tr>
{body}
</table></body></html>
"""
    out = root / "index.html"
    _atomic_text(out, page)
    return out


def summary(results: list[RunResult]) -> pd.DataFrame:
    """Results as a frame (for the CLI and notebooks)."""
    import pandas as pd

    return pd.DataFrame([asdict(r) for r in results])
