#!/usr/bin/env bash
# Debian packages the Node tests use as real peers: python3-websockets (the Python tool's own kind of
# WebSocket client), python3-pytest (real JUnit reports), gcc (compiles the fault suite's injector of
# SQLite's own write faults, test/faults/sqliteFaults.c) and postgresql (the team store's tests make
# a throw-away cluster with its initdb; skipped when an initdb is installed already). Installed when missing: as root (CI) with
# apt-get, else with `sudo -n` when that works; otherwise the tests that need a package say so and skip.
set -euo pipefail
PACKAGES=(python3 python3-websockets python3-pytest gcc libc6-dev)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then PACKAGES+=(postgresql); fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
command -v apt-get >/dev/null || { echo "test packages: no apt-get; tests needing ${missing[*]} are skipped" >&2; exit 0; }
if [ "$(id -u)" = 0 ]; then SUDO=(); elif sudo -n true 2>/dev/null; then SUDO=(sudo -n); else
  echo "test packages: missing ${missing[*]} (apt-get install ${missing[*]}); the tests needing them are skipped" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if [[ " ${missing[*]} " == *" postgresql "* ]]; then
  # The tests make clusters of their own; Debian's package would also create and start a "main" one.
  "${SUDO[@]}" mkdir -p /etc/postgresql-common/createcluster.d
  echo 'create_main_cluster = false' | "${SUDO[@]}" tee /etc/postgresql-common/createcluster.d/session-buddy-tests.conf >/dev/null
fi
echo "test packages: apt-get install ${missing[*]}"
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
