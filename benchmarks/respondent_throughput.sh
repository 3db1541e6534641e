#!/usr/bin/env bash
# Respondent throughput: the app's public survey form (GET the form, POST the answers) against a
# bare Flask + SQLite insert endpoint, both under gunicorn with 2 workers, in one run.
# Uses ../shared/bench/compare.sh when it is there (the evaluation harness).
#   benchmarks/respondent_throughput.sh [SECONDS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_ROUND=${1:-15}; ROUNDS=${2:-2}
BENCH=${BENCH_DIR:-../shared/bench}
[ -x .venv/bin/flask ] || make install >/dev/null
[ -f "$BENCH/compare.sh" ] || { echo "needs $BENCH/compare.sh (the shared benchmark helpers)" >&2; exit 2; }

WORK=$(mktemp -d); PORT=$((20000 + RANDOM % 9000))
export INSTANCE_PATH=$WORK SECRET_KEY=bench-secret RATELIMIT_PUBLIC="${RATELIMIT_PUBLIC:-1000000 per minute}" RATELIMIT_ENABLED=${RATELIMIT_ENABLED:-true} PATH="$PWD/.venv/bin:$PATH"
export DATABASE_URL=${BENCH_DATABASE_URL:-sqlite:///$WORK/bench.sqlite3}
flask --app survey_app db upgrade >/dev/null 2>&1
flask --app survey_app surveys create --template exit --slug bench --open --open-link >/dev/null
# A trained model, as in production: each free-text answer is classified as it is stored.
flask --app survey_app classify train --folds 0 >/dev/null
# The app runs with the project's gunicorn.conf.py (threaded workers), 2 workers like the baseline.
gunicorn -c gunicorn.conf.py -w 2 -b "127.0.0.1:$PORT" --daemon --pid "$WORK/app.pid" --log-level warning wsgi:app
trap 'kill $(cat "$WORK/app.pid") 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 30); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.3; done
echo "app: http://127.0.0.1:$PORT/s/o/bench ($(echo "$DATABASE_URL" | cut -d: -f1))"
# From a neutral folder, so the baseline gets gunicorn's defaults and not this project's settings.
BENCH=$(cd "$BENCH" && pwd)
(cd "$WORK" && bash "$BENCH/compare.sh" "http://127.0.0.1:$PORT/s/o/bench" "$SECONDS_PER_ROUND" "$ROUNDS")
echo "answers stored: $(flask --app survey_app reports breakdown --survey bench | python3 -c 'import json,sys; print(json.load(sys.stdin)["responses"])')"
