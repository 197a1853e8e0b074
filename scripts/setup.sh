#!/usr/bin/env bash
# Installs what Appeal Desk needs to build, run and test on Debian/Ubuntu, skipping what is
# already there: system libraries for Tauri (WebKitGTK), Xvfb and WebKitWebDriver for the
# end-to-end tests, Chromium for the UI tests, the UI's npm packages, and tauri-driver; zenity,
# which shows the app's file dialogs in a process of their own where no desktop portal runs
# (a dialog inside the app's process would drop its locks on the database), xdotool to answer
# them in the tests, and libfaketime to run the suites on other dates.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PACKAGES=(
  build-essential pkg-config curl file libssl-dev
  libwebkit2gtk-4.1-dev libxdo-dev librsvg2-dev
  xvfb xauth webkit2gtk-driver chromium dbus-x11 fonts-dejavu-core poppler-utils xdotool zenity
  libdbus-1-dev openssl python3-aiosmtpd python3-dkim python3-nacl postfix dovecot-imapd gnome-keyring faketime
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -q
  # postfix is only wanted for its smtp-sink (the throughput benchmark): no mail system.
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

for tool in cargo node npm; do
  command -v "$tool" >/dev/null || { echo "setup: $tool is missing; install Rust (rustup) and Node.js 20 first" >&2; exit 1; }
done

# rust-toolchain.toml pins 1.95.0. Where the machine's stable toolchain is that version but
# is not known under its number, name it so (nothing is downloaded).
if command -v rustup >/dev/null && ! rustup toolchain list | grep -q '^1\.95\.0'; then
  stable_dir="$(rustup toolchain list -v | awk '/^stable/ {print $NF; exit}')"
  if [ -n "$stable_dir" ] && "$stable_dir/bin/rustc" --version | grep -q '^rustc 1\.95\.'; then
    rustup toolchain link 1.95.0 "$stable_dir"
  fi
fi

if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "setup: installing the UI's npm packages"
  (cd ui && npm ci --no-audit --no-fund)
fi
