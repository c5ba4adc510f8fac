"""Analytics for supervisors and LTSA admins: how the service is used, as SVG charts.

    GET /console/analytics?days=30   messages per day by channel and by language, top intents,
                                     questions not understood and the fallback rate, FAQ
                                     feedback per topic, bookings per week and the no-show
                                     rate, cases by kind and time to first response

Aggregates only (`bot.db.analytics_queries`); the texts of repeated unanswered questions are
shown to LTSA admins only, who keep the content, and only when asked at least twice.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from bot.casework import policy
from bot.console import charts, csrf
from bot.console.auth import CurrentLogin
from bot.console.errors import Forbidden
from bot.console.pages import NAMES, render
from bot.db import analytics_queries as aq
from bot.db import staff_queries as sq
from bot.db.models import Staff, utcnow
from bot.render import Renderer
from nlu.dates import TZ

router = APIRouter(dependencies=[Depends(csrf.verify)])
PERIODS = (7, 30, 90)
GAP_REASONS = {
    "fallback": "tidak dipahami",
    "out_of_scope": "di luar layanan",
    "no_content": "belum ada jawaban",
}


def may_see(staff: Staff) -> bool:
    """Supervisors and LTSA admins see the analytics."""
    return policy.supervises(staff)


def may_read_questions(staff: Staff) -> bool:
    """LTSA admins, who keep the content, read the texts of repeated unanswered questions."""
    return staff.role == "ltsa_admin"


def _days(since: dt.date, today: dt.date) -> list[dt.date]:
    return [since + dt.timedelta(days=i) for i in range((today - since).days + 1)]


def _week(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _series(
    rows: Iterable[tuple[dt.date, str, int]], keys: list[dt.date], names: dict[str, str]
) -> dict[str, list[int]]:
    """{name: counts per key} from (key, group, count) rows, biggest group first."""
    found: dict[str, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for key, group, n in rows:
        found[group][key] += n
    ordered = sorted(found, key=lambda g: -sum(found[g].values()))
    return {names.get(g, g): [found[g][k] for k in keys] for g in ordered}


def _label(day: dt.date) -> str:
    return f"{day.day}/{day.month}"


async def build(
    session: AsyncSession, staff: Staff, days: int, renderer: Renderer, now: dt.datetime
) -> dict[str, Any]:
    """Every chart of the page, and the figures beside them."""
    today = now.astimezone(TZ).date()
    first = today - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first, dt.time(0), tzinfo=TZ)
    scope = aq.Scope(staff.ltsa_slug, since)
    day_keys = _days(first, today)
    labels = [_label(d) for d in day_keys]
    messages = await aq.messages_per_day(session, scope)
    by_channel = _series(((d, c, n) for d, c, _, n in messages), day_keys, {})
    languages = {**NAMES["language_names"], "?": "tombol / tidak terdeteksi"}
    by_language = _series(((d, lang, n) for d, _, lang, n in messages), day_keys, languages)
    intents = await aq.top_intents(session, scope)
    gaps = await aq.gaps_per_day(session, scope)
    typed = await aq.typed_per_day(session, scope)
    fallback: dict[dt.date, int] = defaultdict(int)
    for d, reason, n in gaps:
        if reason == "fallback":
            fallback[d] += n
    rate = [round(100 * fallback[d] / typed[d], 1) if typed.get(d) else None for d in day_keys]
    gap_totals: dict[str, int] = defaultdict(int)
    for _, reason, n in gaps:
        gap_totals[GAP_REASONS.get(reason, reason)] += n
    topics = [
        (renderer.text("id", f"intent.faq.{t}"), yes, no)
        for t, yes, no in (await aq.feedback(session, scope))[:15]
    ]
    week_keys = sorted({_week(d) for d in day_keys})
    week_labels = [_label(w) for w in week_keys]
    made = [(_week(d), k, n) for d, k, n in await aq.bookings_per_day(session, scope)]
    kinds = {"opp": "OPP", "desk": "loket"}
    booked = _series(made, week_keys, kinds)
    marks: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    for d, status, n in await aq.attendance_per_day(session, scope, now):
        marks[_week(d)][0 if status == "attended" else 1] += n
    no_show = [
        round(100 * marks[w][1] / sum(marks[w]), 1) if sum(marks.get(w, [0, 0])) else None
        for w in week_keys
    ]
    case_rows = await aq.cases(session, scope)
    per_kind: dict[str, list[float]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for kind, opened, answered in case_rows:
        counts[kind] += 1
        if answered is not None:
            per_kind[kind].append(max(0.0, (answered - opened).total_seconds() / 60))
    kind_names = NAMES["kind_names"]
    first_response = [
        (kind_names.get(k, k), round(statistics.median(v), 1)) for k, v in sorted(per_kind.items())
    ]
    questions = await aq.repeated_gaps(session, scope) if may_read_questions(staff) else []
    total_typed = sum(typed.values())
    return {
        "days": days,
        "periods": PERIODS,
        "first": first,
        "today": today,
        "ltsa": staff.ltsa_slug,
        "totals": {
            "messages": sum(n for *_, n in messages),
            "typed": total_typed,
            "fallback_rate": round(100 * sum(fallback.values()) / total_typed, 1)
            if total_typed
            else None,
            "bookings": sum(n for *_, n in made),
            "cases": len(case_rows),
            "unanswered": sum(1 for _, _, a in case_rows if a is None),
        },
        "charts": {
            "by_channel": charts.columns(labels, by_channel, "Pesan masuk per hari menurut kanal"),
            "by_language": charts.columns(
                labels, by_language, "Pesan masuk per hari menurut bahasa"
            ),
            "intents": charts.bars(intents, "Intent terbanyak"),
            "fallback": charts.line(labels, rate, "Tingkat fallback per hari (%)"),
            "gaps": charts.bars(
                sorted(gap_totals.items(), key=lambda i: -i[1]), "Pertanyaan tak terjawab"
            ),
            "feedback": charts.split_bars(
                topics, ("membantu", "kurang membantu"), "Umpan balik FAQ per topik"
            ),
            "bookings": charts.columns(week_labels, booked, "Pendaftaran per minggu"),
            "no_show": charts.line(week_labels, no_show, "Tingkat tidak hadir per minggu (%)"),
            "cases": charts.bars(
                [
                    (kind_names.get(k, k), n)
                    for k, n in sorted(counts.items(), key=lambda i: -i[1])
                ],
                "Kasus menurut jenis",
            ),
            "first_response": charts.bars(
                first_response, "Median waktu respons pertama (menit)", unit=" mnt"
            ),
        },
        "questions": questions,
        "may_read_questions": may_read_questions(staff),
    }


@router.get("/console/analytics")
async def analytics_page(request: Request, login: CurrentLogin, days: int = 30) -> Response:
    """The analytics page (supervisors and LTSA admins)."""
    if not may_see(login.staff):
        raise Forbidden("only supervisors and LTSA admins see the analytics")
    services = request.app.state.services
    period = days if days in PERIODS else 30
    async with services.db.transaction() as session:
        context = await build(session, login.staff, period, services.renderer, utcnow())
        sq.audit(session, login.staff, "view_analytics", ip=login.ip, days=period)
    return render(request, "analytics.html", context)


__all__ = ["build", "may_see", "router"]
