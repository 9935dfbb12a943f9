#!/usr/bin/env bash
# Checks (and, as root, installs with apt-get) what `make run` or `make test`
# needs on a Debian machine: Go, the MariaDB server binaries, and for the
# tests Chromium, a CJK font and pdftotext.
set -euo pipefail
mode=${1:-run}
missing=()

command -v go >/dev/null 2>&1 || { echo "Go is not installed: install Go 1.26 or newer (https://go.dev/dl/ is not reachable here: use the machine's /usr/local/go)" >&2; exit 1; }
if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ] && [ ! -x /usr/sbin/mysqld ] && [ -z "${TRADING_DSN:-}${TRADING_TEST_DSN:-}" ]; then
  missing+=(mariadb-server)
fi
if [ "$mode" = test ]; then
  command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
  fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
fi

if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
else
  echo "missing packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
