#!/usr/bin/env bash
# npm start: installs what is missing, builds the viewer app when its sources changed, runs the platform.
set -euo pipefail
cd "$(dirname "$0")/.."
SWARMSTAGE_NO_BROWSER=1 bash scripts/ensure-deps.sh
if [ ! -f dist/client/index.html ] || [ -n "$(find client vite.config.ts svelte.config.js -newer dist/client/index.html -type f 2>/dev/null | head -1)" ]; then
  echo "[start] building the viewer app"
  npx vite build --logLevel warn
fi
exec npx tsx scripts/start.ts "$@"
