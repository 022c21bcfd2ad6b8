#!/usr/bin/env bash
# Creates .venv-clients/ with the Python MTProto clients the e2e suite drives (Telethon, kurigram), pinned in
# test/python/requirements.txt. Idempotent: when the venv already holds exactly these pins it returns at once.
# Needs python3 >= 3.9 with the venv module (Debian: python3-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-clients
REQ=test/python/requirements.txt
PY=${PYTHON:-python3}
STAMP="$VENV/.requirements.sha256"

# Test files running in parallel may both call this: the second waits here, then finds the venv ready.
exec 9<"$REQ"
flock 9

want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
  exit 0
fi

"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else "python3 >= 3.9 is needed for the Python clients")'
rm -rf "$VENV"
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$REQ"
# The import check catches a broken install (a missing wheel, a failed C build) here, not in a test.
"$VENV/bin/python" -c 'import telethon, pyrogram, tgcrypto; print("python clients: Telethon", telethon.__version__, "/ kurigram", pyrogram.__version__)'
echo "$want" >"$STAMP"
