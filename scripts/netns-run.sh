#!/usr/bin/env bash
# Runs a command in a fresh loopback-only network namespace, where headless Chromium offers
# 127.0.0.1 ICE candidates so WebRTC between pages works. Needs root (or unprivileged userns).
set -euo pipefail
if [ "$(id -u)" = 0 ]; then
  exec unshare -n bash -c 'ip link set lo up && exec "$@"' netns "$@"
fi
exec unshare -rn bash -c 'ip link set lo up && exec "$@"' netns "$@"
