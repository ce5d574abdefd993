#!/usr/bin/env bash
# Installs what Swarmstage needs on a fresh Debian 12 + Node 20 machine, and nothing when it is there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
if [ "${SWARMSTAGE_NO_BROWSER:-}" != 1 ]; then
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
fi
# nginx is only the origin benchmark's reference; bench/main.ts asks for it (SWARMSTAGE_NEED_NGINX=1).
[ -x /usr/sbin/nginx ] || [ "${SWARMSTAGE_NEED_NGINX:-}" != 1 ] || need_apt+=(nginx-light)
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
# The glass-to-glass benchmark and its tests read the camera's burnt-in clock with Tesseract.
command -v tesseract >/dev/null 2>&1 || [ "${SWARMSTAGE_NO_BROWSER:-}" = 1 ] || need_apt+=(tesseract-ocr tesseract-ocr-eng)
fonts_ok=1; [ -f /usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf ] || fonts_ok=0
[ "$fonts_ok" = 1 ] || need_apt+=(fonts-dejavu-core)
command -v unshare >/dev/null 2>&1 || need_apt+=(util-linux)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "[deps] apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# npm ci when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[deps] npm ci"
  npm ci --no-audit --no-fund
fi
