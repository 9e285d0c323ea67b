"""``GET /v1/events``: Server-Sent Events announcing each newly published snapshot.

Every worker watches the snapshot pointer (``current.json``) itself, so a snapshot published by any
worker, the CLI or the inbox is announced on every stream: one ``snapshot`` event per accepted
submission since the last one (submission, agency, regime, period, indicators).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

import polars as pl
from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from analytics import store
from workbench.api.auth import Identity, identity
from workbench.api.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["events"])
POLL_S = 0.2
HEARTBEAT_S = 15.0


def _manifest() -> dict | None:
    try:
        return json.loads(store.pointer_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def new_submissions(manifest: dict, after: int) -> list[dict]:
    """Accepted submissions with an id above ``after`` in the snapshot, with their indicators."""
    folder = store.snapshots_dir()
    try:
        subs = (
            pl.read_parquet(folder / manifest["submissions_file"])
            .filter((pl.col("submission_id") > after) & (pl.col("status") == "accepted"))
            .select("submission_id", "agency", "regime", "period", "received_at")
        )
        if subs.is_empty():
            return []
        ind = (
            pl.scan_parquet(folder / manifest["file"])
            .filter(pl.col("submission_id").is_in(subs["submission_id"].to_list()))
            .group_by("submission_id")
            .agg(pl.col("indicator").unique().sort())
            .collect()
        )
    except (OSError, KeyError, pl.exceptions.ComputeError):
        return []
    out = subs.join(ind, on="submission_id", how="left").sort("submission_id")
    return [
        {
            "submission_id": r["submission_id"],
            "agency": r["agency"],
            "regime": r["regime"],
            "period": str(r["period"]),
            "received_at": str(r["received_at"]),
            "indicators": r["indicator"] or [],
            "snapshot": manifest["file"],
        }
        for r in out.iter_rows(named=True)
    ]


async def stream(request: Request) -> AsyncIterator[str]:
    """Yield an SSE event for each accepted submission published after the stream opened."""
    first = _manifest()
    last = int((first or {}).get("last_submission") or 0)
    seen = (first or {}).get("published_at"), (first or {}).get("submissions_file")
    yield ": nris events\n\n"
    idle = 0.0
    while not await request.is_disconnected():
        await asyncio.sleep(POLL_S)
        idle += POLL_S
        m = _manifest()
        if m is not None and (m.get("published_at"), m.get("submissions_file")) != seen:
            seen = m.get("published_at"), m.get("submissions_file")
            for ev in new_submissions(m, last):
                yield f"id: {ev['submission_id']}\nevent: snapshot\ndata: {json.dumps(ev)}\n\n"
            last = max(last, int(m.get("last_submission") or 0))
            idle = 0.0
        if idle >= HEARTBEAT_S:
            yield ": keep-alive\n\n"
            idle = 0.0


@router.get(
    "/events",
    summary="Sự kiện công bố | Snapshot events (SSE)",
    responses={
        200: {"description": "text/event-stream", "content": {"text/event-stream": {}}},
        **problem_responses(401, 429),
    },
)
async def events(
    request: Request, who: Annotated[Identity, Depends(identity)]
) -> StreamingResponse:
    """A text/event-stream: one ``snapshot`` event per accepted submission, as it is published."""
    return StreamingResponse(
        stream(request),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
