"""Shared fixtures: one trained NLU model per session, and a fresh database per test.

Which database: SQLite, except that tests marked `sql` (they exercise SQL behaviour: locking,
bulk updates, filters, migrations) also run on PostgreSQL (127.0.0.1:5432, database `test`,
a throwaway schema per test). `--databases=postgresql` runs every database test (and only
those) on PostgreSQL instead: CI's second job. `--databases=sqlite,postgresql`: on both."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

os.environ["RASA_TELEMETRY_ENABLED"] = "false"
os.environ["SQLALCHEMY_SILENCE_UBER_WARNING"] = "1"

import pytest
from filelock import FileLock
from hypothesis import settings as hypothesis_settings
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from bot.clock import FixedClock
from bot.content import Offer, load_offer
from bot.db import make_engine, session_factory, upgrade
from bot.demo import add_demo_staff, load_demo_data
from bot.messages import InboundMessage, Turn
from bot.models import PersonalAdviser, StaffAccount, Team
from bot.runtime import Runtime, build_runtime
from bot.settings import PROJECT_ROOT, Settings, load_settings
from dialogues.engine import DialogueEngine
from nlu import Interpreter, training
from nlu.rasa_interpreter import RasaInterpreter
from nlu.risk.classifier import RiskClassifier, load_or_train

# Fuzz tests use the same examples on every run, so CI never fails by chance; look for new
# failures by hand with --hypothesis-seed=random.
hypothesis_settings.register_profile("carebot", derandomize=True)
hypothesis_settings.load_profile("carebot")

POSTGRES_URL = os.environ.get(
    "CAREBOT_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)
# A Monday morning in term time, in working hours (10:00 in London).
MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def offer() -> Offer:
    return load_offer(PROJECT_ROOT / "offer_content")


# Where the suite keeps its trained model between runs (git ignores var/).
TEST_MODEL_DIR = PROJECT_ROOT / "var" / "test-model"


@pytest.fixture(scope="session")
def risk_classifier() -> RiskClassifier:
    """The risk classifier, trained at most once for every worker and run (half a minute) and
    kept in var/test-model beside the model, which depends on it. Loading it here fills the
    process's cache, so every runtime and `default_detector()` in the tests uses this one
    whatever folder it names."""
    TEST_MODEL_DIR.mkdir(parents=True, exist_ok=True)
    with FileLock(str(TEST_MODEL_DIR / "risk.lock")):
        return load_or_train(TEST_MODEL_DIR)


@pytest.fixture(scope="session")
def trained_model(offer: Offer, risk_classifier: RiskClassifier) -> Path:
    """The real model, trained at most once per session and shared by every test and every
    pytest-xdist worker: the first to get here trains it, holding a file lock, and the others
    wait for it. A model from an earlier run is reused only when its fingerprint shows it was
    trained on exactly today's data and config (training is deterministic: test_interpreter)."""
    path = TEST_MODEL_DIR / "nlu.tar.gz"
    examples = offer.examples_by_topic()
    TEST_MODEL_DIR.mkdir(parents=True, exist_ok=True)
    with FileLock(str(TEST_MODEL_DIR / "train.lock")):
        if not training.is_current(path, examples):
            training.train(path, examples)
    return path


@pytest.fixture(scope="session")
def interpreter(trained_model: Path) -> Interpreter:

    return RasaInterpreter(trained_model)


def _postgres_schema_url() -> tuple[str, str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    return schema, f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


BACKENDS = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--databases",
        default=None,
        help="comma-separated backends for every database test (default: sqlite, and "
        "postgresql too for tests marked sql)",
    )


def pytest_configure(config: pytest.Config) -> None:
    wanted = config.getoption("--databases")
    if wanted is not None and not set(wanted.split(",")) <= set(BACKENDS):
        raise pytest.UsageError(f"--databases takes {', '.join(BACKENDS)}, not {wanted!r}")


