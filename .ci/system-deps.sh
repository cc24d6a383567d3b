#!/usr/bin/env bash
# Installs what the suite needs from Debian when it is missing: Chromium (browser tests),
# PostgreSQL (the scale-out store's tests), Node.js/npm (the Agents Playground) and poppler
# (pdftoppm/pdftotext: the record's PDF checked and turned into a picture). With `bench`, also
# wrk, the HTTP load generator `make bench` drives the services with.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
command -v npm >/dev/null || need+=(nodejs npm)
command -v pdftoppm >/dev/null || need+=(poppler-utils)  # the record's PDF, looked at as PNG in a test
if [ "${1:-}" = bench ]; then command -v wrk >/dev/null || need+=(wrk); fi
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "system-deps: installing ${need[*]} (apt)"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "system-deps: need root or sudo to apt-get install ${need[*]}" >&2; exit 1; }
  sudo="sudo"
fi
start=$SECONDS
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 || { $sudo apt-get update -qq && $sudo apt-get install -y -qq "${need[@]}"; }
echo "system-deps: installed ${need[*]} in $((SECONDS - start)) s"
