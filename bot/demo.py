"""Fictional demo data: councils, teams, PAs and a young person in every age band.

Names are invented and phone numbers come from Ofcom's ranges reserved for drama
(01632 960xxx, 07700 900xxx), so nobody real is ever called.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.advisers.staff import create_staff
from bot.clock import Clock, SystemClock
from bot.models import AuditEvent, Council, PersonalAdviser, StaffAccount, Team, YoungPerson

COUNCILS = {
    "plymouth": "Plymouth City Council",
    "cambridgeshire": "Cambridgeshire County Council",
    "cheshire-east": "Cheshire East Council",
}

TEAMS = {
    "plymouth": ("Plymouth leaving care team", "01632 960100", "01632 960456"),
    "cambridgeshire": ("Cambridgeshire leaving care team", "01632 960200", "01632 960556"),
    "cheshire-east": ("Cheshire East care leavers team", "01632 960300", "01632 960656"),
}
# Shared duty inboxes (example.org is reserved for examples: nothing is ever delivered there).
DUTY_EMAILS = {
    "plymouth": "duty.plymouth@example.org",
    "cambridgeshire": "duty.cambridgeshire@example.org",
    "cheshire-east": "duty.cheshire-east@example.org",
}
# Dashboard accounts: every demo PA, plus a manager and an admin for Plymouth.
# (email, name, role, council of the team)
STAFF = [
    ("sam.ortiz@example.org", "Sam Ortiz", "pa", "plymouth"),
    ("priya.shah@example.org", "Priya Shah", "pa", "plymouth"),
    ("tom.walsh@example.org", "Tom Walsh", "pa", "cambridgeshire"),
    ("ada.mensah@example.org", "Ada Mensah", "pa", "cheshire-east"),
    ("morgan.lee@example.org", "Morgan Lee", "manager", "plymouth"),
    # Every team needs a duty route someone can log in to (`carebot config check`).
    ("casey.ford@example.org", "Casey Ford", "manager", "cambridgeshire"),
    ("jordan.blake@example.org", "Jordan Blake", "manager", "cheshire-east"),
    ("admin@example.org", "Demo admin", "admin", "plymouth"),
]

# (council, name, phone, email, working days, start, end)
ADVISERS = [
    (
        "plymouth",
        "Sam Ortiz",
        "01632 960123",
        "sam.ortiz@example.org",
        "1111100",
        time(9),
        time(17),
    ),
    (
        "plymouth",
        "Priya Shah",
        "01632 960124",
        "priya.shah@example.org",
        "1111000",
        time(8, 30),
        time(16, 30),
    ),
    (
        "cambridgeshire",
        "Tom Walsh",
        "01632 960223",
        "tom.walsh@example.org",
        "1111100",
        time(9),
        time(17),
    ),
    (
        "cheshire-east",
        "Ada Mensah",
        "01632 960323",
        "ada.mensah@example.org",
        "0111110",
        time(10),
        time(18),
    ),
]


@dataclass(frozen=True)
class DemoPerson:
    ref: str
    name: str
    council: str
    pa: str
    # Age in (years, extra days) on the day the demo data is loaded.
    years: int
    days: int
    support_status: str = "active"
    circumstances: tuple[str, ...] = ()


PEOPLE = [
    DemoPerson("demo-16", "Kai", "plymouth", "Sam Ortiz", 16, 40),
    DemoPerson("demo-17", "Mo", "plymouth", "Priya Shah", 17, 200),
    DemoPerson("demo-18", "Jordan", "plymouth", "Sam Ortiz", 18, 30),
    DemoPerson("demo-19", "Jay", "plymouth", "Sam Ortiz", 19, 120),
    DemoPerson(
        "demo-20", "Rosa", "plymouth", "Priya Shah", 20, 60, circumstances=("in_higher_education",)
    ),
    # About three months before the 21st birthday: the opt-in conversation is due.
    DemoPerson("demo-20-9m", "Amir", "plymouth", "Sam Ortiz", 20, 275),
    DemoPerson("demo-21", "Lena", "plymouth", "Priya Shah", 21, 90, "opted_in"),
    DemoPerson(
        "demo-22",
        "Dan",
        "plymouth",
        "Sam Ortiz",
        22,
        150,
        "opted_out",
        circumstances=("lives_outside_area",),
    ),
    DemoPerson("demo-24", "Nia", "plymouth", "Priya Shah", 24, 10, "opted_in"),
    DemoPerson("demo-cambs-19", "Alex", "cambridgeshire", "Tom Walsh", 19, 80),
    DemoPerson("demo-cheshire-19", "Sky", "cheshire-east", "Ada Mensah", 19, 80),
]


def birthday_for(years: int, days: int, today: date) -> date:
    """A date of birth that makes someone `years` old plus `days` on `today`."""
    try:
        anniversary = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        anniversary = today.replace(year=today.year - years, day=28)
    return anniversary - timedelta(days=days)


def load_demo_data(
    session: Session,
    clock: Clock | None = None,
    *,
    refresh: bool = False,
    staff_password: str | None = None,
) -> int:
    """Create what is missing (and with refresh, re-base ages on today); returns people added.

    With `staff_password`, demo dashboard accounts that do not exist yet get that password."""
    today = (clock or SystemClock()).now().date()
    now = (clock or SystemClock()).now()
    for council_id, name in COUNCILS.items():
        if session.get(Council, council_id) is None:
            session.add(Council(id=council_id, name=name, timezone="Europe/London"))
    session.flush()
    teams: dict[str, Team] = {}
    for council_id, (name, phone, duty_phone) in TEAMS.items():
        team = session.execute(
            select(Team).where(Team.council_id == council_id, Team.name == name)
        ).scalar_one_or_none()
        if team is None:
            team = Team(
                council_id=council_id,
                name=name,
                phone=phone,
                duty_name="Out-of-hours duty team",
                duty_phone=duty_phone,
                duty_email=DUTY_EMAILS[council_id],
            )
            session.add(team)
        teams[council_id] = team
    session.flush()
    advisers: dict[str, PersonalAdviser] = {}
    for council_id, name, phone, email, days, start, end in ADVISERS:
        pa = session.execute(
            select(PersonalAdviser).where(PersonalAdviser.email == email)
        ).scalar_one_or_none()
        if pa is None:
            pa = PersonalAdviser(
                team_id=teams[council_id].id,
                name=name,
                phone=phone,
                email=email,
                working_days=days,
                work_start=start,
                work_end=end,
            )
            session.add(pa)
        advisers[name] = pa
    session.flush()
    added = 0
    for person in PEOPLE:
        dob = birthday_for(person.years, person.days, today)
        yp = session.execute(
            select(YoungPerson).where(YoungPerson.ref == person.ref)
        ).scalar_one_or_none()
        if yp is None:
            session.add(
                YoungPerson(
                    ref=person.ref,
                    preferred_name=person.name,
                    date_of_birth=dob,
                    council_id=person.council,
                    pa_id=advisers[person.pa].id,
                    support_status=person.support_status,
                    circumstances=list(person.circumstances),
                    created_at=now,
                )
            )
            added += 1
        elif refresh:
            yp.date_of_birth = dob
    if staff_password is not None:
        add_demo_staff(session, teams, advisers, staff_password, now)
    session.add(AuditEvent(at=now, actor="cli", action="demo_data_loaded", detail={"added": added}))
    return added


def add_demo_staff(
    session: Session,
    teams: dict[str, Team],
    advisers: dict[str, PersonalAdviser],
    password: str,
    now: datetime,
) -> list[str]:
    """Dashboard accounts for the demo PAs, manager and admin; returns the emails created."""
    created = []
    for email, name, role, council_id in STAFF:
        if session.execute(select(StaffAccount.id).where(StaffAccount.email == email)).first():
            continue
        pa = advisers.get(name) if role == "pa" else None
        create_staff(
            session,
            email=email,
            name=name,
            role=role,
            password=password,
            pa_id=pa.id if pa is not None else None,
            team_id=teams[council_id].id,
            now=now,
        )
        created.append(email)
    return created
