#!/usr/bin/env bash
# The system packages the term report's documents need, from Debian, idempotently:
#   fonts-arphic-uming, fonts-wqy-microhei  CJK fonts (TrueType: the PDF embeds only the glyphs it uses)
#   libpango-1.0-0, libpangoft2-1.0-0       the text layout WeasyPrint draws the PDF with
#   poppler-utils                           pdftotext / pdftoppm / pdffonts, which the tests read the PDF with
set -euo pipefail
say() { printf 'documents: %s\n' "$*"; }
PACKAGES=(fonts-arphic-uming fonts-wqy-microhei libpango-1.0-0 libpangoft2-1.0-0 poppler-utils)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  say "missing: ${missing[*]}; install them as root: apt-get install ${missing[*]}"; exit 1
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
started=$SECONDS
say "installing ${missing[*]} from Debian..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || { say "apt-get update failed: check that Debian's package mirror is reachable"; exit 1; }
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null \
  || { say "apt-get install ${missing[*]} failed; run it by hand to see why"; exit 1; }
command -v fc-cache >/dev/null && fc-cache -f >/dev/null 2>&1 || true
say "installed ${#missing[@]} packages in $((SECONDS - started))s"
