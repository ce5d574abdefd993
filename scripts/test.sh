#!/usr/bin/env bash
# The one test command (npm test): installs what is missing, then runs every suite.
#  1. unit + integration on the embedded defaults (PGlite, in-process bus);
#  2. the engagement suite again against real PostgreSQL and Redis on 127.0.0.1 (required in CI);
#  3. browser end-to-end suites inside a loopback-only network namespace (WebRTC needs it).
# It ends with one plain summary line over all runs: "tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh

reports=.tmp/test-reports
rm -rf "$reports" && mkdir -p "$reports"
run=0
not_run=() # passes that could not run: named in the summary and counted as skipped
vt() { # vitest with a JSON report per run, so the summary counts every suite
  run=$((run + 1))
  "$@" --reporter=default --reporter=json --outputFile.json="$reports/run-$run.json"
}

echo "== unit and integration (embedded backends)"
vt npx vitest run "$@"

PG_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
REDIS_URL_REAL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
backends=0; bash scripts/backends.sh "$PG_URL" "$REDIS_URL_REAL" || backends=$?
if [ "$backends" = 0 ]; then
  echo "== engagement against real PostgreSQL and Redis"
  DATABASE_URL="$PG_URL" REDIS_URL="$REDIS_URL_REAL" vt npx vitest run --project node engagement
elif [ "$backends" = 3 ]; then
  echo "== not run: real PostgreSQL/Redis not reachable (CI requires them)"
  not_run+=("engagement against real PostgreSQL and Redis")
else
  exit 1
fi

echo "== browser end-to-end (loopback-only network namespace)"
vt bash scripts/netns-run.sh npx vitest run --config vitest.e2e.config.ts

npx tsx scripts/test-summary.ts "$reports" ${not_run[@]+"${not_run[@]}"}
