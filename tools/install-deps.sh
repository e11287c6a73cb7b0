#!/usr/bin/env bash
# Installs what the demo and the tests need on Debian 12 or newer, and only what is missing,
# saying what it does: the Debian packages of the DHCP testbed and the Jinja2 reference, Go (the
# control plane and Helm are built from their Go modules) and Deno (from npm). Idempotent; run as
# root. `./demo.sh` and `./test.sh` run it first.
#
# DHCPT_INSTALL_PREFIX (default /usr/local) is where Go goes when it is missing: PREFIX/go, linked
# from PREFIX/bin.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="${DHCPT_INSTALL_PREFIX:-/usr/local}"

DENO_VERSION=2.9.6
# The Go toolchain installed when Go is missing or older than tools/testcluster/go.mod asks for:
# the golang.org/toolchain module from the Go module proxy, as the go command itself fetches
# toolchains; the SHA-256 of each zip as verified by the Go checksum database.
GO_VERSION=1.26.8
declare -A GO_TOOLCHAIN_SHA256=(
  [amd64]=30c2b1bf7dcc88d3eb0a1364e47ddd9128edb3110a30e8a0ef61cd5856b31de7
  [arm64]=02b36b6787b3ac767668f630e2998df45a3b1f9ffee08d1bf3ef6487cd658d99
)
GO_PROXY=https://proxy.golang.org
DEBIAN_PACKAGES=(
  dhcpcd-base kea-dhcp4-server kea-dhcp6-server python3-jinja2
  iproute2 util-linux procps openssl ca-certificates curl unzip
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
  local arch goroot url work
  arch="$(dpkg --print-architecture)"
  [ -n "${GO_TOOLCHAIN_SHA256[$arch]:-}" ] || fail "no Go toolchain pinned for $arch; install Go >= $GO_MINIMUM"
  goroot="$PREFIX/go"
  [ -e "$goroot" ] && fail "Go >= $GO_MINIMUM is needed and $goroot exists; remove it or put Go >= $GO_MINIMUM on PATH"
  require_root "install Go"
  url="$GO_PROXY/golang.org/toolchain/@v/v0.0.1-go$GO_VERSION.linux-$arch.zip"
  say "installing Go $GO_VERSION into $goroot (from $url)"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  curl --fail --silent --show-error --location --output "$work/go.zip" "$url"
  echo "${GO_TOOLCHAIN_SHA256[$arch]}  $work/go.zip" | sha256sum --check --status ||
    fail "the downloaded Go toolchain does not have the pinned SHA-256"
  unzip -q "$work/go.zip" -d "$work"
  mkdir -p "$PREFIX" "$PREFIX/bin"
  mv "$work/golang.org/toolchain@v0.0.1-go$GO_VERSION.linux-$arch" "$goroot"
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

say "ready: deno $DENO_VERSION, $(go env GOVERSION), Debian packages ${DEBIAN_PACKAGES[*]}"
