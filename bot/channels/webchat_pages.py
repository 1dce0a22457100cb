"""The web chat's pages: the chat with its first screen (who runs it, that it is a bot, what
is kept and for how long), and the full privacy notice, in the visitor's language."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request

from bot import payloads
from bot.channels.phone_links import linked_html
from bot.content.model import NATIONAL, Council
from bot.i18n import Translator, is_rtl, normalise_language
from bot.retention import DEFAULT_MONTHS

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_COUNCIL_ID = re.compile(r"[a-z][a-z0-9-]{0,63}")
# How long the visitor cookie lasts (the chat remembers this device that long).
VISITOR_DAYS = 180


@dataclass(frozen=True)
class Visit:
    """What one page request is for: language, the council the page names, who runs it."""

    language: str
    council_id: str  # the page's council (a council's own site presets it), or ""
    council: Council | None  # who runs the chat; None: not known yet (the bot asks)
    months: int  # how long what they write is kept, at most

    @property
    def direction(self) -> str:
        """ "rtl" for a right-to-left language (Arabic, Farsi...), else "ltr"."""
        return "rtl" if is_rtl(self.language) else "ltr"

    def query(self) -> str:
        """The query string that keeps the language and council on links between the two pages."""
        return urlencode(
            {"lang": self.language, **({"council": self.council_id} if self.council_id else {})}
        )


class Pages:
    """Renders the chat page and the privacy notice (bot/templates) in the visitor's language."""

    def __init__(
        self,
        *,
        default_language: str,
        default_council: str | None,
        councils: Callable[[], Mapping[str, Council]],
    ) -> None:
        self._default_language = default_language
        self._default_council = default_council
        self._councils = councils
        self._jinja = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            extensions=["jinja2.ext.i18n"],
        )
        self._jinja.filters["phone_links"] = linked_html

    def visit(self, request: Request) -> Visit:
        """The language and council a request asks for (`lang`, `council`), checked, with the same
        council the engine would choose and how long messages are kept."""
        language = normalise_language(request.query_params.get("lang")) or self._default_language
        asked = request.query_params.get("council") or self._default_council or ""
        council_id = asked if _COUNCIL_ID.fullmatch(asked) else ""
        councils = self._councils()
        # Who answers, as the engine decides it: the page's council, else the default, else
        # the only one there is. Otherwise the first screen asks, as the bot would.
        council = councils.get(council_id) or councils.get(self._default_council or "")
        if council is None and len(councils) == 1:
            council = next(iter(councils.values()))
        if council is not None:
            months = council.retention_months
        else:
            # Before they say which council: the longest any council keeps (never invented).
            months = max([DEFAULT_MONTHS, *(c.retention_months for c in councils.values())])
        return Visit(language, council_id, council, months)

    def render(self, name: str, visit: Visit, **extra: object) -> str:
        """Render a template for this visit. It installs the visit's translations on the one shared
        Jinja environment, so never call it from several threads at once (routes use the loop)."""
        t = Translator(visit.language)
        self._jinja.install_gettext_callables(t.gettext, t.ngettext, newstyle=True)
        period = (
            t.gettext("1 month")
            if visit.months == 1
            else t.gettext("{months} months").format(months=visit.months)
        )
        return self._jinja.get_template(name).render(
            language=visit.language,
            direction=visit.direction,
            council=visit.council_id,
            council_name=visit.council.name if visit.council else "",
            period=period,
            visitor_days=VISITOR_DAYS,
            query=visit.query(),
            **extra,
        )

    def chat(self, request: Request) -> str:
        """The chat page; when the council is not known, its first screen asks which (buttons)."""
        visit = self.visit(request)
        choices: list[tuple[str, str]] = []
        if visit.council is None:
            # The bot's own council question, on the first screen, with its buttons.
            t = Translator(visit.language)
            choices = [
                (c.short_name, payloads.make(payloads.COUNCIL, c.id))
                for c in self._councils().values()
            ]
            choices.append((t.gettext("Not sure"), payloads.make(payloads.COUNCIL, NATIONAL)))
        return self.render(
            "chat.html",
            visit,
            council_choices=choices,
            delete_payload=payloads.make(payloads.PRIVACY, "delete"),
        )

    def privacy(self, request: Request) -> str:
        """The full privacy notice for this visit's language and council."""
        return self.render("privacy.html", self.visit(request))
