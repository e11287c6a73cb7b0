#!/usr/bin/env bash
# Installs what the demo and the tests need on Debian 12 or newer, and only what is missing,
# saying what it does: the Debian packages of the DHCP testbed and the Jinja2 reference, Go (the
# control plane and Helm are built from their Go modules), Deno (from npm) and the virtualenv with
# the real Ansible IP filters (tools/ansible-venv.sh, pinned, from PyPI). Idempotent; run as root.
# `./demo.sh` and `./test.sh` run it first.
#
# DHCPT_INSTALL_PREFIX (default /usr/local) is where Go goes when it is missing: PREFIX/go, linked
# from PREFIX/bin.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="${DHCPT_INSTALL_PREFIX:-/usr/local}"

DENO_VERSION=2.9.6
# The Go toolchain installed when Go is missing or older than tools/testcluster/go.mod asks for:
# the golang.org/toolchain module, which the go command itself downloads for GOTOOLCHAIN; any Go
# (Debian's golang-go as a bootstrap) fetches it with `go mod download`, which checks it against
# the Go checksum database. Its checksums, pinned:
GO_VERSION=1.26.8
declare -A GO_TOOLCHAIN_SUM=(
  [amd64]=h1:ZOmGe1OnfREDMIdb1Qi4G9JSuDPBLGExZMQ4nis1RXM=
  [arm64]=h1:sYL/O6MqS68ML0kjsQ36WoYIpJqkw60TxizWUYUKQMc=
)
DEBIAN_PACKAGES=(
  dhcpcd-base kea-dhcp4-server kea-dhcp6-server python3-jinja2 python3-venv
  iproute2 util-linux procps openssl ca-certificates socat curl
)

say() { echo "install-deps: $*" >&2; }
fail() {
  say "$*"
  exit 1
}
require_root() {
  [ "$(id -u)" = 0 ] || fail "must run as root to $1"
}

# The Go version tools/testcluster/go.mod requires, e.g. 1.26.0.
GO_MINIMUM="$(awk '$1 == "go" { print $2 }' "$ROOT/tools/testcluster/go.mod")"

go_is_recent() {
  local version
  version="$(go env GOVERSION 2>/dev/null)" || return 1
  version="${version#go}"
  [ "$(printf '%s\n%s\n' "$GO_MINIMUM" "$version" | sort -V | head -n 1)" = "$GO_MINIMUM" ]
}

deno_is_pinned() {
  [ "$(deno --version 2>/dev/null | awk 'NR == 1 { print $2 }')" = "$DENO_VERSION" ]
}

install_debian_packages() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  [ "${#missing[@]}" -eq 0 ] && return
  require_root "install Debian packages"
  say "installing Debian packages: ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install --yes --no-install-recommends "${missing[@]}"
}

install_go() {
  local arch goroot module download dir sum
  arch="$(dpkg --print-architecture)"
  [ -n "${GO_TOOLCHAIN_SUM[$arch]:-}" ] || fail "no Go toolchain pinned for $arch; install Go >= $GO_MINIMUM"
  goroot="$PREFIX/go"
  [ -e "$goroot" ] && fail "Go >= $GO_MINIMUM is needed and $goroot exists; remove it or put Go >= $GO_MINIMUM on PATH"
  require_root "install Go"
  command -v go >/dev/null || install_debian_packages golang-go
  module="golang.org/toolchain@v0.0.1-go$GO_VERSION.linux-$arch"
  say "installing Go $GO_VERSION into $goroot (the Go module $module)"
  download="$(cd / && GOTOOLCHAIN=local go mod download -json "$module")" ||
    fail "go mod download $module failed: $download"
  read -r dir sum < <(python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["Dir"], d["Sum"])' <<<"$download")
  [ "$sum" = "${GO_TOOLCHAIN_SUM[$arch]}" ] || fail "$module has checksum $sum, not the pinned ${GO_TOOLCHAIN_SUM[$arch]}"
  mkdir -p "$PREFIX/bin"
  cp -R "$dir" "$goroot"
  chmod -R u+w "$goroot"
  # Module zips carry no file modes (the go command sets them too when it installs a toolchain).
  chmod +x "$goroot"/bin/* "$goroot"/pkg/tool/*/*
  ln -sf "$goroot/bin/go" "$goroot/bin/gofmt" "$PREFIX/bin/"
  hash -r
}

install_deno() {
  require_root "install Deno"
  say "installing deno@$DENO_VERSION from npm"
  npm install --global --no-fund --no-audit "deno@$DENO_VERSION"
  hash -r
}

packages=("${DEBIAN_PACKAGES[@]}")
deno_is_pinned || command -v npm >/dev/null || packages+=(npm)
install_debian_packages "${packages[@]}"

go_is_recent || install_go
go_is_recent || fail "Go >= $GO_MINIMUM is not first on PATH (found: $(command -v go || echo none)); add $PREFIX/bin to PATH"

deno_is_pinned || install_deno
deno_is_pinned || fail "deno $DENO_VERSION is not first on PATH (found: $(command -v deno || echo none))"

bash "$ROOT/tools/ansible-venv.sh" >/dev/null

say "ready: deno $DENO_VERSION, $(go env GOVERSION), Debian packages ${DEBIAN_PACKAGES[*]}"
