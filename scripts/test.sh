#!/usr/bin/env bash
# The one test command (npm test): installs what is missing, then runs every suite.
#  1. unit + integration on the embedded defaults (PGlite, in-process bus);
#  2. the engagement suite again against real PostgreSQL and Redis on 127.0.0.1 (required in CI);
#  3. browser end-to-end suites inside a loopback-only network namespace (WebRTC needs it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh

echo "== unit and integration (embedded backends)"
npx vitest run "$@"

PG_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
REDIS_URL_REAL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
if (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  echo "== engagement against real PostgreSQL and Redis"
  DATABASE_URL="$PG_URL" REDIS_URL="$REDIS_URL_REAL" npx vitest run --project node engagement
elif [ "${CI:-}" = true ]; then
  echo "PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) must run in CI" >&2
  exit 1
else
  echo "== skipped: real PostgreSQL/Redis not reachable on 127.0.0.1 (CI requires them)"
fi

e2e=$(find client origin tracker -name '*.e2e.test.ts' -not -path '*/node_modules/*' 2>/dev/null | sort)
if [ -n "$e2e" ]; then
  echo "== browser end-to-end (loopback-only network namespace)"
  bash scripts/netns-run.sh npx vitest run --config vitest.e2e.config.ts
fi
