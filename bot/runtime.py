"""Builds the running bot from settings: database, content, NLU and the dialogue engine."""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.clock import Clock, SystemClock
from bot.content import ContentError, Offer
from bot.content.council_rows import add_missing_councils
from bot.content.store import ContentStore
from bot.db import session_factory
from bot.logsafe import use_pseudonym_key
from bot.server_keys import server_key
from bot.settings import Settings
from bot.startup import StartupError, open_database
from dialogues.engine import DialogueEngine
from nlu import Interpreter, training_data
from nlu.rasa_http import RasaHttpInterpreter
from nlu.reloading import ModelInfo, ReloadingInterpreter
from nlu.result import ModelMissingError
from nlu.risk import RiskDetector
from nlu.risk.classifier import load_or_train
from nlu.risk.idioms import IdiomError, load_idioms
from nlu.risk.lexicon import LexiconError, load_lexicon

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Everything the running bot is made of, built once by build_runtime."""

    settings: Settings
    db: Engine
    sessions: sessionmaker
    content: ContentStore
    engine: DialogueEngine
    # True when content example questions changed after the model was trained.
    nlu_stale: bool = False
    # Set when the bot loaded the model itself (and so reloads it after `carebot train`).
    interpreter: ReloadingInterpreter | None = None
    # Set when messages are classified by the NLU service (CAREBOT_NLU_URL) instead.
    nlu_service: RasaHttpInterpreter | None = None

    def model_info(self) -> ModelInfo:
        """Which NLU model answers (for /healthz)."""
        if self.interpreter is not None:
            return self.interpreter.info
        return ModelInfo.of(self.settings.model_path)

    def content_changed(self, offer: Offer) -> None:
        """A council new in the content gets its database row (a visitor who picks it would
        otherwise be refused by the database), and the model is checked against the content's
        example questions."""
        add_missing_councils(self.sessions, offer)
        self.check_model(offer)

    def check_model(self, offer: Offer) -> None:
        """Note (and warn once) when content example questions outdate the model."""
        stale = not training_data.is_current(self.settings.model_path, offer.examples_by_topic())
        if stale and not self.nlu_stale:
            log.warning(
                "content example questions changed since the NLU model was trained; "
                "run `carebot train` to teach the bot them (it keeps the old model until then)"
            )
        self.nlu_stale = stale


def load_interpreter(settings: Settings) -> ReloadingInterpreter | RasaHttpInterpreter:
    """The NLU service when CAREBOT_NLU_URL is set; otherwise the trained model, loaded in
    this process and swapped for a new one when `carebot train` replaces it."""
    if settings.nlu_url:
        return RasaHttpInterpreter(settings.nlu_url, token=settings.nlu_token)
    # Imported only here: Rasa and TensorFlow take seconds and hundreds of megabytes to load,
    # which a process using the NLU service never needs.
    rasa_interpreter = importlib.import_module("nlu.rasa_interpreter")
    try:
        return ReloadingInterpreter(settings.model_path, rasa_interpreter.RasaInterpreter)
    except ModelMissingError as exc:
        raise StartupError(str(exc)) from None


def load_risk_detector(settings: Settings) -> RiskDetector:
    """The lexicon, the idioms and the risk classifier (cached beside the NLU model, trained
    if missing)."""
    try:
        lexicon = load_lexicon()
    except LexiconError as exc:
        raise StartupError(f"risk lexicon error: {exc}") from None
    try:
        idioms = load_idioms()
    except IdiomError as exc:
        raise StartupError(f"risk idioms error: {exc}") from None
    return RiskDetector(lexicon, load_or_train(settings.model_path.parent), idioms)


def build_runtime(
    settings: Settings, *, interpreter: Interpreter | None = None, clock: Clock | None = None
) -> Runtime:
    """Fail fast, with one clear line, on anything that would break the first message."""
    db = open_database(settings.database_url)
    try:
        content = ContentStore(settings.content_dir)
    except ContentError as exc:
        raise StartupError(f"content error: {exc}") from None
    sessions = session_factory(db)
    use_pseudonym_key(server_key(sessions, "log_pseudonym"))
    loaded = None if interpreter is not None else load_interpreter(settings)
    engine = DialogueEngine(
        sessions,
        interpreter or loaded,  # type: ignore[arg-type]
        content.current,
        clock=clock or SystemClock(),
        risk=load_risk_detector(settings),
        default_language=settings.default_language,
        default_council=settings.default_council,
        public_url=settings.public_url,
    )
    runtime = Runtime(
        settings=settings,
        db=db,
        sessions=sessions,
        content=content,
        engine=engine,
        interpreter=loaded if isinstance(loaded, ReloadingInterpreter) else None,
        nlu_service=loaded if isinstance(loaded, RasaHttpInterpreter) else None,
    )
    content.on_reload = runtime.content_changed
    runtime.content_changed(content.current())
    return runtime
