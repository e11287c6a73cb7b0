#!/usr/bin/env bash
# Quick start, part 2: installs what is missing (tools/install-deps.sh), then — for a full run —
# checks formatting, lint and types over everything (src, tests, tools, bench), then runs all tests
# (`deno task test`). Arguments are passed on to `deno task test` (e.g. test files; the checks are
# then left out). Run as root. CI (`.ci/run`) runs exactly this command.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
bash tools/install-deps.sh
if [ "$#" -eq 0 ]; then
  deno fmt --check
  deno lint
  deno task check
fi
exec deno task test "$@"
