#!/usr/bin/env bash
# Sets everything up (idempotent, fast when nothing changed), then runs the bot or the tests.
#   ./dev.sh start        set up, then start the bot (web chat on http://127.0.0.1:8080)
#   ./dev.sh test [ARGS]  set up, then run the whole test suite (ARGS go to pytest)
#   ./dev.sh setup        set up only
set -euo pipefail
cd "$(dirname "$0")"

VENV=.venv
export RASA_TELEMETRY_ENABLED=false
export PYTHONDONTWRITEBYTECODE=1

say() { printf '==> %s\n' "$*" >&2; }

is_310() { [ -n "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; }

find_python() {
  # Rasa 3.6 needs Python 3.10; `python3` may well be another version, and a pyenv shim named
  # python3.10 can exist yet refuse to run when 3.10 is not the active pyenv version.
  local candidate
  for candidate in "${CAREBOT_PYTHON:-}" "$(command -v python3.10 || true)" \
      "$(command -v pyenv >/dev/null && echo "$(pyenv root)/versions/$(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.|$)' | tail -n1)/bin/python3.10")" \
      "$HOME"/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do
    if is_310 "$candidate"; then printf '%s\n' "$candidate"; return 0; fi
  done
  echo "dev.sh: Python 3.10 not found. Install it (e.g. 'pyenv install 3.10') or set CAREBOT_PYTHON." >&2
  return 1
}

setup() {
  if ! is_310 "$VENV/bin/python"; then
    local python
    python=$(find_python)
    say "creating $VENV with $python"
    rm -rf "$VENV"
    "$python" -m venv "$VENV"
  fi
  local stamp="$VENV/.installed" want
  want=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing dependencies (Rasa takes a minute or two the first time)"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
    echo "$want" > "$stamp"
  fi
  say "compiling translations"
  "$VENV/bin/pybabel" compile --use-fuzzy -d locales -D messages --statistics 2>&1 | sed 's/^/    /' >&2 || \
    { echo "dev.sh: translations failed to compile" >&2; return 1; }
}

ensure_chromium() {
  # The dashboard's browser tests drive Debian's Chromium with Playwright (Playwright's own
  # browser download is blocked here). Install it when missing and we are allowed to.
  command -v chromium >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's chromium for the browser tests"
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } \
      >/tmp/carebot-chromium-install.log 2>&1 || \
      echo "dev.sh: could not install chromium (see /tmp/carebot-chromium-install.log); browser tests will be skipped" >&2
  else
    echo "dev.sh: chromium is not installed; browser tests will be skipped (apt-get install chromium)" >&2
  fi
}

prepare_bot() {
  [ -f .env ] && { set -a; . ./.env; set +a; }
  "$VENV/bin/carebot" db upgrade
  "$VENV/bin/carebot" demo-data
  "$VENV/bin/carebot" train --if-changed
}

command=${1:-start}
shift || true
case "$command" in
  setup) setup; prepare_bot ;;
  # The demo runs as Plymouth's own bot (a council deploying it sets its own id); set
  # CAREBOT_DEFAULT_COUNCIL= (empty) to have anonymous visitors asked for their council.
  start) setup; prepare_bot; CAREBOT_DEFAULT_COUNCIL=${CAREBOT_DEFAULT_COUNCIL-plymouth} \
    exec "$VENV/bin/carebot" run "$@" ;;
  # One pytest worker per core (CAREBOT_TEST_WORKERS=0 for a single process); workers take
  # the next test as they finish, so the slow ones do not queue behind each other.
  test) setup; ensure_chromium; exec "$VENV/bin/python" -m pytest \
    -n "${CAREBOT_TEST_WORKERS:-auto}" --dist worksteal "$@" ;;
  *) echo "usage: ./dev.sh [start|test|setup]" >&2; exit 2 ;;
esac
