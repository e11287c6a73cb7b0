#!/usr/bin/env bash
# Quick start, part 1: installs what is missing (tools/install-deps.sh), then runs the demo
# (`deno task demo`; arguments are passed on, e.g. --keep-running, --verbose). Run as root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
bash tools/install-deps.sh
exec deno task demo "$@"
