/* eslint-disable @n8n/community-nodes/no-dangerous-functions, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports, no-console -- benchmark code, run under Node.js; never shipped, never run inside n8n */
/**
 * `npm run bench:queue`: n8n's queue mode with real n8n 2.40.7 (test/e2e/queue-mode/cluster.ts:
 * PostgreSQL and Redis on loopback, `n8n start`, one `n8n worker` at concurrency 10, binary data
 * in the database). E executions of N items each are started at once by webhook calls; each item
 * is one Custom Generate job of D seconds (text to image, one output of OUTPUT_BYTES, Max
 * Concurrent Jobs = N). Reports the wall time (first call sent → last answer received) against
 * the ideal (D plus one call's time through the same path with 0 s jobs, since all E × N jobs
 * can run at once), the
 * executions' own times from the database, and the size of the binaries n8n stored in PostgreSQL.
 * Writes bench/results/queue.json.
 *
 *   npm run bench:queue                         E=10, N=10, D=5 s, 1 MiB outputs
 *   npm run bench:queue -- --executions 4 --items 5 --seconds 2 --output-bytes 0
 *
 * `--slot-time` (issue #13): the worker slot time one long job costs, followed inside Custom
 * Generate (Wait for Completion on) against the Check Once loop of
 * examples/long-job-check-once-wait-loop.json (n8n's Wait node parks the execution between
 * checks). Both executions run at once on the one worker, jobs of D seconds (`--seconds`, default
 * 600: about 11 minutes). Slot time = the sum, over every stretch the worker ran the execution, of
 * its `Worker finished execution` log time minus its `Worker started execution` one (n8n's JSON
 * log, timestamped), checked against the sum of the nodes' executionTime in the stored runData.
 * Writes bench/results/queue-slot-time.json.
 *
 *   npm run bench:queue -- --slot-time                 D = 600 s
 *   npm run bench:queue -- --slot-time --seconds 30    a quick look (one wait of 70 s)
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';

import { ensureN8nInstall, requireBuiltPackage } from '../test/e2e/n8n';
import { startQueueCluster, type QueueCluster } from '../test/e2e/queue-mode/cluster';
import {
	CREDENTIAL,
	TEXT_MODEL,
	longJobExample,
	longJobInNode,
	textToImageWorkflow,
} from '../test/e2e/queue-mode/workflows';
import { ScenarioSimulator } from '../test/simulator/server';

const ROOT = resolve(__dirname, '..');
const PREFIX = 'n8n-nodes-scenario';
const WORKER_CONCURRENCY = 10;

function option(name: string, fallback: number): number {
	const at = process.argv.indexOf(`--${name}`);
	if (at < 0) return fallback;
	const value = Number(process.argv[at + 1]);
	if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} needs a number`);
	return value;
}

function simulatorCredential(sim: ScenarioSimulator) {
	return {
		...CREDENTIAL.scenarioApi,
		type: 'scenarioApi',
		data: { apiKey: sim.apiKey, apiSecret: sim.apiSecret, baseUrl: sim.baseUrl, projectId: '' },
	};
}

async function throughput(): Promise<void> {
	const executions = option('executions', 10);
	const items = option('items', 10);
	const jobMs = option('seconds', 5) * 1000;
	const outputBytes = option('output-bytes', 1024 * 1024);
	requireBuiltPackage(ROOT);
	await ensureN8nInstall();

	const sim = await ScenarioSimulator.start({ jobDurationMs: jobMs, outputMinBytes: outputBytes });
	const cluster = await startQueueCluster({ packageDir: ROOT });
	try {
		const workflow = textToImageWorkflow(PREFIX, items);
		await cluster.importAndPublish([workflow], [simulatorCredential(sim)]);
		await cluster.startMain();
		const worker = await cluster.startWorker(WORKER_CONCURRENCY);

		// The same path without any job wait: one item through webhook, queue, worker and back,
		// with jobs of 0 s (the second such call; the first also loads the nodes in the worker).
		sim.setJobDuration(0);
		let pathMs = 0;
		for (const attempt of ['warm-up', 'path']) {
			const at = Date.now();
			const warm = await cluster.webhook('queue-bench', { prompts: [{ prompt: attempt }] });
			if (warm.status !== 200) throw new Error(`${attempt} failed: ${JSON.stringify(warm.body)}`);
			pathMs = Date.now() - at;
		}
		const warmUps = (await cluster.executions(workflow.id)).length;
		const before = await storedBinaries(cluster);
		const sizeBefore = Number(
			await cluster.pg.query('select pg_database_size(current_database())'),
		);
		sim.setJobDuration(jobMs);
		sim.log.length = 0;

		console.log(
			`queue mode: ${executions} executions × ${items} items, D = ${jobMs / 1000} s, one worker (concurrency ${WORKER_CONCURRENCY})`,
		);
		const started = Date.now();
		const answers = await Promise.all(
			Array.from({ length: executions }, (_, e) =>
				cluster.webhook('queue-bench', {
					prompts: Array.from({ length: items }, (_, i) => ({
						prompt: `execution ${e} item ${i}`,
					})),
				}),
			),
		);
		const wallMs = Date.now() - started;

		const rows = (await cluster.executions(workflow.id)).slice(warmUps);
		// Per execution: created (webhook call) → started on the worker → stopped, in ms.
		const phases = JSON.parse(
			await cluster.pg.query(
				`select coalesce(json_agg(json_build_object(
					'queuedMs', extract(epoch from ("startedAt" - "createdAt")) * 1000,
					'runMs', extract(epoch from ("stoppedAt" - "startedAt")) * 1000) order by id), '[]')
				from execution_entity where id in (${rows.map((r) => Number(r.id)).join(',')})`,
			),
		) as Array<{ queuedMs: number; runMs: number }>;
		const after = await storedBinaries(cluster);
		const binaries = {
			rows: after.rows - before.rows,
			bytes: after.bytes - before.bytes,
			tableBytes: after.tableBytes - before.tableBytes,
		};
		const sizeAfter = Number(await cluster.pg.query('select pg_database_size(current_database())'));
		const ok = answers.filter(
			(a) => a.status === 200 && Array.isArray(a.body) && a.body.length === items,
		).length;
		const generations = sim.calls('POST', `/generate/custom/${TEXT_MODEL}`);
		const submitted = generations.length;
		const prompts = generations.map((c) => (c.body as { prompt: string }).prompt);
		const onWorker = rows.filter((r) =>
			worker.output().includes(`Worker started execution ${r.id} `),
		).length;
		const idealMs = jobMs + pathMs;
		const result = {
			...runHeader(cluster.mainEnv.version),
			executions,
			items,
			jobMs,
			outputBytes,
			workerConcurrency: WORKER_CONCURRENCY,
			wallMs,
			idealMs,
			zeroSecondJobPathMs: pathMs,
			wallOverIdeal: Math.round((wallMs / idealMs) * 100) / 100,
			executions_createdToStartedMs: spread(phases.map((p) => p.queuedMs)),
			executions_startedToStoppedMs: spread(phases.map((p) => p.runMs)),
			answersOk: ok,
			executionsStatus: rows.map((r) => r.status),
			executionsOnWorker: onWorker,
			jobsSubmitted: submitted,
			duplicateJobs: submitted - new Set(prompts).size,
			binaries,
			databaseGrowthBytes: sizeAfter - sizeBefore,
		};
		writeResult('queue.json', result);
	} finally {
		await cluster.stop();
		await sim.close();
	}
}

/** Stretches during which a worker ran an execution, from its JSON log lines (ms since epoch). */
function workerStretches(output: string, executionId: string): Array<[number, number]> {
	const stretches: Array<[number, number]> = [];
	let startedAt: number | undefined;
	for (const line of output.split('\n')) {
		if (!line.startsWith('{')) continue;
		let entry: { message?: string; timestamp?: string; metadata?: { timestamp?: string } };
		try {
			entry = JSON.parse(line) as typeof entry;
		} catch {
			continue;
		}
		const at = Date.parse(entry.timestamp ?? entry.metadata?.timestamp ?? '');
		if (entry.message?.startsWith(`Worker started execution ${executionId} `)) startedAt = at;
		if (entry.message?.startsWith(`Worker finished execution ${executionId} `)) {
			if (startedAt === undefined)
				throw new Error(`execution ${executionId}: finished, never started`);
			stretches.push([startedAt, at]);
			startedAt = undefined;
		}
	}
	if (startedAt !== undefined)
		throw new Error(`execution ${executionId}: still running on the worker`);
	return stretches;
}

