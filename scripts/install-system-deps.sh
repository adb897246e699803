#!/usr/bin/env bash
# Installs the Debian packages that the demo and the tests need, only when one is missing, so a
# second run costs a few dpkg queries. Real parts, not stand-ins: Debian's Chromium (Playwright
# cannot download its own browser here), gnome-keyring and D-Bus for a real Secret Service,
# Xvfb and dunst for a real notification daemon, and the headers dbus-python builds against.
set -euo pipefail

packages=(
  chromium
  gnome-keyring dbus dbus-daemon dbus-bin
  # dunstctl reads the notification history through busctl.
  systemd
  xvfb dunst libnotify-bin
  # The right-to-left layout test reads what GNU FriBidi (mlterm's and Pango's) makes of a line.
  libfribidi0
  # desktop-file-validate checks the application menu's launcher that autostart writes.
  desktop-file-utils
  libdbus-1-dev libglib2.0-dev pkg-config
  python3-venv
)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-system-deps: not a Debian-like system; install by hand: a Chromium-based" \
       "browser, gnome-keyring (or another Secret Service), D-Bus, Xvfb, dunst, and the" \
       "D-Bus and GLib development headers with pkg-config." >&2
  exit 0
fi

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-system-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "install-system-deps: run as root, or install: apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
