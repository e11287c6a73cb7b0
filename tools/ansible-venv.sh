#!/usr/bin/env bash
# Creates (once) the virtualenv with the real Ansible IP filters (ansible.utils) and netaddr that
# tests/ip_ansible_test.ts compares our IP helpers with, and prints its Python interpreter.
# The virtualenv lives in ~/.cache/dhcp-template/, named by a hash of ansible-requirements.txt
# (pinned versions); it needs Debian's python3-venv (tools/install-deps.sh installs it).
set -euo pipefail
requirements="$(cd "$(dirname "$0")" && pwd)/ansible-requirements.txt"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/dhcp-template"
venv="$cache/ansible-venv-$(sha256sum "$requirements" | cut -c1-16)"
if [ ! -x "$venv/bin/python" ]; then
  mkdir -p "$cache"
  building="$venv.building.$$"
  trap 'rm -rf "$building"' EXIT
  echo "ansible-venv: installing the pinned packages of $requirements into $venv" >&2
  /usr/bin/python3 -m venv "$building"
  "$building/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
    -r "$requirements" >&2
  # Published whole, so that a concurrent or interrupted run never sees half a virtualenv (only
  # `bin/python -m …` is used, which does not depend on the directory's name).
  mv -T "$building" "$venv" 2>/dev/null || true
fi
echo "$venv/bin/python"
