"""Staff account pages: who may open and use them (admins everything, a manager their own
team's PAs, PAs and editors nothing), forms that need their CSRF token, a deactivated
account's open session refused on its next request, caseloads moved from the page, and the
public page a password link opens."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.clock import FixedClock
from bot.dashboard.app import Dashboard
from bot.models import AuditEvent, LinkCode, OutboxItem, StaffAccount, YoungPerson
from tests.bot.dashboard.helpers import Account, csrf_token, dump_database, log_in

Browser = Callable[[str], TestClient]
LINK = re.compile(r'<code id="reset-url">(http://testserver/staff/reset/[^<]+)</code>')
TOKEN = re.compile(r'name="reset_token" value="([^"]+)"')
NEW_PASSWORD = "my-own-new-passphrase"


def staff_row(sessions: sessionmaker, account_id: int) -> StaffAccount:
    with sessions() as session:
        row = session.get(StaffAccount, account_id)
        session.expunge(row)
        return row


def reset_link(page: str) -> str:
    match = LINK.search(page)
    assert match, "the page shows the password link"
    return match.group(1).removeprefix("http://testserver")


def set_password(client: TestClient, path: str, password: str, again: str | None = None):
    form = client.get(path)
    assert form.status_code == 200, form.text
    token = TOKEN.search(form.text)
    assert token
    return client.post(
        path,
        data={
            "reset_token": token.group(1),
            "password": password,
            "password_again": password if again is None else again,
        },
    )


def test_who_may_open_the_account_pages(browser: Browser, staff: dict[str, Account]) -> None:
    sam_page = f"/staff/accounts/{staff['sam'].id}"
    for key in ("sam", "editor"):
        client = browser(key)
        for path in ("/staff/accounts", "/staff/accounts/new", sam_page, f"{sam_page}/reassign"):
            assert client.get(path).status_code == 403, (key, path)
    admin = browser("admin").get("/staff/accounts")
    assert admin.status_code == 200
    assert 'data-label="Role"' in admin.text and 'data-label="Last log-in"' in admin.text
    assert "Tom Walsh" in admin.text and "Add a PA" in admin.text
    manager = browser("manager")
    listed = manager.get("/staff/accounts")
    assert listed.status_code == 200
    assert "Sam Ortiz" in listed.text and "Tom Walsh" not in listed.text
    assert "Add a PA" not in listed.text
    assert manager.get("/staff/accounts/new").status_code == 403
    assert manager.get(f"/staff/accounts/{staff['tom'].id}").status_code == 403
    page = manager.get(sam_page)
    assert page.status_code == 200
    assert "Make a password link" in page.text and "Deactivate" not in page.text


def test_forms_need_their_csrf_token(
    browser: Browser, staff: dict[str, Account], sessions: sessionmaker
) -> None:
    admin = browser("admin")
    before = dump_database(sessions)
    for action in ("deactivate", "role", "unlock", "reset-link", "duty"):
        path = f"/staff/accounts/{staff['sam'].id}/{action}"
        refused = admin.post(path, data={"role": "admin", "csrf_token": "forged"})
        assert refused.status_code == 403, action
    refused = admin.post("/staff/accounts/new", data={"name": "X", "email": "x@example.org"})
    assert refused.status_code == 403
    assert dump_database(sessions) == before


def test_an_admin_deactivates_a_pa_whose_open_session_then_ends(
    browser: Browser, client: TestClient, staff: dict[str, Account], sessions: sessionmaker
) -> None:
    sam = browser("sam")
    assert sam.get("/staff/").status_code == 200
    admin = browser("admin")
    token = csrf_token(admin)
    refused = admin.post(
        f"/staff/accounts/{staff['admin'].id}/deactivate", data={"csrf_token": token}
    )
    assert refused.status_code == 400 and "your own account" in refused.text
    done = admin.post(f"/staff/accounts/{staff['sam'].id}/deactivate", data={"csrf_token": token})
    assert done.status_code == 200
    assert "Account deactivated" in done.text
    assert "still the named PA for 5 young people" in done.text
    assert "/reassign" in done.text
    # Sam's browser is logged out on its very next request.
    next_request = sam.get("/staff/")
    assert next_request.status_code == 303
    assert next_request.headers["location"].startswith("/staff/login")
    assert not staff_row(sessions, staff["sam"].id).active
    back = admin.post(f"/staff/accounts/{staff['sam'].id}/reactivate", data={"csrf_token": token})
    assert back.status_code == 303 and back.headers["location"].endswith("?done=reactivate")
    assert "Account reactivated" in admin.get(back.headers["location"]).text
    log_in(client, staff["sam"])  # with the same password as before


def test_an_admin_changes_a_role_but_not_their_own(
    browser: Browser, staff: dict[str, Account], sessions: sessionmaker
) -> None:
    admin = browser("admin")
    token = csrf_token(admin)
    changed = admin.post(
        f"/staff/accounts/{staff['priya'].id}/role", data={"csrf_token": token, "role": "manager"}
    )
    assert changed.status_code == 303
    assert staff_row(sessions, staff["priya"].id).role == "manager"
    own = admin.post(
        f"/staff/accounts/{staff['admin'].id}/role", data={"csrf_token": token, "role": "pa"}
    )
    assert own.status_code == 400 and "your own role" in own.text
    manager = browser("manager")
    refused = manager.post(
        f"/staff/accounts/{staff['sam'].id}/role",
        data={"csrf_token": csrf_token(manager), "role": "admin"},
    )
    assert refused.status_code == 403
    assert staff_row(sessions, staff["sam"].id).role == "pa"


def test_an_admin_adds_a_pa_who_sets_their_password_with_the_link(
    browser: Browser, client: TestClient, staff: dict[str, Account], sessions: sessionmaker
) -> None:
    admin = browser("admin")
    with sessions() as session:
        team_id = session.get(StaffAccount, staff["sam"].id).team_id
    form = {"name": "Rae Quinn", "email": "rae.quinn@example.org", "phone": "01632 960999"}
    bad = admin.post(
        "/staff/accounts/new",
        data={"csrf_token": csrf_token(admin), **form, "team_id": "", "phone": "none"},
    )
    assert bad.status_code == 400 and "phone number" in bad.text
    assert 'value="Rae Quinn"' in bad.text  # what was typed is kept
    added = admin.post(
        "/staff/accounts/new",
        data={"csrf_token": csrf_token(admin), **form, "team_id": str(team_id)},
    )
    assert added.status_code == 200 and "PA added." in added.text
    path = reset_link(added.text)
    assert "shown only once" in added.text
    # The new PA, on their own browser: no session needed.
    assert set_password(client, path, NEW_PASSWORD, "something-else-entirely").status_code == 400
    done = set_password(client, path, NEW_PASSWORD)
    assert done.status_code == 200 and "Your password is set" in done.text
    assert done.headers["referrer-policy"] == "no-referrer"
    assert done.headers["cache-control"] == "no-store"
    with sessions() as session:
        new = session.execute(
            select(StaffAccount).where(StaffAccount.email == "rae.quinn@example.org")
        ).scalar_one()
        rae = Account(new.id, new.email, NEW_PASSWORD, "pa", new.pa_id, new.team_id)
    log_in(client, rae)
    assert client.get("/staff/").status_code == 200


def test_a_used_unknown_or_forged_link_gets_one_page(
    browser: Browser, client: TestClient, staff: dict[str, Account], sessions: sessionmaker
) -> None:
    manager = browser("manager")  # Sam's manager may make Sam a link
    made = manager.post(
        f"/staff/accounts/{staff['sam'].id}/reset-link", data={"csrf_token": csrf_token(manager)}
    )
    assert made.status_code == 200
    path = reset_link(made.text)
    form = client.get(path)
    with TestClient(client.app, follow_redirects=False) as no_cookie:
        forged = no_cookie.post(
            path,
            data={
                "reset_token": TOKEN.search(form.text).group(1),
                "password": NEW_PASSWORD,
                "password_again": NEW_PASSWORD,
            },
        )
    assert forged.status_code == 403 and "expired" in forged.text
    assert set_password(client, path, NEW_PASSWORD).status_code == 200
    used = client.get(path)
    unknown = client.get("/staff/reset/not-a-real-token")
    assert used.status_code == unknown.status_code == 404
    assert used.text == unknown.text and "does not work" in used.text
    with sessions() as session:
        assert session.execute(select(LinkCode.used_at)).scalar_one() is not None
    # A manager may not make a link for someone who is not their team's PA.
    other = browser("cambs_manager")
    refused = other.post(
        f"/staff/accounts/{staff['sam'].id}/reset-link", data={"csrf_token": csrf_token(other)}
    )
    assert refused.status_code == 403


def test_with_email_set_up_the_link_is_emailed_not_shown(
    staff: dict[str, Account], sessions: sessionmaker, clock: FixedClock
) -> None:
    emailing = Dashboard(
        sessions=sessions, clock=clock, public_url="https://bot.example.org", email_enabled=True
    )
    with TestClient(Starlette(routes=emailing.routes()), follow_redirects=False) as c:
        log_in(c, staff["admin"])
        made = c.post(
            f"/staff/accounts/{staff['sam'].id}/reset-link", data={"csrf_token": csrf_token(c)}
        )
    assert made.status_code == 200 and "was emailed to sam.dashboard@example.org" in made.text
    assert "/staff/reset/" not in made.text
    with sessions() as session:
        item = session.execute(select(OutboxItem)).scalar_one()
        assert item.address == "sam.dashboard@example.org"
        assert "https://bot.example.org/staff/reset/" in item.body


def test_unlock_by_the_pas_manager(
    browser: Browser, staff: dict[str, Account], sessions: sessionmaker
) -> None:
    manager = browser("manager")
    token = csrf_token(manager)
    done = manager.post(f"/staff/accounts/{staff['sam'].id}/unlock", data={"csrf_token": token})
    assert done.status_code == 303
    assert (
        browser("cambs_manager")
        .post(f"/staff/accounts/{staff['sam'].id}/unlock", data={"csrf_token": token})
        .status_code
        == 403
    )
    with sessions() as session:
        (event,) = session.execute(
            select(AuditEvent).where(AuditEvent.action == "staff_unlocked")
        ).scalars()
        assert event.actor == f"staff:{staff['manager'].id}"


def test_moving_some_of_a_caseload_from_the_page(
    browser: Browser, staff: dict[str, Account], sessions: sessionmaker, clock: FixedClock
) -> None:
    path = f"/staff/accounts/{staff['sam'].id}/reassign"
    assert browser("cambs_manager").get(path).status_code == 403
    manager = browser("manager")
    page = manager.get(path)
    assert page.status_code == 200
    assert "Priya Shah" in page.text and "Tom Walsh" not in page.text
    assert 'data-label="Reference"' in page.text and "tick to move" in page.text
    with sessions() as session:
        jay = session.execute(select(YoungPerson).where(YoungPerson.ref == "demo-19")).scalar_one()
    token = csrf_token(manager, path)
    fields = {"csrf_token": token, "to_pa_id": str(staff["priya"].pa_id), "move": "ticked"}
    none_ticked = manager.post(path, data=fields)
    assert none_ticked.status_code == 400 and "Tick at least one" in none_ticked.text
    tom = manager.post(
        path, data={**fields, "to_pa_id": str(staff["tom"].pa_id), f"yp{jay.id}": "on"}
    )
    assert tom.status_code == 403  # another team's PA
    moved = manager.post(path, data={**fields, f"yp{jay.id}": "on"})
    assert moved.status_code == 303
    done = manager.get(moved.headers["location"])
    assert "Moved 1 young person; 0 will get a message" in done.text
    with sessions() as session:
        assert session.get(YoungPerson, jay.id).pa_id == staff["priya"].pa_id
        assert session.execute(
            select(YoungPerson.id).where(YoungPerson.pa_id == staff["sam"].pa_id)
        ).all()
    everyone = manager.post(path, data={**fields, "move": "all"})
    assert everyone.status_code == 303
    with sessions() as session:
        assert not session.execute(
            select(YoungPerson.id).where(YoungPerson.pa_id == staff["sam"].pa_id)
        ).all()
    assert browser("sam").get(path).status_code == 403


def test_the_duty_rota_from_an_accounts_page(
    browser: Browser, staff: dict[str, Account], sessions: sessionmaker
) -> None:
    manager = browser("manager")
    token = csrf_token(manager)
    path = f"/staff/accounts/{staff['priya'].id}/duty"
    assert manager.post(path, data={"csrf_token": token, "on_duty": "on"}).status_code == 303
    assert staff_row(sessions, staff["priya"].id).on_duty
    assert manager.post(path, data={"csrf_token": token}).status_code == 303
    assert not staff_row(sessions, staff["priya"].id).on_duty
