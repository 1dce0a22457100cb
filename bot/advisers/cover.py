"""Away and cover: when a PA is away, who takes their escalations, and each team's duty route."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import AuditEvent, Council, PersonalAdviser, StaffAccount, Team

# Away dates are days in England: "away until the 12th" means to the end of the 12th there.
LOCAL = ZoneInfo("Europe/London")
MANAGER = "manager"


class CoverError(ValueError):
    """Away or cover cannot be set as asked; the message is for staff."""


def local_day(now: datetime) -> date:
    """Today's date in England: away dates are English days, whatever the time zone of `now`."""
    return now.astimezone(LOCAL).date()


def is_away(pa: PersonalAdviser, day: date) -> bool:
    """Away by hand (until further notice), or on a day inside their away dates."""
    if pa.away:
        return True
    if pa.away_from is None:
        return False
    return pa.away_from <= day and (pa.away_until is None or day <= pa.away_until)


def cover_for(pa: PersonalAdviser, day: date) -> StaffAccount | None:
    """The colleague covering for this PA today, if they are away and the cover can act."""
    if not is_away(pa, day):
        return None
    cover = pa.cover
    if cover is None or not cover.active:
        return None
    return cover


def colleagues(session: Session, pa: PersonalAdviser) -> list[StaffAccount]:
    """Who may cover for this PA: active accounts on the same team, other than the PA's own."""
    return list(
        session.execute(
            select(StaffAccount)
            .where(
                StaffAccount.team_id == pa.team_id,
                StaffAccount.active.is_(True),
                (StaffAccount.pa_id != pa.id) | StaffAccount.pa_id.is_(None),
                StaffAccount.role.in_(("pa", MANAGER)),
            )
            .order_by(StaffAccount.name)
        ).scalars()
    )


@dataclass(frozen=True)
class Away:
    """What a PA or their manager asked for on the settings form."""

    away_from: date | None
    away_until: date | None
    cover_staff_id: int | None


def set_away(
    session: Session, pa: PersonalAdviser, wanted: Away, *, actor: str, now: datetime
) -> None:
    """Record a PA's away dates and cover (or clear them, with no start date); audited."""
    if wanted.away_from is None:
        if wanted.away_until is not None or wanted.cover_staff_id is not None:
            raise CoverError("Give the first day away.")
    elif wanted.away_until is not None and wanted.away_until < wanted.away_from:
        raise CoverError("The last day away is before the first.")
    elif wanted.away_until is not None and wanted.away_until < local_day(now):
        raise CoverError("Those dates are in the past.")
    if wanted.cover_staff_id is not None:
        allowed = {s.id for s in colleagues(session, pa)}
        if wanted.cover_staff_id not in allowed:
            raise CoverError("Choose a colleague on the same team to cover.")
    before = (pa.away_from, pa.away_until, pa.cover_staff_id)
    pa.away_from, pa.away_until, pa.cover_staff_id = (
        wanted.away_from,
        wanted.away_until,
        wanted.cover_staff_id,
    )
    if wanted.away_from is None:
        pa.away = False  # clearing the dates also ends "away until further notice"
    if before == (pa.away_from, pa.away_until, pa.cover_staff_id):
        return
    session.add(
        AuditEvent(
            at=now,
            actor=actor,
            action="pa_away_set" if wanted.away_from else "pa_away_cleared",
            subject_type="personal_adviser",
            subject_id=str(pa.id),
            detail={
                "away_from": pa.away_from.isoformat() if pa.away_from else None,
                "away_until": pa.away_until.isoformat() if pa.away_until else None,
                "cover_staff_id": pa.cover_staff_id,
            },
        )
    )


def duty_staff(session: Session, team_id: int | None) -> list[StaffAccount]:
    """Active accounts on the team's duty rota."""
    if team_id is None:
        return []
    return list(
        session.execute(
            select(StaffAccount).where(
                StaffAccount.team_id == team_id,
                StaffAccount.on_duty.is_(True),
                StaffAccount.active.is_(True),
            )
        ).scalars()
    )


def managers(session: Session, team_id: int | None) -> list[StaffAccount]:
    """Active managers of the team: they always see the team inbox (the shared queue)."""
    if team_id is None:
        return []
    return list(
        session.execute(
            select(StaffAccount).where(
                StaffAccount.team_id == team_id,
                StaffAccount.role == MANAGER,
                StaffAccount.active.is_(True),
            )
        ).scalars()
    )


def duty_route_problems(session: Session) -> list[str]:
    """Councils with no team, and teams whose duty route reaches nobody who can log in: no
    active manager (who works the team inbox) and nobody on the duty rota. The service must
    not run like that."""
    problems = []
    # A council with no team (a new deployment, say) would pass the checks below vacuously,
    # while its young people's escalations reached nobody.
    teamless = session.execute(
        select(Council.id).where(~select(Team.id).where(Team.council_id == Council.id).exists())
    ).scalars()
    problems += [
        f"{council_id}: no leaving-care team, so its young people's escalations reach nobody"
        for council_id in sorted(teamless)
    ]
    teams = session.execute(select(Team, Council).join(Council).order_by(Team.id)).all()
    for team, council in teams:
        if not managers(session, team.id) and not duty_staff(session, team.id):
            problems.append(
                f"{council.id}: team {team.id} ({team.name}) has no duty route: add an "
                "active manager, or put an active colleague on the duty rota "
                "(`carebot staff duty --on EMAIL`)"
            )
        if not team.duty_phone.strip():
            problems.append(f"{council.id}: team {team.id} ({team.name}) has no duty phone")
    return problems
