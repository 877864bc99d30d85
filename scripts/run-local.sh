#!/usr/bin/env bash
# Start Runway locally: migrate, seed the demo, then web + Celery worker + Celery beat.
# Everything runs on SQLite and kombu's filesystem broker under ./var, with two demo lab agents; Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-True}"
PORT="${PORT:-8000}"
# Links in emails point at this server (PORT=8101 make run mails links to :8101).
export SITE_URL="${SITE_URL:-http://127.0.0.1:${PORT}}"
# Every email (sign-in codes from the web, everything the worker sends) lands in one folder, shown at
# /dev/mail/ while DEBUG is on.
export EMAIL_URL="${EMAIL_URL:-filemail://$(pwd)/var/mail}"
BIN=.venv/bin
mkdir -p var/log var/mail

$BIN/python manage.py migrate --no-input -v0
$BIN/python manage.py seed_demo > var/log/seed.txt
$BIN/python manage.py collectstatic --no-input -v0 >/dev/null 2>&1 || true

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

$BIN/celery -A config worker --loglevel INFO --concurrency 2 > var/log/worker.log 2>&1 &
pids+=($!)
$BIN/celery -A config beat --loglevel INFO --schedule var/celerybeat-schedule > var/log/beat.log 2>&1 &
pids+=($!)
$BIN/python manage.py runserver "127.0.0.1:${PORT}" &
pids+=($!)
# Two demo lab agents on 127.0.0.1 (the demo's machines point at them; beat pulls them every 2 minutes).
mkdir -p var/lab/reports
printf '%s' runway-demo-lab-agent-token > var/lab/token
for port in 8751 8752; do
  $BIN/python -m program.labagent serve --reports var/lab/reports --host 127.0.0.1 --port "$port" --token-file var/lab/token > "var/log/labagent-$port.log" 2>&1 &
  pids+=($!)
done

sleep 2
cat <<TXT

  Runway is running at http://127.0.0.1:${PORT}/
  Health: http://127.0.0.1:${PORT}/healthz   Admin: http://127.0.0.1:${PORT}/admin/
  Worker and beat logs: var/log/worker.log, var/log/beat.log
  Every email Runway sends (sign-in codes too): http://127.0.0.1:${PORT}/dev/mail/  (files in var/mail/)

TXT
cat var/log/seed.txt
echo
echo "  Press Ctrl-C to stop web, worker and beat."
wait -n "${pids[@]}"
