#!/usr/bin/env bash
# Installs what the end-to-end tests (and `npm start` without desktop VS Code) need, using only the npm
# registry and Debian's packages:
#   - code-server (VS Code's web workbench + a plain Node extension host), from npm, with its native modules
#     built against the local Node and @vscode/ripgrep fed Debian's rg instead of a GitHub download;
#   - Debian's chromium, driven by playwright-core (which never downloads browsers).
# Everything lands in <repo>/.e2e/node<major>-code-server-<version>/, so CI can cache that folder; a second
# run with everything present takes about a second.
#
#   bash test/e2e/setup.sh                 # everything the e2e tests need
#   bash test/e2e/setup.sh --server-only   # only code-server (npm start)
#   FORCE=1 bash test/e2e/setup.sh         # reinstall from scratch
#
# Runs unattended as root (CI): Debian packages come from apt-get. As another user it uses `sudo -n` when
# that works, else names the packages to install.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SERVER_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --server-only) SERVER_ONLY=1 ;;
    *) echo "usage: bash test/e2e/setup.sh [--server-only]" >&2; exit 2 ;;
  esac
done

version_of() { node -p "require('$HERE/versions.json').$1"; }
CS_VERSION=$(version_of codeServer)
PW_VERSION=$(version_of playwrightCore)
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
E2E="$ROOT/.e2e"
KEY="node$NODE_MAJOR-code-server-$CS_VERSION"
CACHE="$E2E/$KEY"
CS_DIR="$CACHE/cs"
CS_PKG="$CS_DIR/node_modules/code-server"
TOOLS_DIR="$CACHE/tools"
STAMP="$CACHE/ready-$( [ $SERVER_ONLY = 1 ] && echo server || echo all )-pw$PW_VERSION"
TIMINGS="$E2E/setup-timings.txt"

export DEBIAN_FRONTEND=noninteractive
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

t0=$(date +%s)
phase_t=$t0
say() { echo "[e2e setup +$(( $(date +%s) - t0 ))s] $*"; }
TIMINGS_FRESH=0
# One line per phase that did work; the file describes the last run that installed something.
phase_done() {
  local now; now=$(date +%s)
  [ $TIMINGS_FRESH = 1 ] || { : > "$TIMINGS"; TIMINGS_FRESH=1; }
  echo "$1 $(( now - phase_t ))s" >> "$TIMINGS"; phase_t=$now
}
die() { echo "e2e setup: $*" >&2; exit 1; }

# code-server 4.100.x runs VS Code 1.100, whose native modules are built for the Node that runs the server;
# its install refuses other majors (later code-server releases need Node 22+).
[ "$NODE_MAJOR" = 20 ] || die "Node 20 is required by code-server $CS_VERSION (found $(node -v))."

APT_PACKAGES=(build-essential python3 pkg-config libkrb5-dev ripgrep ca-certificates)
[ $SERVER_ONLY = 1 ] || APT_PACKAGES+=(chromium fonts-liberation)

