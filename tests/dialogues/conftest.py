"""Fixtures the dialogue tests share (the `staff` accounts fixture is in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.settings import Settings, load_settings
from nlu.risk.classifier import RiskClassifier


@pytest.fixture
def settings_without_model(
    database_url: str,
    tmp_path: Path,
    db_engine: Engine,
    demo: None,
    risk_classifier: RiskClassifier,
) -> Settings:
    """Settings on the demo database for a runtime given a fake interpreter: no trained model
    (the risk classifier comes from the session's)."""
    return load_settings(
        {
            "DATABASE_URL": database_url,
            "CAREBOT_DATA_DIR": str(tmp_path),
            "CAREBOT_MODEL_PATH": str(tmp_path / "no-model-needed.tar.gz"),
            "CAREBOT_DEFAULT_COUNCIL": "plymouth",
        }
    )
