#!/usr/bin/env bash
# Installs the Debian tools the test suite drives (tmux; chromium, which opens the drill report;
# a D-Bus session and gnome-keyring, the OS keyring that break-glass credentials are tested in)
# when they are missing.
set -euo pipefail
missing=()
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
keyring=()
command -v dbus-run-session >/dev/null 2>&1 || keyring+=(dbus dbus-bin dbus-daemon)
command -v gnome-keyring-daemon >/dev/null 2>&1 || keyring+=(gnome-keyring)
[ ${#missing[@]} -eq 0 ] && [ ${#keyring[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
  if [ ${#missing[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if [ ${#keyring[@]} -gt 0 ]; then
    # Only the daemon and its session bus: no desktop comes with it.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${keyring[@]}" >/dev/null
  fi
else
  echo "missing system tools: ${missing[*]} ${keyring[*]} (install them with your package manager)" >&2
  exit 1
fi
