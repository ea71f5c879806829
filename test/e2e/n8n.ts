/* eslint-disable @n8n/community-nodes/no-dangerous-functions, @n8n/community-nodes/no-hardcoded-secrets, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/require-node-api-error -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Helpers for end-to-end tests against a REAL n8n (2.40.7 by default, or any version installed
 * outside the repository by test/e2e/install-n8n.sh; several versions can be used in one jest
 * process). Only node built-ins and undici. See test/e2e/README.md for the recipe.
 *
 *   const install = await ensureN8nInstall();                      // minutes the first time, then instant
 *   const n8n = createN8nEnv({ customExtensionsDir: path.join(repo, 'dist') });
 *   // another version: await ensureN8nInstall('2.41.1'); createN8nEnv({ n8nVersion: '2.41.1', … })
 *   await importCredentials(n8n, [{ id: 'scenarioCred0001', name: 'Scenario', type: 'scenarioApi', data: {...} }]);
 *   await importWorkflow(n8n, workflow);                            // workflow JSON with a fixed `id`
 *   const result = await executeWorkflow(n8n, workflow.id);
 *   nodeItems(result, 'Generate')[0].json; readBinary(n8n, nodeItems(result, 'Generate')[0].binary!.data);
 *   const server = await startN8nServer(n8n);                       // owner set up + logged in
 *   await server.rest.post('/dynamic-node-parameters/resource-locator-results', {...});
 *   await server.stop(); n8n.cleanup();
 *
 * Jest runs these under Node >= 22 (undici 8); n8n itself always runs under the Node that
 * install-n8n.sh found or installed, whatever node runs jest.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { request } from 'undici';

/** The n8n release the e2e tests were written against (the oldest one they run on). */
export const N8N_DEFAULT_VERSION = '2.40.7';
/**
 * The newest n8n 2.x whose dependencies all install from the registry here (n8n@2.41.3 needs
 * n8n-core@2.41.2, which the registry does not have).
 */
export const N8N_LATEST_VERSION = '2.41.1';
/**
 * The n8n 1.x release the e2e runs (the 1.x line is still patched next to 2.x; 1.123.81 is its
 * newest release in the registry). It runs under Node 22, the Node of n8n 1.123's Docker image.
 */
export const N8N_1X_VERSION = '1.123.81';
/** The major version of an n8n release: 1 or 2. */
export const n8nMajor = (version: string): number => Number(version.split('.')[0]);
/** The version used when none is given: `N8N_E2E_N8N_VERSION`, else 2.40.7. */
export const N8N_VERSION = process.env.N8N_E2E_N8N_VERSION || N8N_DEFAULT_VERSION;
const INSTALL_SCRIPT = path.join(__dirname, 'install-n8n.sh');

// ---------------------------------------------------------------------------------------------
// Install
// ---------------------------------------------------------------------------------------------

export interface N8nInstall {
	n8nBin: string;
	/** The Node.js binary n8n runs under (24 for n8n 2.x, 22 for n8n 1.x). */
	nodeBin: string;
	nodeDir: string;
	version: string;
}

const installPromises = new Map<string, Promise<N8nInstall>>();

/**
 * Runs install-n8n.sh for n8n `version` (default N8N_VERSION: 2.40.7 unless N8N_E2E_N8N_VERSION
 * says otherwise) and returns where that n8n and its Node are. Instant once installed; ~4-6
 * minutes and ~3 GB the first time, so give the calling beforeAll a timeout of 15 minutes.
 * Memoised per version. Installs of one version are serialised across processes by a flock in
 * the script; different versions install into different folders and may run at the same time.
 */
export function ensureN8nInstall(version: string = N8N_VERSION): Promise<N8nInstall> {
	if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
		return Promise.reject(new Error(`not an n8n version: ${JSON.stringify(version)}`));
	}
	let promise = installPromises.get(version);
	if (!promise) {
		promise = (async () => {
			const { code, stdout, stderr } = await run('bash', [INSTALL_SCRIPT, '--json'], {
				env: { ...process.env, N8N_E2E_N8N_VERSION: version },
				timeoutMs: 30 * 60_000,
				forwardStderr: true,
			});
			if (code !== 0) {
				throw new Error(`install-n8n.sh (n8n ${version}) failed (exit ${code}):\n${tail(stderr)}`);
			}
			const line = stdout.trim().split('\n').pop() ?? '';
			const install = JSON.parse(line) as N8nInstall;
			if (install.version !== version) {
				throw new Error(`install-n8n.sh installed n8n ${install.version}, not ${version}`);
			}
			return install;
		})();
		installPromises.set(version, promise);
		promise.catch(() => installPromises.delete(version));
	}
	return promise;
}

/** Installs n8n `version` (default N8N_VERSION) if needed and returns its `n8n` binary. */
export async function ensureN8n(version?: string): Promise<string> {
	return (await ensureN8nInstall(version)).n8nBin;
}

// ---------------------------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------------------------