missing_packages() {
  local p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

native_modules_present() {
  local m
  [ -x "$CS_PKG/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ] || return 1
  [ -e "$CS_PKG/lib/vscode/node_modules.asar" ] || return 1
  for m in node-pty/build/Release/pty.node @vscode/spdlog/build/Release/spdlog.node \
           native-watchdog/build/Release/watchdog.node kerberos/build/Release/kerberos.node; do
    [ -f "$CS_PKG/lib/vscode/node_modules/$m" ] || return 1
  done
}

playwright_present() {
  [ "$(node -p "try { require('$TOOLS_DIR/node_modules/playwright-core/package.json').version } catch { '' }")" = "$PW_VERSION" ]
}

mkdir -p "$E2E"
# Two setups in one checkout (npm test and npm start, two terminals) would build into the same folders.
if command -v flock >/dev/null; then
  exec 9> "$E2E/setup.lock"
  if ! flock -n 9; then
    say "waiting for another setup of $E2E to finish"
    flock 9
  fi
fi
if [ "${FORCE:-0}" = 1 ]; then rm -rf "$CACHE"; fi

# Fast path: a finished install whose pieces are all still there.
if [ -f "$STAMP" ] && [ -z "$(missing_packages)" ] && native_modules_present \
   && { [ $SERVER_ONLY = 1 ] || playwright_present; }; then
  say "cached: $CACHE"
  exit 0
fi

# Older cache keys (another Node major or code-server version) are dead weight.
for old in "$E2E"/node*-code-server-*; do
  [ -d "$old" ] && [ "$old" != "$CACHE" ] && { say "removing stale cache $old"; rm -rf "$old"; }
done

# --- 1. Debian packages -----------------------------------------------------------------------------------
#   build-essential python3 pkg-config  node-gyp builds (node-pty, spdlog, kerberos, watchdog, argon2...)
#   libkrb5-dev                         the kerberos module (krb5-config, gssapi headers)
#   ripgrep                             replaces @vscode/ripgrep's GitHub download
#   chromium fonts-liberation           the browser the tests drive, with readable text in screenshots
mapfile -t MISSING < <(missing_packages)
if [ ${#MISSING[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=(); elif sudo -n true 2>/dev/null; then SUDO=(sudo -n); else
    die "missing Debian packages: ${MISSING[*]} — install them (apt-get install ${MISSING[*]}) or run this as root."
  fi
  say "apt-get install ${MISSING[*]}"
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${MISSING[@]}" >/dev/null
  phase_done apt
fi
command -v rg >/dev/null || die "ripgrep (rg) is not on the PATH"
[ $SERVER_ONLY = 1 ] || command -v "${CHROMIUM:-chromium}" >/dev/null || die "chromium is not on the PATH"

# --- 2. Build native modules against the local Node's headers ----------------------------------------------
# node-gyp would otherwise download headers from nodejs.org. Node from NodeSource, Debian or the official
# tarball ships <prefix>/include/node/node.h.
NODE_PREFIX=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
if [ -f "$NODE_PREFIX/include/node/node.h" ]; then
  export npm_config_nodedir="$NODE_PREFIX"
else
  say "warning: $NODE_PREFIX/include/node/node.h not found; node-gyp will try to download Node's headers"
fi
# node-pty's install runs `npx node-gyp ...`: let npx fetch it without a prompt.
export npm_config_yes=true

# --- 3. code-server from npm, lifecycle scripts deferred ----------------------------------------------------
mkdir -p "$CS_DIR"
cd "$CS_DIR"
[ -f package.json ] || echo '{"name":"e2e-code-server","private":true}' > package.json
if [ "$(node -p "try { require('$CS_PKG/package.json').version } catch { '' }")" != "$CS_VERSION" ]; then
  say "npm install code-server@$CS_VERSION (scripts deferred)"
  npm install --ignore-scripts --save-exact --no-audit --no-fund --loglevel=error "code-server@$CS_VERSION"
  phase_done npm-install-code-server
fi

# --- 4. + 5. ripgrep cache, then code-server's own postinstall ---------------------------------------------
if ! native_modules_present; then
  # @vscode/ripgrep's postinstall downloads rg from GitHub unless
  # $TMPDIR/vscode-ripgrep-cache-<package version>/ripgrep-<asset version>-<target>.tar.gz exists.
  RG_PKG_VER=$(node -p "require('$CS_PKG/lib/vscode/npm-shrinkwrap.json').packages['node_modules/@vscode/ripgrep'].version")
  RG_TMP=$(mktemp -d)
  ( cd "$RG_TMP" && npm pack --silent "@vscode/ripgrep@$RG_PKG_VER" >/dev/null && tar xzf ./*.tgz )
  RG_ASSET_VER=$(sed -n "s/^const VERSION = '\(.*\)';.*/\1/p" "$RG_TMP/package/lib/postinstall.js")
  rm -rf "$RG_TMP"
  [ -n "$RG_ASSET_VER" ] || die "could not read the ripgrep asset version from @vscode/ripgrep@$RG_PKG_VER"
  case "$(node -p process.arch)" in
    x64) RG_TARGET=x86_64-unknown-linux-musl ;;
    arm64) RG_TARGET=aarch64-unknown-linux-musl ;;
    *) die "unsupported CPU architecture $(node -p process.arch)" ;;
  esac
  RG_CACHE="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$RG_PKG_VER"
  RG_STAGE=$(mktemp -d)
  mkdir -p "$RG_CACHE"
  cp "$(command -v rg)" "$RG_STAGE/rg"
  tar czf "$RG_CACHE/ripgrep-$RG_ASSET_VER-$RG_TARGET.tar.gz" -C "$RG_STAGE" rg
  rm -rf "$RG_STAGE"
  say "seeded $RG_CACHE/ripgrep-$RG_ASSET_VER-$RG_TARGET.tar.gz"

  say "npm rebuild (code-server's postinstall; a few minutes; log: $CACHE/rebuild.log)"
  # code-server's postinstall.sh insists on unsafe-perm when run as root.
  rebuild() { npm_config_unsafe_perm=true npm rebuild --foreground-scripts > "$CACHE/rebuild.log" 2>&1; }
  # Native builds occasionally trip over their own temporary folders; one clean retry is cheaper than a red CI.
  if ! rebuild; then
    say "npm rebuild failed ($(grep -m1 -E 'ERR!|error' "$CACHE/rebuild.log" || true)); retrying once"
    mv "$CACHE/rebuild.log" "$CACHE/rebuild-first-attempt.log"
    if ! rebuild; then
      tail -40 "$CACHE/rebuild.log" >&2
      die "npm rebuild failed twice; see $CACHE/rebuild.log and $CACHE/rebuild-first-attempt.log"
    fi
  fi
  native_modules_present || die "code-server's native modules are missing after the rebuild; see $CACHE/rebuild.log"
  phase_done npm-rebuild-code-server
fi
# code-server writes a config.yaml under XDG_CONFIG_HOME on every start; keep that out of the user's home.
XDG_TMP=$(mktemp -d)
CS_REPORTED=$(XDG_CONFIG_HOME="$XDG_TMP" XDG_DATA_HOME="$XDG_TMP" node "$CS_PKG/out/node/entry.js" --version 2>/dev/null | grep -m1 "^$CS_VERSION " || true)
rm -rf "$XDG_TMP"
[ -n "$CS_REPORTED" ] || die "code-server $CS_VERSION does not start (node $CS_PKG/out/node/entry.js --version)"
say "code-server ready: $CS_REPORTED"

# --- 6. playwright-core (uses the system chromium) ---------------------------------------------------------
if [ $SERVER_ONLY = 0 ] && ! playwright_present; then
  mkdir -p "$TOOLS_DIR"
  cd "$TOOLS_DIR"
  [ -f package.json ] || echo '{"name":"e2e-tools","private":true}' > package.json
  say "npm install playwright-core@$PW_VERSION"
  npm install --save-exact --no-audit --no-fund --loglevel=error "playwright-core@$PW_VERSION"
  phase_done npm-install-playwright-core
fi

touch "$STAMP"
du -sh "$CACHE" | sed 's/^/[e2e setup] size /'
say "done ($CACHE)"
