#!/usr/bin/env bash
# Installs what is missing and runs every check and test: formatting, lints, the UI's type
# check, lint, unit and browser tests, the Rust tests (core and CLI on real SQLite files; the
# sending tests start their own SMTP servers on loopback), the keychain test on a private
# D-Bus session, the stale-bindings check, and the real app under Xvfb driven over WebDriver.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never CARGO_PROFILE_DEV_DEBUG=0

step() { echo; echo "=== $*"; }

step setup
bash scripts/setup.sh
if ! command -v tauri-driver >/dev/null; then
  step "installing tauri-driver (for the end-to-end test)"
  cargo install tauri-driver --version '^2' --locked
fi

step "format"
cargo fmt --all --check

step "UI: type check, lint, unit tests, build"
(cd ui && npm run check && npm run lint && npm test && npm run build)

step "clippy"
cargo clippy --workspace --all-targets -- -D warnings

step "Rust tests (also regenerates ui/src/bindings)"
# Building every target first, with the features tests use, also builds the desktop app the
# end-to-end test drives; building it alone would resolve features differently and rebuild GTK.
cargo build --workspace --all-targets
cargo test --workspace

step "the SMTP password in the OS keychain (GNOME Keyring on a private D-Bus session)"
# A throwaway keyring: a new login keyring is created, unlocked with this password.
keyring_home="$(mktemp -d)"
XDG_DATA_HOME="$keyring_home" dbus-run-session -- bash -c '
  echo -n ci | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  cargo test -p appeal-cli --test sending_cli -- --ignored
' 2> >(grep -v "Failed to set fd limit" >&2)
rm -rf "$keyring_home"

step "generated TypeScript bindings are current"
if ! git diff --exit-code -- ui/src/bindings || [ -n "$(git ls-files --others --exclude-standard ui/src/bindings)" ]; then
  echo "ui/src/bindings is stale: run 'cargo test' and commit the result" >&2
  exit 1
fi

step "UI in headless Chromium (mocked IPC)"
(cd ui && npm run test:browser)

step "end-to-end: the real app under Xvfb over WebDriver"
node --test tests/e2e/
