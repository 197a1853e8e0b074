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

step "appeal-core has no module cycles"
python3 scripts/module_cycles.py crates/appeal-core/src

step "UI: type check, lint, unit tests, build"
(cd ui && npm run check && npm run lint && npm test && npm run build)

step "clippy"
cargo clippy --workspace --all-targets -- -D warnings

step "Rust tests (also regenerates ui/src/bindings)"
# Building every target first, with the features tests use, also builds the desktop app the
# end-to-end test drives; building it alone would resolve features differently and rebuild GTK.
cargo build --workspace --all-targets
cargo test --workspace

# The core's and the CLI's test executables as built above, run again directly below: asking
# cargo for one package (`-p appeal-cli`) would resolve features anew and rebuild half the tree.
mapfile -t suites < <(cargo test --workspace --no-run --message-format=json 2>/dev/null \
  | python3 scripts/test_binaries.py crates/appeal-core crates/appeal-cli)
[ ${#suites[@]} -gt 0 ] || { echo "no test executables found" >&2; exit 1; }
# run_suites PATTERN CMD...: each executable whose path matches PATTERN, from its package's
# folder (as cargo runs it), prefixed by CMD (and followed by the test harness's arguments).
# The bindings the core's tests write go to a folder of their own here: cargo gives them
# ui/src/bindings (.cargo/config.toml), which the step after checks.
bindings_scratch="$(mktemp -d)"
run_suites() {
  local pattern="$1"; shift
  local s dir exe
  for s in "${suites[@]}"; do
    dir="${s%%$'\t'*}"; exe="${s#*$'\t'}"
    [[ "$exe" == $pattern ]] || continue
    (cd "$dir" && TS_RS_EXPORT_DIR="$bindings_scratch" "$@" "$exe" "${harness_args[@]}") || return 1
  done
}

step "the core and CLI suites on other dates and in other time zones (libfaketime)"
# One offset from the real clock for every process of a run (not a start time each process
# would restart from), so the CLI runs a test starts one after another see time go forward,
# and the run that starts at 23:59:30 crosses midnight into a new year. Monotonic time is left
# alone: timeouts and rate limits do not depend on the date.
faketime_lib="$(dpkg -L libfaketime | grep -m1 '/libfaketimeMT.so.1$')"
harness_args=(-q)
for when in "2027-03-15 10:00:00|Pacific/Kiritimati" "2026-12-31 23:59:30|America/Los_Angeles" \
            "2028-02-29 12:00:00|Asia/Kathmandu"; do
  zone="${when#*|}"
  offset=$(( $(TZ="$zone" date -d "${when%|*}" +%s) - $(date +%s) ))
  echo "-- ${when%|*} in $zone (offset ${offset} s)"
  FAKETIME="+${offset}" FAKETIME_DONT_FAKE_MONOTONIC=1 TZ="$zone" LC_ALL=C.UTF-8 \
    LD_PRELOAD="$faketime_lib" run_suites '*'
done

step "the SMTP password and a remembered database key in the OS keychain (GNOME Keyring on a private D-Bus session)"
# A throwaway keyring: a new login keyring is created, unlocked with this password.
keyring_home="$(mktemp -d)"
for suite in sending_cli vault_cli; do
  found="$(printf '%s\n' "${suites[@]}" | grep -m1 $'\t'".*/${suite}-")"
  XDG_DATA_HOME="$keyring_home" dbus-run-session -- bash -c '
    echo -n ci | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    cd "$1" && exec "$2" --ignored
  ' _ "${found%%$'\t'*}" "${found#*$'\t'}" 2> >(grep -v "Failed to set fd limit" >&2)
done
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