/** Sum of executionTime over every run of every node (ms), and the runs per node. */
function nodeTimes(runData: Record<string, unknown[]>): {
	ms: number;
	runs: Record<string, number>;
} {
	let ms = 0;
	const runs: Record<string, number> = {};
	for (const [node, nodeRuns] of Object.entries(runData)) {
		runs[node] = nodeRuns.length;
		for (const run of nodeRuns) ms += (run as { executionTime?: number }).executionTime ?? 0;
	}
	return { ms, runs };
}

async function slotTime(): Promise<void> {
	const jobMs = option('seconds', 600) * 1000;
	requireBuiltPackage(ROOT);
	await ensureN8nInstall();

	const sim = await ScenarioSimulator.start({ jobDurationMs: jobMs });
	// JSON logs carry a timestamp on every line (the text format prints the message only).
	const cluster = await startQueueCluster({
		packageDir: ROOT,
		extraEnv: { N8N_LOG_FORMAT: 'json' },
	});
	try {
		// The node's own Timeout must outlast the job.
		const before = longJobInNode(Math.ceil(jobMs / 1000) + 600);
		const after = longJobExample();
		await cluster.importAndPublish([before, after], [simulatorCredential(sim)]);
		await cluster.startMain();
		const worker = await cluster.startWorker(WORKER_CONCURRENCY);
		console.log(
			`queue mode, slot time: one job of D = ${jobMs / 1000} s followed in Custom Generate, one through the Check Once loop, at once on one worker`,
		);
		for (const path of ['queue-long-in-node', 'queue-long-job']) {
			const answer = await cluster.webhook(path, {});
			if (answer.status !== 200) throw new Error(`${path}: ${JSON.stringify(answer.body)}`);
		}
		const deadline = Date.now() + 2 * jobMs + 15 * 60_000;
		const rows = async () => [
			...(await cluster.executions(before.id)),
			...(await cluster.executions(after.id)),
		];
		for (;;) {
			const all = await rows();
			if (all.length === 2 && all.every((r) => !['new', 'running', 'waiting'].includes(r.status)))
				break;
			if (Date.now() > deadline) throw new Error(`not finished in time: ${JSON.stringify(all)}`);
			await new Promise((resolve) => setTimeout(resolve, 2_000));
		}

		const measure = async (workflowId: string, startNode: string) => {
			const [row] = await cluster.executions(workflowId);
			const stored = await cluster.executionData(row.id);
			if (!stored) throw new Error(`execution ${row.id}: no data`);
			const runData = stored.resultData.runData as Record<string, unknown[]>;
			const jobId = stored.resultData.runData[startNode][0].data!.main[0]![0].json.jobId as string;
			const job = sim.jobs.get(jobId)!;
			const stretches = workerStretches(worker.output(), row.id);
			const nodes = nodeTimes(runData);
			const times = JSON.parse(
				await cluster.pg.query(
					`select json_build_object('createdAt', extract(epoch from "createdAt") * 1000,
					'stoppedAt', extract(epoch from "stoppedAt") * 1000)
					from execution_entity where id = ${Number(row.id)}`,
				),
			) as { createdAt: number; stoppedAt: number };
			const ms = (value: number) => Math.round(value);
			return {
				executionId: row.id,
				status: row.status,
				workerSlotMs: ms(stretches.reduce((sum, [start, end]) => sum + end - start, 0)),
				workerStretchesMs: stretches.map(([start, end]) => ms(end - start)),
				nodesExecutionTimeMs: ms(nodes.ms),
				nodeRuns: nodes.runs,
				resumes: stretches.length - 1,
				checks: sim.calls('GET', `/jobs/${jobId}`).length,
				wallMs: ms(times.stoppedAt - times.createdAt),
				jobRanMs: ms((job.doneAt ?? Number.NaN) - job.createdAt),
				executionEndedAfterJobMs: ms(times.stoppedAt - (job.doneAt ?? Number.NaN)),
				jobStatus: job.status,
			};
		};
		const result = {
			...runHeader(cluster.mainEnv.version),
			jobMs,
			workerConcurrency: WORKER_CONCURRENCY,
			before_followInNode: await measure(before.id, 'Start Video'),
			after_checkOnceLoop: await measure(after.id, 'Start Video'),
			jobsSubmitted: sim.calls('POST', '/generate/custom/').length,
		};
		writeResult('queue-slot-time.json', result);
	} finally {
		await cluster.stop();
		await sim.close();
	}
}