export interface N8nEnvOptions {
	/**
	 * The n8n release every process of this environment runs (`runN8n`, `importWorkflow`,
	 * `executeWorkflow`, `startN8nServer`, …). Default: N8N_VERSION (2.40.7). Install it with
	 * `ensureN8nInstall(version)` first (the helpers would otherwise install it on first use).
	 */
	n8nVersion?: string;
	/**
	 * Folder(s) n8n scans for `**\/*.node.js` and `**\/*.credentials.js` (N8N_CUSTOM_EXTENSIONS).
	 * Node types are then `CUSTOM.<name>` (e.g. `CUSTOM.scenarioCustomGenerate`). Point it at a
	 * folder without node_modules (the package's `dist`), or n8n globs through all of them.
	 */
	customExtensionsDir?: string | string[];
	/**
	 * A package folder (package.json with an `n8n` section, built `dist/`) to load the way an
	 * installed community package is loaded, from `<userFolder>/.n8n/nodes/node_modules/<name>`:
	 * node types are then `<package name>.<name>` (e.g.
	 * `n8n-nodes-scenario.scenarioCustomGenerate`), exactly as for users who install the package.
	 * The package name must start with `n8n-nodes-` (or be `@scope/n8n-nodes-…`).
	 */
	communityPackageDir?: string | string[];
	/**
	 * 'copy' (default): copy package.json and the `files` entries (build first!) with no
	 * node_modules, as n8n's own installer leaves it (it drops peer/dev dependencies), so
	 * `require('n8n-workflow')` resolves to n8n's copy; runtime `dependencies` are linked from the
	 * package's node_modules. 'symlink': link the whole folder (live, but the package then
	 * resolves n8n-workflow from its own node_modules, a second copy).
	 */
	communityPackageMode?: 'copy' | 'symlink';
	/** Default: a fresh folder under the OS temp dir. */
	userFolder?: string;
	/** Extra or overriding variables (undefined removes one). */
	extraEnv?: Record<string, string | undefined>;
	/**
	 * Preload offline-guard.js into n8n (default true): connections to non-loopback hosts are
	 * refused and logged in `guardLog`.
	 */
	offlineGuard?: boolean;
}

export interface N8nEnv {
	/** The n8n release this environment's processes run (see N8nEnvOptions.n8nVersion). */
	version: string;
	/** Complete environment for n8n processes (PATH gets that n8n's Node prepended at spawn time). */
	env: Record<string, string>;
	/** N8N_USER_FOLDER; n8n keeps its data in `<userFolder>/.n8n` (database.sqlite, storage/, …). */
	userFolder: string;
	/** Where filesystem-mode binary data lives (`filesystem-v2:<rel path>` ids are relative to it). */
	binaryDataDir: string;
	/** Node-type prefixes: 'CUSTOM' and/or the community package names. */
	nodeTypePrefixes: string[];
	/** Where offline-guard.js records refused non-loopback connections (one line each). */
	guardLog: string;
	/** The refused connection attempts so far (empty when n8n stayed on loopback). */
	guardViolations(): string[];
	/** Removes the user folder (only if createN8nEnv made it). */
	cleanup(): void;
}

/** Variables that keep n8n from reaching anything but loopback, plus deterministic settings. */
export const OFFLINE_ENV: Readonly<Record<string, string>> = {
	NODE_ENV: 'production', // jest sets NODE_ENV=test, and n8n refuses to load nodes "in tests"
	DB_TYPE: 'sqlite',
	GENERIC_TIMEZONE: 'UTC',
	TZ: 'UTC',
	N8N_DIAGNOSTICS_ENABLED: 'false', // telemetry (RudderStack) + PostHog
	N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
	N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false',
	N8N_TEMPLATES_ENABLED: 'false',
	N8N_PERSONALIZATION_ENABLED: 'false',
	N8N_DYNAMIC_BANNERS_ENABLED: 'false',
	N8N_HIRING_BANNER_ENABLED: 'false',
	N8N_AI_ENABLED: 'false',
	N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
	N8N_SENTRY_DSN: '',
	N8N_FRONTEND_SENTRY_DSN: '',
	N8N_VERIFIED_PACKAGES_ENABLED: 'false', // no fetch of the verified community-node list
	N8N_UNVERIFIED_PACKAGES_ENABLED: 'false',
	N8N_REINSTALL_MISSING_PACKAGES: 'false',
	N8N_COMMUNITY_PACKAGES_REGISTRY: 'http://127.0.0.1:9', // never used; fails fast if it were
	// Modules with background jobs that call api.n8n.io (mcp-registry refreshes its list at startup).
	N8N_DISABLED_MODULES: 'mcp-registry',
	N8N_PUBLIC_API_DISABLED: 'true',
	N8N_PUBLIC_API_SWAGGERUI_DISABLED: 'true',
	N8N_PYTHON_ENABLED: 'false',
	N8N_RUNNERS_MODE: 'internal',
	N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
	N8N_SECURE_COOKIE: 'false', // plain http on 127.0.0.1
	N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
	N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
	N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '5',
	N8N_LOG_LEVEL: 'info', // `n8n execute` prints its result through the logger at info level
	N8N_LOG_OUTPUT: 'console',
	N8N_LOG_FORMAT: 'text',
	NO_COLOR: '1',
	EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
	EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
	EXECUTIONS_DATA_SAVE_MANUAL_EXECUTIONS: 'true',
	N8N_ENCRYPTION_KEY: 'n8n-nodes-scenario-e2e-encryption-key',
};

