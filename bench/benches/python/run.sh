#!/usr/bin/env bash
# Runs benches/python/bench.py on CPython asyncio and on uvloop. uvloop is installed from
# PyPI into a virtual environment under the workspace's target/ (nothing is installed system-wide). Prints
# the JSON lines bench.py prints; extra arguments (e.g. --quick) are passed on.
set -euo pipefail
cd "$(dirname "$0")/../.."
python=$(command -v python3 || true)
if [ -z "$python" ]; then
    echo "python3 not found: no asyncio/uvloop numbers" >&2
    exit 3
fi
"$python" benches/python/bench.py asyncio "$@"
venv=../target/python-venv
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv" >&2
fi
if ! "$venv/bin/python" -c "import uvloop" 2>/dev/null; then
    "$venv/bin/python" -m pip install --quiet uvloop >&2 || {
        echo "uvloop could not be installed: asyncio numbers only" >&2
        exit 0
    }
fi
"$venv/bin/python" benches/python/bench.py uvloop "$@"