function spread(values: number[]): { min: number; median: number; max: number } {
	const sorted = [...values].sort((a, b) => a - b);
	return {
		min: Math.round(sorted[0]),
		median: Math.round(sorted[Math.floor(sorted.length / 2)]),
		max: Math.round(sorted[sorted.length - 1]),
	};
}

/** Rows of n8n's binary_data table, their bytes (fileSize) and the table's size on disk. */
async function storedBinaries(
	cluster: QueueCluster,
): Promise<{ rows: number; bytes: number; tableBytes: number }> {
	return JSON.parse(
		await cluster.pg.query(
			`select json_build_object('rows', count(*), 'bytes', coalesce(sum("fileSize"), 0),
			'tableBytes', pg_total_relation_size('binary_data')) from binary_data`,
		),
	) as { rows: number; bytes: number; tableBytes: number };
}

/** When, on what and against which n8n a run was measured. */
function runHeader(n8nVersion: string) {
	const load = os
		.loadavg()
		.map((l) => l.toFixed(2))
		.join(' / ');
	return {
		date: new Date().toISOString(),
		commit: git('git rev-parse --short HEAD'),
		machine: `${os.availableParallelism()} CPUs (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}; load ${load}`,
		n8n: n8nVersion,
	};
}

/** Prints a run's figures and keeps them in bench/results/<file>. */
function writeResult(file: string, result: object): void {
	console.log(JSON.stringify(result, null, 2));
	mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
	writeFileSync(join(ROOT, 'bench', 'results', file), JSON.stringify(result, null, 2) + '\n');
}

function git(command: string): string {
	try {
		return execSync(command, { cwd: ROOT, encoding: 'utf8' }).trim();
	} catch {
		return 'unknown';
	}
}

(process.argv.includes('--slot-time') ? slotTime() : throughput()).catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
