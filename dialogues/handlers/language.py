"""Choosing the language the bot speaks: a menu of languages, each named in its own script."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

from bot import payloads
from bot.i18n import OWN_NAMES, Translator, available_languages, babel_locale, normalise_language
from bot.messages import Button, OutgoingMessage
from dialogues.context import Reply, TurnContext
from dialogues.handlers.small_talk import menu as topic_menu


def own_name(code: str) -> str:
    """'العربية' for ar: people find their language by how it looks to them."""
    if code in OWN_NAMES:
        return OWN_NAMES[code]
    try:
        locale = Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        locale = babel_locale(code)
    name = locale.get_display_name(locale) or code
    return name[:1].upper() + name[1:]


def menu(ctx: TurnContext) -> Reply:
    """The list of languages the bot ships, each named in its own script."""
    _ = ctx.t.gettext
    buttons = tuple(
        Button(own_name(code), payloads.make(payloads.LANG, code)) for code in available_languages()
    )
    return Reply([OutgoingMessage(_("Which language would you like?"), buttons)])


def choose(ctx: TurnContext, code: str) -> Reply:
    """Switch to the chosen language (kept on the chat and their record) and show the menu in
    it; an unknown code gets the list again."""
    chosen = normalise_language(code)
    if chosen is None:
        return menu(ctx)
    ctx.identity.language = chosen
    if ctx.young_person is not None:
        ctx.young_person.language = chosen
    ctx.t = Translator(chosen)
    _ = ctx.t.gettext
    text = _("OK, I'll write in {language} from now on.").format(language=own_name(chosen))
    follow = topic_menu(ctx)
    return Reply([OutgoingMessage(text), *follow.messages])


def offer(ctx: TurnContext, code: str) -> OutgoingMessage:
    """'Would you like me to write in العربية?', asked in that language, with a way to say
    no: choosing either saves the choice, so they are asked once."""
    theirs = Translator(code)
    question = theirs.gettext("Would you like me to write in {language}?").format(
        language=own_name(code)
    )
    return OutgoingMessage(
        question,
        (
            Button(own_name(code), payloads.make(payloads.LANG, code)),
            Button(own_name(ctx.t.language), payloads.make(payloads.LANG, ctx.t.language)),
        ),
    )
