"""The immutable picture the app draws from: one seat's view, its pending orders and the record so far."""

from __future__ import annotations

from typing import Any

from attrs import frozen

from ..model.view import CompanyView
from ..session import HUMAN, Preview, Session, Standing
from .tutorial import TUTORIAL, hint


@frozen
class Frame:
    seat: str
    view: CompanyView
    preview: Preview  # my pending orders as the engine would judge them now
    last_private: Any  # my report of last quarter, or None
    markets: tuple[dict, ...]  # every past quarter's public market results, oldest first
    history: tuple[dict, ...]  # every quarter's public figures, with my own cash and debt beside mine
    names: dict[str, str]
    humans: tuple[str, ...]
    hint: str
    to_date: tuple[float, float]  # my revenue and net income over the quarters played
    standings: tuple[Standing, ...] = ()  # every company, public figures only, ranked (Session.standings)
    score: Any = None  # my own score estimate and its components (Session.score_estimate), mine only
    statements: Any = None  # my three statements for last quarter (Session.statements), None before the first


def frame_of(session: Session, seat: str) -> Frame:
    view = session.view(seat)
    pending = session.pending(seat)
    tutorial = session.spec.source.endswith(f"{TUTORIAL}.toml") or session.spec.game.name.lower() == TUTORIAL
    return Frame(
        seat=seat,
        view=view,
        preview=session.preview(seat, pending),
        last_private=session.private_report(seat),
        markets=tuple(p.markets for p in session.game.public_reports),
        history=tuple(session.history_of(seat)),
        names={cid: c.name for cid, c in session.spec.companies.items()},
        humans=tuple(c for c, a in session.seats.items() if a == HUMAN),
        hint=hint(view, len(pending)) if tutorial else "",
        to_date=session.to_date(seat),
        standings=session.standings(seat),
        score=session.score_estimate(seat),
        statements=session.statements(seat),
    )