def _needs_training(item: pytest.Item) -> tuple[bool, bool]:
    names = getattr(item, "fixturenames", ())
    return "trained_model" in names, "risk_classifier" in names


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that need the trained model run last, after those that need only the risk
    classifier: under pytest-xdist one worker trains them (when no earlier run left current
    ones) while the others run everything else. With
    --databases, only the tests that use a database (the rest ran in the main job)."""
    items.sort(key=_needs_training)
    if config.getoption("--databases") is None:
        return
    keep = [i for i in items if "database_url" in getattr(i, "fixturenames", ())]
    config.hook.pytest_deselected(items=[i for i in items if i not in keep])
    items[:] = keep


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize `database_url` (directly or through db_engine and friends) by backend,
    unless the test chose its backend itself with an indirect parametrize."""
    if "database_url" not in metafunc.fixturenames:
        return
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0]
        if "database_url" in (names.split(",") if isinstance(names, str) else names):
            return
    wanted = metafunc.config.getoption("--databases")
    if wanted is not None:
        backends = wanted.split(",")
    elif metafunc.definition.get_closest_marker("sql") is not None:
        backends = list(BACKENDS)
    else:
        backends = ["sqlite"]
    metafunc.parametrize("database_url", backends, indirect=True)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on the backend this test runs with (see pytest_generate_tests)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'carebot.db'}"
        return
    admin = make_engine(POSTGRES_URL)
    schema, url = _postgres_schema_url()
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database migrated once per session; each test gets a copy (a migration
    per test cost a fifth of a second, times hundreds of tests)."""
    path = tmp_path_factory.mktemp("template") / "carebot.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def db_engine(database_url: str, migrated_sqlite: Path) -> Iterator[Engine]:
    """The test's database, migrated to the latest revision."""
    if database_url.startswith("sqlite:///"):
        target = Path(database_url.removeprefix("sqlite:///"))
        if not target.exists():
            shutil.copyfile(migrated_sqlite, target)
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MONDAY_10AM)


@pytest.fixture
def demo(db_engine: Engine, clock: FixedClock) -> None:
    with session_factory(db_engine).begin() as session:
        load_demo_data(session, clock)


@pytest.fixture
def staff(db_engine: Engine, demo: None, clock: FixedClock) -> dict[str, int]:
    """Dashboard accounts for the demo staff, so escalations reach someone; email -> id."""
    with session_factory(db_engine).begin() as session:
        teams = {t.council_id: t for t in session.execute(select(Team)).scalars()}
        advisers = {p.name: p for p in session.execute(select(PersonalAdviser)).scalars()}
        add_demo_staff(session, teams, advisers, "a-long-demo-password", clock.now())
        return {s.email: s.id for s in session.execute(select(StaffAccount)).scalars()}


@pytest.fixture
def default_council() -> str | None:
    """No default: anonymous visitors are asked. Channel tests override it with a council
    to run as that council's own bot."""
    return None


@pytest.fixture
def settings(
    database_url: str, trained_model: Path, tmp_path: Path, default_council: str | None
) -> Settings:
    return load_settings(
        {
            "DATABASE_URL": database_url,
            "CAREBOT_DATA_DIR": str(tmp_path),
            "CAREBOT_MODEL_PATH": str(trained_model),
            "CAREBOT_DEFAULT_COUNCIL": default_council or "",
        }
    )


@pytest.fixture
def runtime(
    settings: Settings, interpreter: Interpreter, clock: FixedClock, db_engine: Engine, demo: None
) -> Runtime:
    return build_runtime(settings, interpreter=interpreter, clock=clock)


@pytest.fixture
def engine(runtime: Runtime) -> DialogueEngine:
    return runtime.engine


class Chat:
    """Talks to the engine as one person on one channel, the way an adapter would."""

    def __init__(
        self, engine: DialogueEngine, channel: str = "terminal", sender_id: str | None = None
    ) -> None:
        self.engine = engine
        self.channel = channel
        self.sender_id = sender_id or f"test-{uuid.uuid4().hex[:8]}"
        self._n = 0

    def link(
        self, ref: str | None = None, *, council: str | None = None, language: str | None = None
    ) -> Chat:
        self.engine.identify(
            self.channel,
            self.sender_id,
            young_person_ref=ref,
            council_id=council,
            language=language,
        )
        return self

    def _next_id(self) -> str:
        self._n += 1
        return f"{self.sender_id}-{self._n}"

    def say(self, text: str | None, *, kind: str = "text", message_id: str | None = None) -> Turn:
        return self.engine.handle(
            InboundMessage(
                self.channel, self.sender_id, message_id or self._next_id(), kind=kind, text=text
            )
        )

    def press(self, payload: str) -> Turn:
        return self.engine.handle(
            InboundMessage(
                self.channel, self.sender_id, self._next_id(), kind="button", payload=payload
            )
        )


@pytest.fixture
def chat(engine: DialogueEngine) -> Chat:
    return Chat(engine)