/** Creates a fresh, isolated n8n environment (own user folder and sqlite database). */
export function createN8nEnv(options: N8nEnvOptions = {}): N8nEnv {
	const ownFolder = options.userFolder === undefined;
	const userFolder = options.userFolder ?? fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-user-'));
	fs.mkdirSync(path.join(userFolder, '.n8n'), { recursive: true });

	const base: Record<string, string> = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (value === undefined) continue;
		// Nothing from the outer environment may reconfigure n8n (or jest's NODE_OPTIONS, etc.).
		if (/^(N8N_|DB_|EXECUTIONS_|QUEUE_|NODE_OPTIONS$|NODE_ENV$|JEST_WORKER_ID$)/.test(key))
			continue;
		base[key] = value;
	}
	const env: Record<string, string> = { ...base, ...OFFLINE_ENV, N8N_USER_FOLDER: userFolder };

	const prefixes: string[] = [];
	const customDirs = toArray(options.customExtensionsDir).map((d) => path.resolve(d));
	if (customDirs.length > 0) {
		env.N8N_CUSTOM_EXTENSIONS = customDirs.join(';');
		prefixes.push('CUSTOM');
	}
	for (const dir of toArray(options.communityPackageDir)) {
		const pkgDir = path.resolve(dir);
		const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as {
			name: string;
		};
		if (!/^(@[^/]+\/)?n8n-nodes-/.test(pkg.name)) {
			throw new Error(
				`${pkg.name}: n8n only loads packages named n8n-nodes-* or @scope/n8n-nodes-*`,
			);
		}
		const target = path.join(userFolder, '.n8n', 'nodes', 'node_modules', pkg.name);
		fs.mkdirSync(path.dirname(target), { recursive: true });
		fs.rmSync(target, { recursive: true, force: true });
		if (options.communityPackageMode === 'symlink') {
			fs.symlinkSync(pkgDir, target, 'dir');
		} else {
			installPackageCopy(pkgDir, target);
		}
		prefixes.push(pkg.name);
	}

	const guardLog = path.join(userFolder, 'offline-guard.log');
	if (options.offlineGuard !== false) {
		env.N8N_E2E_GUARD_LOG = guardLog;
		env.NODE_OPTIONS = `--require ${JSON.stringify(path.join(__dirname, 'offline-guard.js'))}`;
	}

	// n8n 1.x has no mcp-registry module, and refuses to start on an unknown module name.
	if (n8nMajor(options.n8nVersion ?? N8N_VERSION) < 2) delete env.N8N_DISABLED_MODULES;

	for (const [key, value] of Object.entries(options.extraEnv ?? {})) {
		if (value === undefined) delete env[key];
		else env[key] = value;
	}

	// n8n 2.x keeps filesystem-mode binaries in <n8n folder>/storage, 1.x in <n8n folder>/binaryData.
	const binaryDataDir =
		env.N8N_BINARY_DATA_STORAGE_PATH ??
		env.N8N_STORAGE_PATH ??
		path.join(
			userFolder,
			'.n8n',
			n8nMajor(options.n8nVersion ?? N8N_VERSION) < 2 ? 'binaryData' : 'storage',
		);

	return {
		version: options.n8nVersion ?? N8N_VERSION,
		env,
		userFolder,
		binaryDataDir,
		nodeTypePrefixes: prefixes,
		guardLog,
		guardViolations() {
			if (!fs.existsSync(guardLog)) return [];
			return fs.readFileSync(guardLog, 'utf8').split('\n').filter(Boolean);
		},
		cleanup() {
			if (ownFolder) fs.rmSync(userFolder, { recursive: true, force: true });
		},
	};
}

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

export interface RunResult {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
	durationMs: number;
}

/**
 * Runs `n8n <args>` in the given environment, with that environment's n8n version (under its Node,
 * with a free task-broker port).
 */
