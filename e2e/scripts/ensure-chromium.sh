#!/bin/sh
# Prints the path of a Chromium the dashboard tests can drive with playwright-core, installing Debian's
# `chromium` package first when none is found (apt-get update, apt-get install -y chromium: as root, or
# with sudo without a password). Exits 1, saying why, when it cannot.
set -eu
found() {
  for candidate in "${CHROMIUM_PATH:-}" chromium chromium-browser; do
    [ -n "$candidate" ] || continue
    path=$(command -v "$candidate" 2>/dev/null || true)
    if [ -n "$path" ]; then echo "$path"; return 0; fi
  done
  return 1
}
if found; then exit 0; fi
if [ "$(id -u)" = 0 ]; then run=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then run="sudo -n"; else
  echo "ensure-chromium: no chromium on PATH and not root (nor passwordless sudo): install Debian's chromium package, or set CHROMIUM_PATH" >&2
  exit 1
fi
echo "ensure-chromium: installing Debian's chromium (apt-get update && apt-get install -y chromium)" >&2
$run apt-get update -q >&2
DEBIAN_FRONTEND=noninteractive $run apt-get install -y -q chromium >&2
found || { echo "ensure-chromium: apt-get installed chromium but it is not on PATH" >&2; exit 1; }
