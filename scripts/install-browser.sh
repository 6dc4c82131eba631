#!/bin/sh
# Install Debian's chromium and a CJK font when either is missing.
set -e
have_browser() { command -v chromium >/dev/null 2>&1; }
have_font() { fc-list 2>/dev/null | grep -qi 'wqy'; }
if have_browser && have_font; then
    exit 0
fi
if [ "$(id -u)" = "0" ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "chromium and fonts-wqy-microhei are needed for the browser tests:" >&2
    echo "  apt-get install chromium fonts-wqy-microhei" >&2
    exit 1
fi
echo "Installing Debian's chromium and fonts-wqy-microhei ..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei >/dev/null