export async function runN8n(
	n8n: N8nEnv,
	args: string[],
	options: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<RunResult> {
	const install = await ensureN8nInstall(n8n.version);
	const env = await spawnEnv(n8n, install, options.env);
	return run(install.nodeBin, [install.n8nBin, ...args], {
		env,
		cwd: n8n.userFolder,
		timeoutMs: options.timeoutMs ?? 5 * 60_000,
	});
}

export interface CredentialImport {
	/** Fixed id referenced by workflows' `credentials: { <type>: { id, name } }`. */
	id: string;
	name: string;
	type: string;
	/** Plain (decrypted) data: n8n encrypts it on import. */
	data: Record<string, unknown>;
	[key: string]: unknown;
}

/** `n8n import:credentials --input=<file>`; the owner's personal project owns them. */
export async function importCredentials(
	n8n: N8nEnv,
	credentials: CredentialImport[],
): Promise<RunResult> {
	const file = writeTempJson(n8n, 'credentials', credentials);
	const result = await runN8n(n8n, ['import:credentials', `--input=${file}`]);
	if (result.code !== 0 || !/Successfully imported \d+ credential/.test(result.stdout)) {
		throw new Error(
			`import:credentials failed (exit ${result.code}):\n${tail(result.stdout + result.stderr)}`,
		);
	}
	return result;
}

/** `n8n import:workflow --input=<file>` for one workflow or several (each with a fixed `id`). */
export async function importWorkflow(n8n: N8nEnv, workflow: object | object[]): Promise<RunResult> {
	const file = writeTempJson(n8n, 'workflow', workflow);
	const result = await runN8n(n8n, ['import:workflow', `--input=${file}`]);
	if (result.code !== 0 || !/Successfully imported \d+ workflow/.test(result.stdout)) {
		throw new Error(
			`import:workflow failed (exit ${result.code}):\n${tail(result.stdout + result.stderr)}`,
		);
	}
	return result;
}

export interface BinaryRef {
	mimeType?: string;
	fileName?: string;
	fileExtension?: string;
	fileType?: string;
	fileSize?: string;
	bytes?: number;
	/** Base64 content, or the mode name ("filesystem-v2") when stored elsewhere. */
	data: string;
	/** `filesystem-v2:workflows/<wf>/executions/<exec>/binary_data/<uuid>` in filesystem mode. */
	id?: string;
	[key: string]: unknown;
}

export interface Item {
	json: Record<string, unknown>;
	binary?: Record<string, BinaryRef>;
	pairedItem?: unknown;
	error?: unknown;
	[key: string]: unknown;
}

export interface NodeRun {
	startTime: number;
	executionTime: number;
	executionStatus?: string;
	source: unknown[];
	hints?: unknown[];
	data?: { main: Array<Item[] | null> };
	error?: { message: string; description?: string; [key: string]: unknown };
	[key: string]: unknown;
}

/** What `n8n execute --rawOutput` prints: an IRun (the execution with its run data). */
export interface N8nRun {
	data: {
		resultData: {
			runData: Record<string, NodeRun[]>;
			lastNodeExecuted?: string;
			error?: {
				message: string;
				description?: string;
				node?: { name: string };
				[key: string]: unknown;
			};
		};
		[key: string]: unknown;
	};
	mode: string;
	status: string; // 'success' | 'error' | ...
	finished: boolean;
	startedAt: string;
	stoppedAt: string;
	[key: string]: unknown;
}

export interface ExecuteResult extends RunResult {
	/** true when the process exited 0 and the run has no error. */
	ok: boolean;
	/**
	 * The parsed IRun, also when a node failed (n8n prints it then too). Undefined when the
	 * workflow could not start (unknown node type, …): then only `error.message` is known.
	 */
	run?: N8nRun;
	runData: Record<string, NodeRun[]>;
	error?: {
		message: string;
		description?: string;
		node?: { name: string };
		[key: string]: unknown;
	};
}

/**
 * `n8n execute --id=<id> --rawOutput`. Resolves (does not throw) for a failed execution: check
 * `ok` / `error`. Throws only when no run could be read from the output at all.
 */
export async function executeWorkflow(
	n8n: N8nEnv,
	workflowId: string,
	options: { timeoutMs?: number } = {},
): Promise<ExecuteResult> {
	const result = await runN8n(n8n, ['execute', `--id=${workflowId}`, '--rawOutput'], options);
	const run = parseExecuteOutput(result.stdout);
	if (!run) {
		// The workflow did not start; n8n printed "Execution error:", "====…", then the message.
		const message = parseExecuteError(result.stdout + '\n' + result.stderr);
		if (result.code !== 0 && message) {
			return { ...result, ok: false, runData: {}, error: { message } };
		}
		throw new Error(
			`n8n execute --id=${workflowId} printed no run (exit ${result.code}):\n${tail(result.stdout + result.stderr)}`,
		);
	}
	const error = run.data.resultData.error;
	return {
		...result,
		ok: result.code === 0 && !error,
		run,
		runData: run.data.resultData.runData ?? {},
		error,
	};
}

/**
 * Finds the run JSON in `n8n execute` output. n8n prints everything through its logger on
 * stdout: log lines, then `JSON.stringify(run, null, 2)` (on success after "Execution was
 * successful:" unless --rawOutput; on failure after "Execution error:", then error lines). The
 * run is the last block from a line "{" to a line "}" at column 0 that parses.
 */
export function parseExecuteOutput(stdout: string): N8nRun | undefined {
	const lines = stdout.split(/\r?\n/);
	for (let end = lines.length - 1; end >= 0; end--) {
		if (lines[end] !== '}') continue;
		for (let start = end - 1; start >= 0; start--) {
			if (lines[start] === '}') break;
			if (lines[start] !== '{') continue;
			try {
				const parsed = JSON.parse(lines.slice(start, end + 1).join('\n')) as N8nRun;
				if (parsed?.data?.resultData) return parsed;
			} catch {
				// not the run; keep looking
			}
			break;
		}
	}
	return undefined;
}

/** The message after "Execution error:" / "=====" in `n8n execute` output, if any. */
export function parseExecuteError(output: string): string | undefined {
	const lines = output.split(/\r?\n/);
	const at = lines.lastIndexOf('Execution error:');
	if (at < 0) return undefined;
	let i = at + 1;
	while (i < lines.length && /^=+$/.test(lines[i].trim())) i++;
	return lines[i]?.trim() || undefined;
}

/** Output items of a node: `runData[node][runIndex].data.main[output]`. */
export function nodeItems(
	result: Pick<ExecuteResult, 'runData'>,
	nodeName: string,
	{ runIndex = 0, output = 0 }: { runIndex?: number; output?: number } = {},
): Item[] {
	const runs = result.runData[nodeName];
	if (!runs)
		throw new Error(
			`node "${nodeName}" did not run; ran: ${Object.keys(result.runData).join(', ')}`,
		);
	const nodeRun = runs[runIndex];
	if (!nodeRun) throw new Error(`node "${nodeName}" has no run ${runIndex}`);
	if (nodeRun.error) throw new Error(`node "${nodeName}" failed: ${nodeRun.error.message}`);
	return nodeRun.data?.main?.[output] ?? [];
}

/** Path of a filesystem-mode binary (from its `id`), or undefined when the data is inline. */
export function binaryPath(n8n: N8nEnv, binary: BinaryRef): string | undefined {
	if (!binary.id) return undefined;
	const colon = binary.id.indexOf(':');
	const mode = binary.id.slice(0, colon);
	const rel = binary.id.slice(colon + 1);
	if (mode !== 'filesystem-v2' && mode !== 'filesystem') {
		throw new Error(`binary data in mode "${mode}" cannot be read from disk (${binary.id})`);
	}
	const file = path.resolve(n8n.binaryDataDir, rel);
	if (!file.startsWith(path.resolve(n8n.binaryDataDir) + path.sep)) {
		throw new Error(`binary id escapes the storage folder: ${binary.id}`);
	}
	return file;
}

/** The bytes of a binary property of an output item (filesystem mode or inline base64). */
export function readBinary(n8n: N8nEnv, binary: BinaryRef): Buffer {
	const file = binaryPath(n8n, binary);
	if (file) return fs.readFileSync(file);
	return Buffer.from(binary.data, 'base64');
}

// ---------------------------------------------------------------------------------------------
// Server + REST
// ---------------------------------------------------------------------------------------------

export interface OwnerAccount {
	email: string;
	password: string;
	firstName: string;
	lastName: string;
}

export const DEFAULT_OWNER: Readonly<OwnerAccount> = {
	email: 'owner@e2e.test',
	password: 'E2e-Passw0rd!', // >= 8 chars, a digit and an uppercase letter
	firstName: 'E2E',
	lastName: 'Owner',
};

export class N8nRestError extends Error {
	constructor(
		readonly method: string,
		readonly restPath: string,
		readonly status: number,
		readonly body: unknown,
	) {
		super(`${method} /rest${restPath} -> ${status}: ${JSON.stringify(body).slice(0, 2000)}`);
	}
}

export interface RestResponse<T = unknown> {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	/** Parsed JSON body (n8n wraps results as `{ "data": … }`). */
	body: T;
}

/**
 * A cookie jar (the `n8n-auth` cookie) plus the `browser-id` header n8n binds the session to: the
 * JWT carries a hash of the browser-id sent at login/setup, and later requests must send the same.
 */
export class N8nRestClient {
	readonly cookies = new Map<string, string>();
	constructor(
		readonly baseUrl: string,
		readonly browserId = `e2e-${process.pid}-${Date.now()}`,
	) {}

	/** Any request under /rest; never throws for HTTP status. */
	async raw<T = unknown>(
		method: string,
		restPath: string,
		body?: unknown,
	): Promise<RestResponse<T>> {
		const headers: Record<string, string> = {
			accept: 'application/json',
			'browser-id': this.browserId,
		};
		if (this.cookies.size > 0) {
			headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
		}
		let payload: string | undefined;
		if (body !== undefined) {
			headers['content-type'] = 'application/json';
			payload = JSON.stringify(body);
		}
		const res = await request(`${this.baseUrl}/rest${restPath}`, {
			method: method as 'GET',
			headers,
			body: payload,
			headersTimeout: 120_000,
			bodyTimeout: 120_000,
		});
		this.storeCookies(res.headers['set-cookie']);
		const text = await res.body.text();
		let parsed: unknown = text;
		try {
			parsed = text ? JSON.parse(text) : undefined;
		} catch {
			// keep the text
		}
		return { status: res.statusCode, headers: res.headers, body: parsed as T };
	}

	/** Request under /rest; resolves to the `data` field, throws N8nRestError unless 2xx. */
	async call<T = unknown>(method: string, restPath: string, body?: unknown): Promise<T> {
		const res = await this.raw<{ data?: T }>(method, restPath, body);
		if (res.status < 200 || res.status >= 300) {
			throw new N8nRestError(method, restPath, res.status, res.body);
		}
		const b = res.body as { data?: T } | undefined;
		return (b && typeof b === 'object' && 'data' in b ? b.data : b) as T;
	}

	get<T = unknown>(restPath: string): Promise<T> {
		return this.call<T>('GET', restPath);
	}

	post<T = unknown>(restPath: string, body: unknown): Promise<T> {
		return this.call<T>('POST', restPath, body);
	}

	private storeCookies(setCookie: string | string[] | undefined): void {
		for (const header of toArray(setCookie)) {
			const [pair] = header.split(';');
			const eq = pair.indexOf('=');
			if (eq <= 0) continue;
			const name = pair.slice(0, eq).trim();
			const value = pair.slice(eq + 1).trim();
			if (value === '' || /expires=Thu, 01 Jan 1970/i.test(header)) this.cookies.delete(name);
			else this.cookies.set(name, value);
		}
	}
}

/** `POST /rest/owner/setup` (only on a fresh instance); the client is logged in afterwards. */
export async function setupOwner(
	baseUrl: string,
	owner: OwnerAccount = DEFAULT_OWNER,
	client = new N8nRestClient(baseUrl),
): Promise<N8nRestClient> {
	await client.post('/owner/setup', owner);
	return client;
}

/** `POST /rest/login` with `{ emailOrLdapLoginId, password }`; sets the `n8n-auth` cookie. */
export async function login(
	baseUrl: string,
	account: Pick<OwnerAccount, 'email' | 'password'> = DEFAULT_OWNER,
	client = new N8nRestClient(baseUrl),
): Promise<N8nRestClient> {
	await client.post('/login', { emailOrLdapLoginId: account.email, password: account.password });
	if (!client.cookies.has('n8n-auth')) throw new Error('login set no n8n-auth cookie');
	return client;
}

export interface N8nServer {
	baseUrl: string;
	port: number;
	process: ChildProcess;
	/** Logged-in REST client (unless `auth: false`). */
	rest: N8nRestClient;
	/** `rest.post(path, body)`, resolving to the response's `data`. */
	callRest<T = unknown>(restPath: string, body?: unknown, method?: string): Promise<T>;
	/** Everything n8n printed so far. */
	output(): string;
	stop(): Promise<void>;
}

const liveServers = new Set<ChildProcess>();
process.once('exit', () => {
	for (const child of liveServers) killGroup(child, 'SIGKILL');
});

/**
 * `n8n start` on 127.0.0.1:<port> (a free one by default); waits for /healthz/readiness, then
 * sets up the owner (fresh instance) and logs in. Startup takes ~10-20 s on 2 cores.
 * `worker: { concurrency }` starts `n8n worker` instead (queue mode: the env must carry
 * EXECUTIONS_MODE=queue, the database and Redis), with its health server on <port>; no login.
 */
export async function startN8nServer(
	n8n: N8nEnv,
	options: {
		port?: number;
		owner?: OwnerAccount;
		auth?: boolean;
		startTimeoutMs?: number;
		worker?: { concurrency?: number };
	} = {},
): Promise<N8nServer> {
	const install = await ensureN8nInstall(n8n.version);
	const port = options.port ?? (await freePort());
	const baseUrl = `http://127.0.0.1:${port}`;
	const { worker } = options;
	const env = await spawnEnv(
		n8n,
		install,
		worker
			? {
					QUEUE_HEALTH_CHECK_ACTIVE: 'true',
					QUEUE_HEALTH_CHECK_PORT: String(port),
					N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
				}
			: {
					N8N_PORT: String(port),
					N8N_LISTEN_ADDRESS: '127.0.0.1',
					N8N_HOST: '127.0.0.1',
					N8N_PROTOCOL: 'http',
					N8N_EDITOR_BASE_URL: `${baseUrl}/`,
					WEBHOOK_URL: `${baseUrl}/`,
				},
	);
	const args = worker ? ['worker', `--concurrency=${worker.concurrency ?? 10}`] : ['start'];
	const child = spawn(install.nodeBin, [install.n8nBin, ...args], {
		env,
		cwd: n8n.userFolder,
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true, // own process group: stop() also ends the task runner it spawns
	});
	liveServers.add(child);
	let out = '';
	const append = (chunk: Buffer) => {
		out += chunk.toString();
		if (out.length > 4_000_000) out = out.slice(-2_000_000);
	};
	child.stdout!.on('data', append);
	child.stderr!.on('data', append);
	let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
	const exitPromise = new Promise<void>((resolve) =>
		child.once('exit', (code, signal) => {
			exited = { code, signal };
			liveServers.delete(child);
			resolve();
		}),
	);

	const stop = async () => {
		if (exited) return;
		killGroup(child, 'SIGTERM');
		const killed = await Promise.race([
			exitPromise.then(() => true),
			delay(20_000).then(() => false),
		]);
		if (!killed) {
			killGroup(child, 'SIGKILL');
			await exitPromise;
		}
	};

	try {
		const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
		for (;;) {
			if (exited) {
				throw new Error(
					`n8n ${args[0]} exited (${exited.code ?? exited.signal}) before ready:\n${tail(out)}`,
				);
			}
			if (Date.now() > deadline)
				throw new Error(`n8n not ready at ${baseUrl} in time:\n${tail(out)}`);
			try {
				const res = await request(`${baseUrl}/healthz/readiness`, {
					headersTimeout: 2_000,
					bodyTimeout: 2_000,
				});
				await res.body.text();
				if (res.statusCode === 200) break;
			} catch {
				// not listening yet
			}
			await delay(250);
		}
		// n8n 1.x answers /healthz/readiness once its database is migrated, before it has
		// registered its REST routes (POST /rest/login is a 404 for a few seconds more).
		while (!worker) {
			if (exited)
				throw new Error(`n8n ${args[0]} exited before its REST API was up:\n${tail(out)}`);
			if (Date.now() > deadline)
				throw new Error(`n8n REST API not up at ${baseUrl}:\n${tail(out)}`);
			try {
				const res = await request(`${baseUrl}/rest/login`, {
					headersTimeout: 2_000,
					bodyTimeout: 2_000,
				});
				await res.body.text();
				if (res.statusCode !== 404) break;
			} catch {
				// not answering yet
			}
			await delay(250);
		}

		let rest = new N8nRestClient(baseUrl);
		if (options.auth !== false && !worker) {
			const owner = options.owner ?? DEFAULT_OWNER;
			const setup = await rest.raw('POST', '/owner/setup', owner);
			if (setup.status >= 300) {
				// Already set up (reused user folder): log in instead.
				rest = await login(baseUrl, owner);
			} else {
				rest = await login(baseUrl, owner, rest);
			}
		}
		return {
			baseUrl,
			port,
			process: child,
			rest,
			callRest: <T>(
				restPath: string,
				body?: unknown,
				method = body === undefined ? 'GET' : 'POST',
			) => rest.call<T>(method, restPath, body),
			output: () => out,
			stop,
		};
	} catch (error) {
		await stop();
		throw error;
	}
}

// ---------------------------------------------------------------------------------------------
// Dynamic node parameters (what the editor calls for resource locators / resource mappers)
// ---------------------------------------------------------------------------------------------

export interface DynamicParamsRequest {
	/** Full node type, e.g. `CUSTOM.scenarioCustomGenerate` or `n8n-nodes-scenario.scenarioCustomGenerate`. */
	nodeType: string;
	nodeVersion?: number;
	/** Method name in `methods.listSearch` / `methods.resourceMapping`. */
	methodName: string;
	/** Parameter path, e.g. `parameters.model` (resource locator) or `parameters.params`. */
	path: string;
	currentNodeParameters: Record<string, unknown>;
	/** e.g. `{ scenarioApi: { id: 'scenarioCred0001', name: 'Scenario' } }`. */
	credentials?: Record<string, { id: string; name: string }>;
	projectId?: string;
	workflowId?: string;
}

function dynamicBody(req: DynamicParamsRequest): Record<string, unknown> {
	return {
		nodeTypeAndVersion: { name: req.nodeType, version: req.nodeVersion ?? 1 },
		methodName: req.methodName,
		path: req.path,
		currentNodeParameters: req.currentNodeParameters,
		credentials: req.credentials,
		projectId: req.projectId,
		workflowId: req.workflowId,
	};
}

/** `POST /rest/dynamic-node-parameters/resource-locator-results` -> `{ results, paginationToken? }`. */
export function resourceLocatorResults(
	rest: N8nRestClient,
	req: DynamicParamsRequest & { filter?: string; paginationToken?: string | number },
): Promise<{
	results: Array<{ name: string; value: string | number; url?: string }>;
	paginationToken?: unknown;
}> {
	return rest.post('/dynamic-node-parameters/resource-locator-results', {
		...dynamicBody(req),
		filter: req.filter,
		paginationToken: req.paginationToken,
	});
}

/** `POST /rest/dynamic-node-parameters/resource-mapper-fields` -> `{ fields: [...] }`. */
export function resourceMapperFields(
	rest: N8nRestClient,
	req: DynamicParamsRequest,
): Promise<{
	fields: Array<Record<string, unknown> & { id: string; displayName: string }>;
	emptyFieldsNotice?: string;
}> {
	return rest.post('/dynamic-node-parameters/resource-mapper-fields', dynamicBody(req));
}

/** `POST /rest/dynamic-node-parameters/options` (loadOptionsMethod). */
export function loadOptions(
	rest: N8nRestClient,
	req: DynamicParamsRequest,
): Promise<Array<{ name: string; value: string | number | boolean; description?: string }>> {
	return rest.post('/dynamic-node-parameters/options', dynamicBody(req));
}

// ---------------------------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------------------------

/**
 * Throws at once when a package's built nodes are missing (npm test builds before jest), so a
 * test fails before it spends minutes installing n8n.
 */
export function requireBuiltPackage(pkgDir: string): void {
	const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as {
		name: string;
		n8n?: { nodes?: string[] };
	};
	for (const entry of pkg.n8n?.nodes ?? []) {
		if (!fs.existsSync(path.join(pkgDir, entry))) {
			throw new Error(`${pkg.name}: ${entry} is missing; run \`npm run build\` first`);
		}
	}
}

/** Copies a package the way n8n's installer leaves it: package.json + `files`, no dev/peer deps. */
function installPackageCopy(pkgDir: string, target: string): void {
	const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as {
		name: string;
		files?: string[];
		dependencies?: Record<string, string>;
		n8n?: { nodes?: string[]; credentials?: string[] };
		[key: string]: unknown;
	};
	const files = pkg.files ?? ['dist'];
	requireBuiltPackage(pkgDir);
	fs.mkdirSync(target, { recursive: true });
	const kept: Record<string, unknown> = { ...pkg };
	for (const key of ['devDependencies', 'peerDependencies', 'optionalDependencies'])
		delete kept[key];
	fs.writeFileSync(path.join(target, 'package.json'), JSON.stringify(kept, null, 2));
	for (const entry of files) {
		const from = path.join(pkgDir, entry);
		if (fs.existsSync(from)) fs.cpSync(from, path.join(target, entry), { recursive: true });
	}
	for (const dep of Object.keys(pkg.dependencies ?? {})) {
		const from = path.join(pkgDir, 'node_modules', dep);
		const to = path.join(target, 'node_modules', dep);
		if (!fs.existsSync(from)) throw new Error(`${pkg.name}: dependency ${dep} is not installed`);
		fs.mkdirSync(path.dirname(to), { recursive: true });
		fs.symlinkSync(from, to, 'dir');
	}
}

async function spawnEnv(
	n8n: N8nEnv,
	install: N8nInstall,
	extra: Record<string, string> = {},
): Promise<Record<string, string>> {
	return {
		...n8n.env,
		// Each process gets its own task-broker port, so a server and CLI runs can overlap.
		N8N_RUNNERS_BROKER_PORT: n8n.env.N8N_RUNNERS_BROKER_PORT ?? String(await freePort()),
		...extra,
		PATH: `${path.join(install.nodeDir, 'bin')}${path.delimiter}${n8n.env.PATH ?? ''}`,
	};
}

function run(
	cmd: string,
	args: string[],
	options: {
		env?: NodeJS.ProcessEnv;
		cwd?: string;
		timeoutMs: number;
		forwardStderr?: boolean;
	},
): Promise<RunResult> {
	const started = Date.now();
	return new Promise((resolve, reject) => {
		const child = spawn(cmd, args, {
			env: options.env,
			cwd: options.cwd,
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: true,
		});
		let stdout = '';
		let stderr = '';
		child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
		child.stderr!.on('data', (c: Buffer) => {
			stderr += c.toString();
			if (options.forwardStderr) process.stderr.write(c);
		});
		const timer = setTimeout(() => {
			killGroup(child, 'SIGKILL');
			reject(
				new Error(
					`${path.basename(cmd)} ${args.join(' ')} timed out after ${options.timeoutMs} ms:\n${tail(stdout + stderr)}`,
				),
			);
		}, options.timeoutMs);
		child.once('error', (err) => {
			clearTimeout(timer);
			reject(err);
		});
		child.once('close', (code, signal) => {
			clearTimeout(timer);
			// A finished CLI may leave its task runner behind in the group; end it.
			killGroup(child, 'SIGKILL');
			resolve({ code, signal, stdout, stderr, durationMs: Date.now() - started });
		});
	});
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
	if (child.pid === undefined) return;
	try {
		process.kill(-child.pid, signal);
	} catch {
		try {
			child.kill(signal);
		} catch {
			// already gone
		}
	}
}

/** A port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.once('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address() as net.AddressInfo;
			srv.close(() => resolve(port));
		});
	});
}

let tempCounter = 0;
function writeTempJson(n8n: N8nEnv, kind: string, value: unknown): string {
	const dir = path.join(n8n.userFolder, 'e2e-imports');
	fs.mkdirSync(dir, { recursive: true });
	const file = path.join(dir, `${kind}-${process.pid}-${++tempCounter}.json`);
	fs.writeFileSync(file, JSON.stringify(value, null, 2));
	return file;
}

function toArray<T>(value: T | T[] | undefined): T[] {
	if (value === undefined) return [];
	return Array.isArray(value) ? value : [value];
}

function tail(text: string, lines = 60): string {
	return text.split('\n').slice(-lines).join('\n');
}

function delay(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
