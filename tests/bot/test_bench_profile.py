"""The benchmark's profile summary sorts py-spy's frames into parts of the code."""

from __future__ import annotations

from pathlib import Path

from bot.bench.profile import summarise

# py-spy --format raw: one stack a line, root first, ";" between frames, then the sample count.
RAW = (
    "<module> (ltsa:8);run (uvicorn/server.py:69);handle (bot/pipeline.py:140);"
    "execute (sqlalchemy/orm/session.py:2351);__do_execute (asyncpg/prepared_stmt.py:262) 6\n"
    "<module> (ltsa:8);handle (bot/pipeline.py:140);dispatch (flows/router.py:88) 3\n"
    "<module> (ltsa:8);detect (nlu/langid.py:190);loads (/usr/lib/python3.11/json/decoder.py:337) 1\n"
)


def test_frames_are_counted_by_part_with_short_and_full_paths(tmp_path: Path) -> None:
    raw = tmp_path / "profile.txt"
    raw.write_text(RAW)
    profile = summarise(raw)
    parts = dict(profile.parts)
    assert profile.samples == 10
    assert parts["gateway: pipeline and flows"] == 90.0
    assert parts["SQLAlchemy"] == parts["asyncpg driver"] == 60.0
    assert parts["FastAPI, Starlette, uvicorn"] == 60.0
    assert parts["NLU client, language detection"] == parts["JSON"] == 10.0
    assert profile.leaves[0] == ("__do_execute (asyncpg/prepared_stmt.py)", 60.0)
    assert dict(profile.ours)["handle (bot/pipeline.py)"] == 90.0
