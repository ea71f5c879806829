/*
 * Preloaded into every n8n process the e2e helpers start (NODE_OPTIONS=--require …): refuses any
 * TCP/TLS connection to a host outside loopback (127.0.0.0/8, ::1, localhost) and records the
 * attempt, one line each, in $N8N_E2E_GUARD_LOG. The tests only ever talk to 127.0.0.1, and n8n
 * has background jobs that call home (e.g. the MCP registry refresh) even with telemetry off.
 * Plain CommonJS: it runs inside n8n (Node 24), not under ts-jest.
 */
'use strict';
const fs = require('node:fs');
const net = require('node:net');

const logFile = process.env.N8N_E2E_GUARD_LOG;

function isLoopback(host) {
	if (host === undefined || host === null || host === '') return true; // defaults to localhost
	const h = String(host)
		.replace(/^\[|\]$/g, '')
		.toLowerCase();
	return (
		h === 'localhost' ||
		h.endsWith('.localhost') ||
		h === '::1' ||
		h === '0:0:0:0:0:0:0:1' ||
		/^127\.\d+\.\d+\.\d+$/.test(h) ||
		/^::ffff:127\.\d+\.\d+\.\d+$/.test(h)
	);
}

function record(host, port) {
	if (!logFile) return;
	const caller = (new Error().stack || '')
		.split('\n')
		.slice(3)
		.map((l) => l.trim())
		.filter((l) => !l.includes('node:'))
		.slice(0, 4)
		.join(' <- ');
	try {
		fs.appendFileSync(
			logFile,
			`${new Date().toISOString()} pid=${process.pid} ${host}:${port} ${caller}\n`,
		);
	} catch {
		// never let the guard break n8n
	}
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
	let options = args[0];
	if (Array.isArray(options)) options = options[0]; // internal normalized form
	let host;
	let port;
	let isPipe = false;
	if (options !== null && typeof options === 'object') {
		if (options.path) isPipe = true;
		host = options.host;
		port = options.port;
	} else if (typeof options === 'string' && !/^\d+$/.test(options)) {
		isPipe = true; // connect(path)
	} else {
		port = options;
		host = typeof args[1] === 'string' ? args[1] : undefined;
	}
	if (!isPipe && !isLoopback(host)) {
		record(host, port);
		const error = new Error(
			`offline-guard: connection to ${host}:${port} refused (e2e tests stay on loopback)`,
		);
		error.code = 'ECONNREFUSED';
		error.syscall = 'connect';
		setImmediate(() => this.destroy(error)); // async, like a real refusal
		return this;
	}
	return originalConnect.apply(this, args);
};
