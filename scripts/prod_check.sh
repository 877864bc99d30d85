#!/usr/bin/env bash
# `make prod-check`: the production profile, locally. DEBUG off, PostgreSQL and Redis on 127.0.0.1,
# collectstatic (hashed, compressed), gunicorn with 2 workers behind a pretend TLS proxy
# (BEHIND_TLS_PROXY: X-Forwarded-Proto decides what is secure), a Celery worker and beat; then the
# smoke checks and one browser journey against it (scripts/prod_smoke.py). Stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT="${PROD_CHECK_PORT:-8790}"
DB="runway_prodcheck_$$"
VAR="$(mktemp -d /tmp/runway-prodcheck-XXXXXX)"
# The production settings, whatever the calling shell (or a test run) had set.
export DJANGO_SETTINGS_MODULE=config.settings
unset SECURE_SSL_REDIRECT SESSION_COOKIE_SECURE CSRF_COOKIE_SECURE SECURE_HSTS_SECONDS STATIC_MANIFEST STORAGE_URL
export DEBUG=False
export SECRET_KEY="prod-check-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH"
export ALLOWED_HOSTS="127.0.0.1,localhost"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/${DB}"
export CELERY_BROKER_URL="${PROD_CHECK_BROKER:-redis://127.0.0.1:6379/13}"
export PAYOUT_ENCRYPTION_KEYS="cHJvZC1jaGVjay1vbmx5LXBheW91dC1rZXktMDEyMzQ="
export BEHIND_TLS_PROXY=True
export SITE_URL="http://localhost:${PORT}"
# The browser speaks plain HTTP to gunicorn while the proxy header says HTTPS: trust that origin.
export CSRF_TRUSTED_ORIGINS="http://localhost:${PORT}"
export RUNWAY_VAR_DIR="$VAR"
export EMAIL_URL="filemail://${VAR}/mail"
export LOG_FORMAT=json
export RUNWAY_BIND="127.0.0.1:${PORT}"
export WEB_CONCURRENCY=2

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS ${DB}" postgres >/dev/null 2>&1 || true
  rm -rf "$VAR"
}
trap cleanup EXIT INT TERM

psql -h 127.0.0.1 -U postgres -q -c "CREATE DATABASE ${DB}" postgres
$BIN/python manage.py collectstatic --no-input -v0
$BIN/python manage.py migrate --no-input -v0
$BIN/python manage.py seed_demo --quiet
$BIN/gunicorn -c config/gunicorn.conf.py config.wsgi > "$VAR/web.log" 2>&1 &
pids+=($!)
$BIN/celery -A config worker --loglevel INFO --concurrency 2 -n "prodcheck-$$@%h" > "$VAR/worker.log" 2>&1 &
pids+=($!)
$BIN/celery -A config beat --loglevel INFO --scheduler django_celery_beat.schedulers:DatabaseScheduler > "$VAR/beat.log" 2>&1 &
pids+=($!)

for _ in $(seq 60); do
  curl -fs -H "X-Forwarded-Proto: https" "http://127.0.0.1:${PORT}/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
if ! $BIN/python scripts/prod_smoke.py "http://localhost:${PORT}" "$VAR"; then
  echo "prod-check: FAILED; the last lines of each log:"
  for log in web worker beat; do echo "--- $log"; tail -n 15 "$VAR/$log.log"; done
  exit 1
fi
echo "prod-check: passed (gunicorn ×${WEB_CONCURRENCY}, worker, beat; DEBUG off; PostgreSQL; Redis)"
