#!/usr/bin/env bash
# Quick start, part 2: installs what is missing (tools/install-deps.sh), then runs all tests
# (`deno task test`; arguments are passed on, e.g. test files). Run as root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
bash tools/install-deps.sh
exec deno task test "$@"
