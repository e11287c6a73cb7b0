#!/usr/bin/env bash
# Installs everything the tests and the demo need on a Debian 12 machine that has Go and npm:
# Deno (pinned, from npm), the Debian packages of the DHCP testbed and the Jinja2 reference, and
# the virtualenv with the real Ansible IP filters (tools/ansible-venv.sh, pinned, from PyPI).
# Idempotent: installs only what is missing. Run as root.
set -euo pipefail

DENO_VERSION=2.9.6
DEBIAN_PACKAGES=(dhcpcd-base kea-dhcp4-server kea-dhcp6-server python3-jinja2 python3-venv iproute2 util-linux procps openssl)

if [ "$(deno --version 2>/dev/null | head -n 1 | awk '{print $2}')" != "$DENO_VERSION" ]; then
  echo "install-deps: installing deno@$DENO_VERSION from npm"
  npm install --global --no-fund --no-audit "deno@$DENO_VERSION"
fi

missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing Debian packages: ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install --yes --no-install-recommends "${missing[@]}"
fi

bash "$(dirname "$0")/ansible-venv.sh" >/dev/null

command -v go >/dev/null || { echo "install-deps: Go is required (https://go.dev/doc/install)" >&2; exit 1; }
echo "install-deps: deno $(deno --version | head -n 1 | awk '{print $2}'), $(go version | awk '{print $3}'), Debian packages present"
