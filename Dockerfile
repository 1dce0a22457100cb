# syntax=docker/dockerfile:1
# The Carebot image: `carebot run` by default; the same image runs migrations (`carebot db
# upgrade`) and, in compose's nlu profile, Rasa's own server. See README, "Deploying for a
# council (containers)".
#
# linux/amd64 only: TensorFlow 2.12 (pinned by Rasa 3.6) publishes no Linux arm64 wheel.

# Rasa 3.6.21 supports Python 3.8-3.10 only.
FROM python:3.10-slim-bookworm AS build

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    RASA_TELEMETRY_ENABLED=false \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv
WORKDIR /app

# Dependencies first, against empty packages (and an empty README, which pyproject.toml
# names), so editing the code or the README does not reinstall Rasa and TensorFlow (minutes)
# on the next build.
COPY pyproject.toml constraints.txt ./
RUN mkdir bot dialogues nlu \
    && touch README.md bot/__init__.py dialogues/__init__.py nlu/__init__.py \
    && pip install -c constraints.txt -e .

COPY README.md ./
COPY bot/ bot/
COPY dialogues/ dialogues/
COPY nlu/ nlu/
COPY locales/ locales/
COPY offer_content/ offer_content/
# Editable, not a plain install: bot/settings.py finds locales/ and offer_content/ beside
# the bot package (PROJECT_ROOT is computed from its __file__), and the content schema and
# NLU data are found the same way. Installed into site-packages, the bot would find none of
# them. No dev extras: tests, linters and browsers stay out of the image.
RUN pip install --no-deps -c constraints.txt -e .

# Compiled here because the .mo files are not in git (dev.sh compiles them on every run).
# The bytecode too: at run time /app is read-only to the bot, so nothing could cache it.
RUN pybabel compile --use-fuzzy -d locales -D messages \
    && python -m compileall -q bot dialogues nlu

# Trained at build time so a container starts in seconds and every container of one image
# answers with the same model. Training reads content and NLU data only (no database); the
# risk classifier is cached beside the model. Written outside /app so the next stage can
# give the model folder alone to the bot's user. (Rasa also writes under $HOME, which the
# next stage leaves behind.)
RUN CAREBOT_MODEL_PATH=/model/nlu.tar.gz carebot train


# The image that runs: what the build stage installed and trained, without pip's and
# training's leftovers, owned so that the bot's own user can write only what it must.
FROM python:3.10-slim-bookworm

# A fixed uid, so the data volume's owner is the same in every rebuild.
RUN useradd --create-home --uid 10001 --user-group carebot \
    && install -d -o carebot -g carebot /data

COPY --from=build /opt/venv /opt/venv
# The code and content stay root-owned: the bot process cannot rewrite its own code. It owns
# only the model folder (so `carebot train` in a container can replace the model) and /data.
# The model is outside /data, so the data volume mounted there cannot hide it.
COPY --from=build /app /app
COPY --from=build --chown=carebot:carebot /model /app/model

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    RASA_TELEMETRY_ENABLED=false \
    CAREBOT_HOST=0.0.0.0 \
    CAREBOT_DATA_DIR=/data \
    CAREBOT_MODEL_PATH=/app/model/nlu.tar.gz

WORKDIR /app
USER carebot
VOLUME ["/data"]
EXPOSE 8080

# slim has no curl. CAREBOT_PORT is read so that a changed port does not mark every
# container unhealthy. Generous start period: loading the model takes 10-30 s.
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % (os.environ.get('CAREBOT_PORT') or '8080'), timeout=4)"]

CMD ["carebot", "run"]
