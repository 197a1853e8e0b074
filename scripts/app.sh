#!/usr/bin/env bash
# Installs what is missing, builds the UI and the desktop app, and opens it on its default
# database (in your data directory; set APPEAL_DB=FILE to open another).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
(cd ui && npm run build)
cargo build --release -p appeal-desk
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "app: no display found; starting a virtual one (Xvfb :99) so the app can run headless"
  Xvfb :99 -screen 0 1280x800x24 >/dev/null 2>&1 &
  export DISPLAY=:99
  sleep 1
fi
exec ./target/release/appeal-desk
