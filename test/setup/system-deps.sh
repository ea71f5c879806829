#!/usr/bin/env bash
# What the test suite needs from Debian, installed when missing (`npm test` runs this first):
# Chromium for the editor test (test/editor), PostgreSQL and Redis for the queue-mode e2e
# (test/e2e/queue-mode). Quiet when everything is there; uses sudo when not root (`sudo -n` when
# $CI is set: no password prompt, the script's own message instead).
#   bash test/setup/system-deps.sh          # install what is missing
#   bash test/setup/system-deps.sh --check  # only say what is missing (exit 1 if anything)
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# Debian's postgresql puts initdb/pg_ctl in /usr/lib/postgresql/<major>/bin, not on PATH.
compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "${1:-}" = --check ]; then
	echo "system-deps: missing ${missing[*]}" >&2
	exit 1
fi

sudo=""
if [ "$(id -u)" != 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "system-deps: the tests need ${missing[*]} (Debian packages); run as root or install sudo, or: apt-get install ${missing[*]}" >&2
		exit 1
	fi
	# In CI nobody can answer a password prompt: fail at once instead.
	if [ -n "${CI:-}" ]; then sudo="sudo -n"; else sudo="sudo"; fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "system-deps: the tests need ${missing[*]}; this script installs them with apt-get (Debian/Ubuntu) only — install them another way" >&2
	exit 1
fi

echo "system-deps: installing ${missing[*]} (apt-get)" >&2
log="$(mktemp)"
# The packages' own services (PostgreSQL on 5432, Redis on 6379) are not wanted: the tests start
# their own servers in temp folders. Debian's maintainer scripts start a service unless
# /usr/sbin/policy-rc.d exits 101 ("action forbidden"); one is put there for the install only
# (unless the machine has its own) and removed on any exit.
policy=/usr/sbin/policy-rc.d
own_policy=""
cleanup() {
	rm -f "$log"
	if [ -n "$own_policy" ]; then $sudo rm -f "$policy" || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ ! -e "$policy" ]; then
	own_policy=1
	printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null &&
		$sudo chmod 755 "$policy" || true
fi
if ! { $sudo apt-get update -qq &&
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
	cat "$log" >&2
	echo "system-deps: installing ${missing[*]} failed (log above)" >&2
	exit 1
fi
