#!/usr/bin/env bash
# Debian's chromium, for the console's browser tests (Playwright drives it through executable_path:
# Playwright's own browser download cannot work here). Idempotent.
set -euo pipefail
say() { printf 'browser: %s\n' "$*"; }
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  say "chromium is missing; install it as root: apt-get install chromium"; exit 1
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
started=$SECONDS
say "installing chromium from Debian (for the console's browser tests)..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || { say "apt-get update failed: check that Debian's package mirror is reachable"; exit 1; }
$SUDO apt-get install -y -qq chromium >/dev/null || { say "apt-get install chromium failed; run it by hand to see why"; exit 1; }
say "chromium $(chromium --version 2>/dev/null | awk '{print $2}') installed in $((SECONDS - started))s"
