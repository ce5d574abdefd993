#!/usr/bin/env bash
# Probes the real PostgreSQL and Redis the second test pass needs: exit 0 reachable, 3 not (outside CI), 1 not in CI.
set -uo pipefail
pg="${1:?postgres URL}"; redis="${2:?redis URL}"
hostport() { # postgres://user@host:port/db → "host port" (default port $2)
  local rest="${1#*://}"; rest="${rest#*@}"; rest="${rest%%/*}"
  local host="${rest%%:*}" port="${rest##*:}"
  [ "$port" = "$rest" ] && port="$2"
  echo "$host $port"
}
up() { read -r h p <<<"$(hostport "$1" "$2")"; (exec 3<>"/dev/tcp/$h/$p") 2>/dev/null; }
if up "$pg" 5432 && up "$redis" 6379; then exit 0; fi
if [ "${CI:-}" = true ]; then
  echo "PostgreSQL ($pg) and Redis ($redis) must run in CI: the engagement pass against them cannot be skipped" >&2
  exit 1
fi
exit 3
