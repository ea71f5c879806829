/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/require-node-api-error -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * n8n in queue mode on loopback: PostgreSQL + Redis (services.ts), `n8n start` (main) and
 * `n8n worker` processes, each n8n process with its OWN user folder (as on separate machines)
 * and its own copy of the package, sharing only the database, Redis and the encryption key
 * (OFFLINE_ENV's fixed N8N_ENCRYPTION_KEY). Binary data: n8n's default in queue mode, `database`.
 *
 *   const cluster = await startQueueCluster({ packageDir: repo, extraEnv: {...} });
 *   await cluster.importAndPublish(workflows, credentials);   // before main starts
 *   await cluster.startMain(); const w = await cluster.startWorker();
 *   await cluster.webhook('path', { prompt: 'x' });
 *   cluster.kill(w);                                         // SIGKILL, task runner included
 *   await cluster.stop();
 */
import { request } from 'undici';

import {
	createN8nEnv,
	importCredentials,
	importWorkflow,
	runN8n,
	startN8nServer,
	type CredentialImport,
	type N8nEnv,
	type N8nServer,
} from '../n8n';
import { startPostgres, startRedis, type Postgres, type Service } from './services';

export interface QueueClusterOptions {
	/** The package folder, loaded as an installed community package (types `<name>.<node>`). */
	packageDir: string;
	/** Variables for every n8n process (e.g. N8N_RESTRICT_FILE_ACCESS_TO). */
	extraEnv?: Record<string, string | undefined>;
}

export interface QueueCluster {
	pg: Postgres;
	redis: Service;
	/** The main's environment (imports and CLI commands run in it). */
	mainEnv: N8nEnv;
	/** Every n8n process's environment so far: main's, then each worker's (killed ones too). */
	envs: N8nEnv[];
	main?: N8nServer;
	workers: N8nServer[];
	importAndPublish(
		workflows: Array<{ id: string }>,
		credentials: CredentialImport[],
	): Promise<void>;
	startMain(): Promise<N8nServer>;
	/** A new worker, with a fresh user folder of its own. */
	startWorker(concurrency?: number): Promise<N8nServer>;
	/** SIGKILL to the worker's process group (the worker and its task runner). */
	kill(worker: N8nServer): Promise<void>;
	/** POST /webhook/<path> on main; resolves to the status and parsed body. */
	webhook(path: string, body: unknown): Promise<{ status: number; body: unknown }>;
	/** Executions of a workflow, from the database. */
	executions(workflowId: string): Promise<ExecutionRow[]>;
	/** An execution's stored data (IRunExecutionData), from the database. */
	executionData(executionId: string): Promise<StoredRun | undefined>;
	/** The bytes of a binary in `database` mode (its id is `database:<fileId>`). */
	readBinary(id: string): Promise<Buffer>;
	/**
	 * The offline guard's refused connections in every process (main and each worker, where the
	 * nodes run), each line prefixed with the process (`main`, `worker 1`, …).
	 */
	guardViolations(): string[];
	/** Stops every n8n process at once, then Redis and PostgreSQL; removes the user folders. */
	stop(): Promise<void>;
}

export interface ExecutionRow {
	id: string;
	status: string;
	mode: string;
	finished: boolean;
	retryOf: string | null;
	retrySuccessId: string | null;
	waitTill: string | null;
	/** When a process started running it, and when it ended (ISO 8601, from PostgreSQL). */
	startedAt: string | null;
	stoppedAt: string | null;
}

export interface StoredItem {
	json: Record<string, unknown>;
	binary?: Record<string, { id?: string; mimeType?: string; data?: string }>;
}

export interface StoredRun {
	resultData: {
		error?: { message: string; [key: string]: unknown };
		lastNodeExecuted?: string;
		runData: Record<
			string,
			Array<{ error?: unknown; data?: { main: Array<Array<StoredItem> | null> } }>
		>;
	};
	executionData?: { nodeExecutionStack: Array<{ node: { name: string } }> };
	[key: string]: unknown;
}

/**
 * n8n stores execution data as `flatted` text: a JSON array whose first entry is the root and
 * where every string inside an object or array is the index (as a string) of its entry.
 */
export function parseFlatted(text: string): unknown {
	const entries = JSON.parse(text) as unknown[];
	const revived = new Set<object>();
	const revive = (value: object) => {
		revived.add(value);
		const record = value as Record<string, unknown>;
		for (const key of Object.keys(record)) {
			if (typeof record[key] !== 'string') continue;
			const entry = entries[Number(record[key])];
			record[key] = entry;
			if (typeof entry === 'object' && entry !== null && !revived.has(entry)) revive(entry);
		}
	};
	const root = entries[0];
	if (typeof root === 'object' && root !== null) revive(root);
	return root;
}

export async function startQueueCluster(options: QueueClusterOptions): Promise<QueueCluster> {
	const pg = await startPostgres();
	let redis: Service;
	try {
		redis = await startRedis();
	} catch (error) {
		await pg.stop();
		throw error;
	}
	const queueEnv: Record<string, string | undefined> = {
		...pg.env,
		...redis.env,
		EXECUTIONS_MODE: 'queue',
		// Unset: n8n's own default applies, which in queue mode is `database`.
		N8N_DEFAULT_BINARY_DATA_MODE: undefined,
		QUEUE_BULL_PREFIX: 'bull',
		...options.extraEnv,
	};
	const envs: N8nEnv[] = [];
	const newEnv = () => {
		const env = createN8nEnv({ communityPackageDir: options.packageDir, extraEnv: queueEnv });
		envs.push(env);
		return env;
	};
	const mainEnv = newEnv();
	const workers: N8nServer[] = [];

	const cluster: QueueCluster = {
		pg,
		redis,
		mainEnv,
		envs,
		workers,
		async importAndPublish(workflows, credentials) {
			await importCredentials(mainEnv, credentials);
			await importWorkflow(mainEnv, workflows);
			for (const { id } of workflows) {
				const result = await runN8n(mainEnv, ['publish:workflow', `--id=${id}`]);
				if (result.code !== 0) {
					throw new Error(`publish:workflow --id=${id} failed:\n${result.stdout}${result.stderr}`);
				}
			}
		},
		async startMain() {
			cluster.main = await startN8nServer(mainEnv, { startTimeoutMs: 180_000 });
			return cluster.main;
		},
		async startWorker(concurrency = 10) {
			const worker = await startN8nServer(newEnv(), {
				worker: { concurrency },
				startTimeoutMs: 180_000,
			});
			workers.push(worker);
			return worker;
		},
		async kill(worker) {
			const exited = new Promise<void>((resolve) => {
				if (worker.process.exitCode !== null || worker.process.signalCode !== null) resolve();
				else worker.process.once('exit', () => resolve());
			});
			process.kill(-worker.process.pid!, 'SIGKILL');
			await exited;
		},
		async webhook(path, body) {
			const res = await request(`${cluster.main!.baseUrl}/webhook/${path}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify(body),
				headersTimeout: 15 * 60_000,
				bodyTimeout: 15 * 60_000,
			});
			const text = await res.body.text();
			let parsed: unknown = text;
			try {
				parsed = JSON.parse(text);
			} catch {
				// keep the text
			}
			return { status: res.statusCode, body: parsed };
		},
		async executions(workflowId) {
			const out = await pg.query(
				`select coalesce(json_agg(e order by e.id), '[]') from (select id::text, status, mode, finished,
				"retryOf" as "retryOf", "retrySuccessId" as "retrySuccessId", "waitTill"::text as "waitTill",
				to_json("startedAt") as "startedAt", to_json("stoppedAt") as "stoppedAt"
				from execution_entity where "workflowId" = '${workflowId.replace(/'/g, "''")}') e`,
			);
			return JSON.parse(out) as ExecutionRow[];
		},
		async executionData(executionId) {
			const text = await pg.query(
				`select data from execution_data where "executionId" = ${Number(executionId)}`,
			);
			return text ? (parseFlatted(text) as StoredRun) : undefined;
		},
		async readBinary(id) {
			const fileId = /^database:([0-9a-f-]{36})$/.exec(id)?.[1];
			if (!fileId) throw new Error(`not a database-mode binary id: ${id}`);
			const hex = await pg.query(
				`select encode(data, 'hex') from binary_data where "fileId" = '${fileId}'`,
			);
			if (!hex) throw new Error(`binary ${id} is not in binary_data`);
			return Buffer.from(hex, 'hex');
		},
		guardViolations() {
			return envs.flatMap((env, i) =>
				env.guardViolations().map((line) => `${i === 0 ? 'main' : `worker ${i}`}: ${line}`),
			);
		},
		async stop() {
			const n8nProcesses = [...workers, ...(cluster.main ? [cluster.main] : [])];
			await Promise.all(n8nProcesses.map((server) => server.stop().catch(() => {})));
			await Promise.all([redis.stop().catch(() => {}), pg.stop().catch(() => {})]);
			for (const env of envs) env.cleanup();
		},
	};
	return cluster;
}
