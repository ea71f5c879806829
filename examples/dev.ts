/* eslint-disable @n8n/community-nodes/no-dangerous-functions, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/require-node-api-error, no-console, no-control-regex -- developer tooling, run under Node.js; never shipped, never run inside n8n */
/**
 * `npm run dev`: the package in a real n8n editor, against the Scenario API simulator, until
 * Ctrl-C. What `n8n-node dev` does, offline and with a ready credential:
 *
 *   - the simulator on 127.0.0.1:5680 (SIM_PORT), jobs of SIM_JOB_MS (1500) ms;
 *   - n8n 2.40.7 (installed into ~/.cache/n8n-nodes-scenario on first use) on 127.0.0.1:5678
 *     (N8N_DEV_PORT), this package loaded from dist/ the way an installed community package is
 *     (node types n8n-nodes-scenario.*), data kept in ~/.cache/n8n-nodes-scenario/dev
 *     (N8N_DEV_FOLDER) so the account, credentials and workflows survive restarts;
 *   - a credential "Scenario API (simulator)" (re-imported on each start, the simulator's keys),
 *     and on the first start the owner account below and the example workflows;
 *   - `tsc --watch`: saving a file under nodes/ or credentials/ rebuilds dist/, which is copied
 *     into n8n, which reloads the nodes (reopen the node panel). `--no-watch` turns that off.
 *
 * With SCENARIO_API_KEY and SCENARIO_API_SECRET set, a second credential "Scenario API" points at
 * the real API (SCENARIO_BASE_URL, SCENARIO_PROJECT_ID optional): runs with it spend Creative Units.
 *
 *   npm run dev                (= npm run build && ts-node --transpile-only examples/dev.ts)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
	copyFileSync,
	cpSync,
	existsSync,
	mkdirSync,
	readdirSync,
	readFileSync,
	watch,
	writeFileSync,
	type FSWatcher,
} from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

import {
	createN8nEnv,
	ensureN8nInstall,
	importCredentials,
	importWorkflow,
	N8nRestClient,
	startN8nServer,
	type CredentialImport,
	type N8nServer,
} from '../test/e2e/n8n';
import { ScenarioSimulator } from '../test/simulator/server';

const REPO = resolve(__dirname, '..');
const PACKAGE = 'n8n-nodes-scenario';
const SIM_CREDENTIAL_ID = 'scenarioApiCredential'; // the id the example workflows use
const REAL_CREDENTIAL_ID = 'scenarioApiReal';
const OWNER = {
	email: 'dev@n8n-nodes-scenario.local',
	firstName: 'Scenario',
	lastName: 'Dev',
	password: 'Scenario-Dev-1',
};

function intEnv(name: string, fallback: number): number {
	const raw = process.env[name];
	if (!raw) return fallback;
	const n = Number(raw);
	if (!Number.isInteger(n) || n < 0 || n > 65535)
		throw new Error(`${name} must be an integer, got "${raw}"`);
	return n;
}

async function main(): Promise<void> {
	const watchMode = !process.argv.includes('--no-watch');
	const n8nPort = intEnv('N8N_DEV_PORT', 5678);
	const simPort = intEnv('SIM_PORT', 5680);
	const cache =
		process.env.N8N_NODES_SCENARIO_CACHE ?? join(homedir(), '.cache', 'n8n-nodes-scenario');
	const folder = resolve(process.env.N8N_DEV_FOLDER ?? join(cache, 'dev'));
	const files = join(folder, 'files');
	if (!existsSync(join(REPO, 'dist', 'nodes')))
		throw new Error('dist/ is missing: run `npm run build` first (npm run dev does)');

	console.log(
		'Preparing n8n 2.x (the first run installs it into ~/.cache/n8n-nodes-scenario: a few minutes)…',
	);
	await ensureN8nInstall();

	const sim = await ScenarioSimulator.start({
		port: simPort,
		jobDurationMs: intEnv('SIM_JOB_MS', 1_500),
	}).catch((error: unknown) => {
		throw new Error(
			`cannot start the simulator on port ${simPort} (set SIM_PORT): ${String(error)}`,
		);
	});
	const firstStart = !existsSync(join(folder, '.n8n', 'database.sqlite'));
	mkdirSync(files, { recursive: true });
	copyFileSync(join(REPO, 'examples', 'product.png'), join(files, 'product.png'));
	const n8n = createN8nEnv({
		userFolder: folder,
		communityPackageDir: REPO, // a copy of package.json + dist/, as n8n's installer leaves it
		offlineGuard: false, // a dev instance may use other nodes that go online
		extraEnv: {
			N8N_RESTRICT_FILE_ACCESS_TO: files,
			// n8n reloads changed nodes only in development mode (NODE_ENV unset) with N8N_DEV_RELOAD.
			NODE_ENV: watchMode ? undefined : 'production',
			N8N_DEV_RELOAD: watchMode ? 'true' : undefined,
		},
	});

	const credentials: CredentialImport[] = [
		{
			id: SIM_CREDENTIAL_ID,
			name: 'Scenario API (simulator)',
			type: 'scenarioApi',
			data: { apiKey: sim.apiKey, apiSecret: sim.apiSecret, baseUrl: sim.baseUrl, projectId: '' },
		},
	];
	if (process.env.SCENARIO_API_KEY && process.env.SCENARIO_API_SECRET) {
		credentials.push({
			id: REAL_CREDENTIAL_ID,
			name: 'Scenario API',
			type: 'scenarioApi',
			data: {
				apiKey: process.env.SCENARIO_API_KEY,
				apiSecret: process.env.SCENARIO_API_SECRET,
				baseUrl: process.env.SCENARIO_BASE_URL ?? 'https://api.cloud.scenario.com/v1',
				projectId: process.env.SCENARIO_PROJECT_ID ?? '',
			},
		});
	}
	await importCredentials(n8n, credentials);
	if (firstStart) {
		const workflows = readdirSync(join(REPO, 'examples'))
			.filter((f) => f.endsWith('.json'))
			.map((f) => {
				const wf = JSON.parse(readFileSync(join(REPO, 'examples', f), 'utf8')) as {
					nodes: Array<{ type: string; parameters: Record<string, unknown> }>;
				};
				for (const node of wf.nodes) {
					if (node.type === 'n8n-nodes-base.readWriteFile')
						node.parameters.fileSelector = join(files, 'product.png');
				}
				return wf;
			});
		await importWorkflow(n8n, workflows);
	}

	let server: N8nServer;
	try {
		server = await startN8nServer(n8n, { port: n8nPort, auth: false });
	} catch (error) {
		await sim.close();
		throw new Error(
			`n8n did not start on port ${n8nPort} (in use? set N8N_DEV_PORT): ${error instanceof Error ? error.message : String(error)}`,
		);
	}
	// n8n's own messages worth seeing while developing: reloads, warnings and errors.
	let partial = '';
	const relayN8n = (chunk: Buffer) => {
		const lines = (partial + chunk.toString()).split('\n');
		partial = lines.pop() ?? '';
		for (const text of lines) if (/hot reload|error|warn/i.test(text)) console.log(`[n8n] ${text}`);
	};
	server.process.stdout?.on('data', relayN8n);
	server.process.stderr?.on('data', relayN8n);
	const rest = new N8nRestClient(server.baseUrl);
	const setup = await rest.raw('POST', '/owner/setup', OWNER);
	const ownerCreated = setup.status < 300;

	const stops: Array<() => Promise<void> | void> = [];
	if (watchMode) stops.push(...startWatching(n8n.userFolder));
	stops.push(
		() => server.stop(),
		() => sim.close(),
	);

	const line = (label: string, value: string) => console.log(`  ${label.padEnd(12)}${value}`);
	console.log('\nn8n-nodes-scenario in n8n, against the Scenario API simulator');
	line('editor', `${server.baseUrl}/`);
	line(
		'sign in',
		ownerCreated
			? `${OWNER.email} / ${OWNER.password}  (owner account, created now)`
			: `the owner account of ${folder} (created earlier: ${OWNER.email} / ${OWNER.password} unless changed)`,
	);
	line(
		'credential',
		`"Scenario API (simulator)" → ${sim.baseUrl} (key ${sim.apiKey}, secret ${sim.apiSecret})`,
	);
	if (credentials.length > 1)
		line(
			'',
			`"Scenario API" → ${String(credentials[1].data.baseUrl)} (real API: spends Creative Units)`,
		);
	line('files', `${files} (Read/Write Files from Disk may read here: product.png)`);
	line('data', `${folder} (delete it to start over)`);
	line(
		'nodes',
		watchMode
			? 'tsc --watch: edits rebuild dist/ and n8n reloads them (reopen the node panel)'
			: 'dist/ as built (--no-watch)',
	);
	if (firstStart) line('workflows', 'the example workflows are imported (Overview → Workflows)');
	console.log('Ctrl-C stops n8n and the simulator.\n');

	let stopping = false;
	const shutdown = async (signal: string) => {
		if (stopping) return;
		stopping = true;
		console.log(`\n${signal}: stopping…`);
		for (const stop of stops) await Promise.resolve(stop()).catch(() => undefined);
		process.exit(0);
	};
	process.on('SIGINT', () => void shutdown('SIGINT'));
	process.on('SIGTERM', () => void shutdown('SIGTERM'));
	server.process.once('exit', (code) => {
		if (stopping) return;
		console.error(
			`n8n exited (${code}); last output:\n${server.output().split('\n').slice(-30).join('\n')}`,
		);
		void shutdown('n8n exit');
	});
}

/** `tsc --watch` into dist/, and dist/ copied into n8n's copy of the package on every change. */
function startWatching(userFolder: string): Array<() => void> {
	const tsc = spawn(
		process.execPath,
		[
			require.resolve('typescript/bin/tsc'),
			'-p',
			'tsconfig.json',
			'--watch',
			'--preserveWatchOutput',
		],
		{
			cwd: REPO,
			stdio: ['ignore', 'pipe', 'pipe'],
		},
	);
	const relay = (chunk: Buffer) => {
		for (const text of chunk.toString().split('\n')) {
			// tsc clears nothing with --preserveWatchOutput; keep its status lines and errors.
			if (text.trim()) console.log(`[tsc] ${text.replace(/\x1b\[[0-9;]*m/g, '')}`);
		}
	};
	tsc.stdout!.on('data', relay);
	tsc.stderr!.on('data', relay);

	const target = join(userFolder, '.n8n', 'nodes', 'node_modules', PACKAGE, 'dist');
	let timer: NodeJS.Timeout | undefined;
	const sync = () => {
		clearTimeout(timer);
		timer = setTimeout(() => {
			try {
				cpSync(join(REPO, 'dist'), target, { recursive: true });
				writeFileSync(join(userFolder, '.n8n', 'dev-synced-at'), new Date().toISOString());
				console.log('[dev] dist/ copied into n8n: it reloads the nodes');
			} catch (error) {
				console.error(`[dev] copying dist/ failed: ${String(error)}`);
			}
		}, 400);
	};
	let watcher: FSWatcher | undefined;
	try {
		watcher = watch(join(REPO, 'dist'), { recursive: true }, sync);
	} catch (error) {
		console.error(`[dev] cannot watch dist/: ${String(error)}`);
	}
	const kill = (child: ChildProcess) => {
		if (child.exitCode === null) child.kill('SIGTERM');
	};
	return [() => watcher?.close(), () => clearTimeout(timer), () => kill(tsc)];
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exit(1);
});
