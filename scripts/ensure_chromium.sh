#!/usr/bin/env bash
# Make sure Debian's chromium is installed, for tests/test_browser.py, which opens
# the rendered HTML reports in headless Chromium.
#
# Does nothing when /usr/bin/chromium exists (or $CHROMIUM points to an executable).
# Otherwise installs Debian's `chromium` package with apt-get (needs root, or sudo
# without a password) and exits non-zero with a clear message when it cannot.
set -euo pipefail

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if [ "${CHROMIUM_NO_INSTALL:-0}" = "1" ]; then
    echo "ensure_chromium: ERROR: $CHROMIUM is missing and CHROMIUM_NO_INSTALL=1" >&2
    exit 1
fi

echo "ensure_chromium: $CHROMIUM is missing; installing Debian's chromium package" >&2

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: ERROR: apt-get not found; install Chromium yourself and set CHROMIUM=/path/to/chromium" >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "ensure_chromium: ERROR: installing chromium needs root (run: sudo apt-get update && sudo apt-get install -y chromium)" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get update -qq; then
    echo "ensure_chromium: ERROR: 'apt-get update' failed (no network or no package sources?)" >&2
    exit 1
fi
# fonts-noto-cjk: so that the Chinese text of the HTML reports shows in screenshots
# (figures never use system fonts; they are PNG/SVG drawn with the font from mplfonts).
if ! $SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; then
    echo "ensure_chromium: ERROR: 'apt-get install chromium' failed; is this Debian (or a derivative with a 'chromium' package)?" >&2
    exit 1
fi

if [ ! -x "$CHROMIUM" ]; then
    echo "ensure_chromium: ERROR: chromium was installed but $CHROMIUM is still missing" >&2
    exit 1
fi
echo "ensure_chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)" >&2
