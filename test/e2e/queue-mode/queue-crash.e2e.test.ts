/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports, no-console -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * A worker dies (SIGKILL, its task runner included) in n8n's queue mode (real n8n 2.40.7,
 * PostgreSQL, Redis, main and worker with their own user folders, binary data in the database).
 * One kill, three executions in flight on that worker:
 * (a) the long-job example (examples/long-job-check-once-wait-loop.json, Webhook-started): a
 *     one-minute video job, checked once by Wait for Job, the execution parked by n8n's Wait node
 *     (status `waiting`) when the worker dies. A new worker resumes it: same execution, right
 *     outputs, one job.
 * (b) two executions whose node is running when the worker dies (Custom Generate following its
 *     job; Wait for Job following a job a saved Custom Generate submitted). n8n fails them, and
 *     what n8n's retry does with them is shown as it is; then the recovery that does collect
 *     their jobs (the job ids the nodes logged on the dead worker, `Scenario job job_… submitted
 *     (…)`, handed to Wait for Job).
 * Every count comes from the simulator's request log: jobs submitted, duplicates, items out.
 *
 * The Bull lock lasts 20 s (renewed every 5 s) and the stalled-job check runs every 10 s here
 * (n8n's defaults: 60 s, 10 s, 30 s) so that the new worker finds the dead one's job sooner, with
 * room left for a busy live worker to renew its own locks in time.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { ScenarioSimulator } from '../../simulator/server';
import { ensureN8nInstall, requireBuiltPackage, type N8nServer } from '../n8n';
import { startQueueCluster, type ExecutionRow, type QueueCluster, type StoredRun } from './cluster';
import { expectStoredBytes } from './stored-bytes';
import {
	CREDENTIAL,
	GENERATE_MODEL,
	crashWorkflow,
	longJobExample,
	recoveryWorkflow,
} from './workflows';
import { credentialsFor } from '../../support/scenario-nodes';

const REPO = resolve(__dirname, '..', '..', '..');
const PREFIX = 'n8n-nodes-scenario';
const VIDEO_MODEL = 'model_bytedance-seedance-2-0-mini';
const LONG_JOB_MS = 60_000;
const NODE_JOB_MS = 20_000;
const GENERATE = `/generate/custom/${GENERATE_MODEL}`;
/** For tests that wait on n8n's stalled-job check, retries and recovery (`until` allows 180 s). */
const RECOVERY_TIMEOUT_MS = 5 * 60_000;

let sim: ScenarioSimulator;
let cluster: QueueCluster;
let inputs: string;
let killedWorker: N8nServer;
let newWorker: N8nServer;
const longJob = longJobExample();
/** The long-job execution as it was when the worker died. */
let parked: ExecutionRow;

interface Crashed {
	workflowId: string;
	path: string;
	prompt: string;
	answer?: Promise<{ status: number; body: unknown }>;
	/** Its saved progress when the worker died. */
	progress?: StoredRun;
}
const running: Crashed[] = [
	{ workflowId: 'wfQueueCrashIn01', path: 'queue-crash-in-node', prompt: 'follow in node' },
	{ workflowId: 'wfQueueCrashWait', path: 'queue-crash-wait', prompt: 'split wait' },
];

beforeAll(async () => {
	requireBuiltPackage(REPO);
	await ensureN8nInstall();
	sim = await ScenarioSimulator.start({ jobDurationMs: LONG_JOB_MS });
	inputs = mkdtempSync(join(tmpdir(), 'scenario-queue-inputs-'));
	copyFileSync(join(REPO, 'examples', 'product.png'), join(inputs, 'product.png'));
	cluster = await startQueueCluster({
		packageDir: REPO,
		extraEnv: {
			N8N_RESTRICT_FILE_ACCESS_TO: inputs,
			QUEUE_WORKER_LOCK_DURATION: '20000',
			QUEUE_WORKER_LOCK_RENEW_TIME: '5000',
			QUEUE_WORKER_STALLED_INTERVAL: '10000',
		},
	});
	const image = join(inputs, 'product.png');
	await cluster.importAndPublish(
		[
			longJob,
			crashWorkflow(PREFIX, image, 'followInNode'),
			crashWorkflow(PREFIX, image, 'splitWait'),
			recoveryWorkflow(PREFIX),
		],
		[
			{
				...CREDENTIAL.scenarioApi,
				type: 'scenarioApi',
				data: credentialsFor(sim).scenarioApi,
			},
		],
	);
	await cluster.startMain();
	killedWorker = await cluster.startWorker(10);

	// (a) The long job: submitted, checked once, the execution parked by the Wait node.
	expect((await cluster.webhook('queue-long-job', {})).status).toBe(200);
	[parked] = await until('the long-job execution to be parked', async () => {
		const rows = await cluster.executions(longJob.id);
		return rows[0]?.status === 'waiting' ? rows : undefined;
	});
	const parkedAt = Date.now();

	// (b) Two executions whose node is following its job.
	sim.setJobDuration(NODE_JOB_MS);
	for (const run of running) run.answer = cluster.webhook(run.path, { prompt: run.prompt });
	await until('both nodes following their jobs', () => {
		const jobs = generationJobs();
		return jobs.length === 2 &&
			jobs.every((job) => sim.calls('GET', `/jobs/${job.jobId}`).length > 0)
			? true
			: undefined;
	});
	for (const run of running) {
		const [execution] = await cluster.executions(run.workflowId);
		run.progress = await cluster.executionData(execution.id);
	}

	// Still parked: had the setup outlasted the Wait node's wait, main would have handed the
	// execution back to this very worker, and the kill would hit it running instead.
	const [beforeKill] = await cluster.executions(longJob.id);
	if (beforeKill?.status !== 'waiting') {
		throw new Error(
			`the long-job execution is "${beforeKill?.status}", not "waiting", just before the kill: ` +
				`the setup took ${Math.round((Date.now() - parkedAt) / 1000)} s, longer than the Wait node's wait`,
		);
	}
	console.log(`setup from parking to the kill: ${((Date.now() - parkedAt) / 1000).toFixed(1)} s`);
	await cluster.kill(killedWorker);
	// The dead worker's Bull jobs are failed by the next worker's stalled-job check.
	newWorker = await cluster.startWorker(10);
}, 30 * 60_000);

afterAll(async () => {
	await cluster?.stop();
	await sim?.close();
	if (inputs) rmSync(inputs, { recursive: true, force: true });
}, 120_000);

const generationJobs = () => [...sim.jobs.values()].filter((job) => job.modelId === GENERATE_MODEL);

async function until<T>(
	what: string,
	probe: () => Promise<T | undefined> | T | undefined,
	ms = 180_000,
): Promise<T> {
	const deadline = Date.now() + ms;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await sleep(250);
	}
}

describe('a worker killed while the execution waits (Check Once, looped through n8n’s Wait node)', () => {
	let finished: ExecutionRow;
	let stored: StoredRun;
	beforeAll(async () => {
		// The Wait node's 70 s from the first check, then the second check.
		finished = await until(
			'the long-job execution to finish',
			async () => {
				const [row] = await cluster.executions(longJob.id);
				return row.status === 'waiting' || row.status === 'running' || row.status === 'new'
					? undefined
					: row;
			},
			5 * 60_000,
		);
		stored = (await cluster.executionData(finished.id))!;
	}, 6 * 60_000);

	it('was parked in the database, holding no worker, when the worker died', () => {
		expect(parked).toMatchObject({ status: 'waiting', finished: false });
		expect(parked.waitTill).not.toBeNull();
		expect(killedWorker.output()).toContain(`Worker started execution ${parked.id} `);
	});

	it('a new worker resumes the same execution, which finishes with the video of the one job', async () => {
		expect(finished).toMatchObject({
			id: parked.id,
			status: 'success',
			finished: true,
			retryOf: null,
		});
		expect(await cluster.executions(longJob.id)).toHaveLength(1);
		expect(newWorker.output()).toContain(`Worker started execution ${parked.id} `);

		const [started] = stored.resultData.runData['Start Video'][0].data!.main[0]!;
		const checks = stored.resultData.runData['Check Video'];
		expect(checks).toHaveLength(2);
		// First check: Still Running (output 1), nothing on Done.
		const [stillRunning] = checks[0].data!.main[1]!;
		expect(checks[0].data!.main[0] ?? []).toEqual([]);
		expect(stillRunning.json).toMatchObject({
			jobId: started.json.jobId,
			modelId: VIDEO_MODEL,
			checks: 1,
			suggestedWaitSeconds: expect.any(Number),
		});
		expect(stillRunning.json.suggestedWaitSeconds as number).toBeGreaterThan(65);
		// Second check (after the kill, on the new worker): Done with the job's output.
		const done = checks[1].data!.main[0]!;
		expect(checks[1].data!.main[1] ?? []).toEqual([]);
		const job = sim.jobs.get(started.json.jobId as string)!;
		expect(done.map((item) => item.json.assetId)).toEqual(job.assetIds);
		for (const item of done) await expectStoredBytes(cluster, sim, item);
	});

	it('figures: 1 execution, 1 job submitted, 0 duplicates, every item out', () => {
		const jobsSubmitted = sim.calls('POST', `/generate/custom/${VIDEO_MODEL}`).length;
		const job = [...sim.jobs.values()].find((j) => j.modelId === VIDEO_MODEL)!;
		const itemsOut = stored.resultData.runData['Check Video'][1].data!.main[0]!.length;
		const figures = {
			executions: 1,
			jobsSubmitted,
			duplicates: jobsSubmitted - 1,
			itemsOut,
			itemsLost: job.assetIds.length - itemsOut,
		};
		console.log(`crash while parked: ${JSON.stringify(figures)}`);
		expect(figures).toEqual({
			executions: 1,
			jobsSubmitted: 1,
			duplicates: 0,
			itemsOut: 1,
			itemsLost: 0,
		});
	});
});

/**
 * The worker is killed while a node runs: Custom Generate following its job (Wait for Completion
 * on), or Wait for Job following the job an earlier Custom Generate submitted (its output already
 * saved as execution progress).
 */
describe('a worker killed while a node runs', () => {
	it(
		'n8n fails each execution and answers the webhook with 500',
		async () => {
			for (const run of running) {
				expect((await run.answer!).status).toBe(500);
				const [execution, ...more] = await cluster.executions(run.workflowId);
				expect(more).toEqual([]);
				expect(execution).toMatchObject({ status: 'error', mode: 'webhook', finished: false });
				const stored = await cluster.executionData(execution.id);
				expect(stored?.resultData.error?.message).toMatch(
					/failed to be processed too many times and will no longer retry/,
				);
			}
		},
		RECOVERY_TIMEOUT_MS,
	);

	it('the progress saved before the kill held the job id; main replaced it with an empty run', async () => {
		const split = running.find((run) => run.workflowId === 'wfQueueCrashWait')!.progress!;
		const [started] = split.resultData.runData.Generate[0].data!.main[0]!;
		expect(started.json.jobId).toMatch(/^job_/);
		expect(split.executionData?.nodeExecutionStack.map((s) => s.node.name)).toEqual([
			'Wait for Job',
		]);
		for (const run of running) {
			const [execution] = await cluster.executions(run.workflowId);
			const stored = await cluster.executionData(execution.id);
			expect(stored?.resultData.runData).toEqual({});
			expect(stored?.executionData?.nodeExecutionStack).toEqual([]);
		}
	});

	it(
		"n8n's retry of the failed execution re-runs no node: 0 duplicate jobs, and the images never reach n8n",
		async () => {
			for (const run of running) {
				const [execution] = await cluster.executions(run.workflowId);
				const retried = await cluster.main!.rest.post<{ id: string; status: string; mode: string }>(
					`/executions/${execution.id}/retry`,
					{ loadWorkflow: false },
				);
				expect(retried).toMatchObject({ mode: 'retry', status: 'error' });
				const retry = await cluster.executionData(retried.id);
				expect(retry?.resultData.runData).toEqual({});
			}
			// The jobs ran on and finished (and were paid for) on Scenario.
			await until('the jobs to finish on the simulator', () =>
				generationJobs().every((job) => job.status === 'success') ? true : undefined,
			);
			let itemsOut = 0;
			for (const run of running) {
				for (const execution of await cluster.executions(run.workflowId)) {
					const stored = await cluster.executionData(execution.id);
					for (const nodeRun of stored?.resultData.runData['Images Out'] ?? [])
						itemsOut += nodeRun.data?.main[0]?.length ?? 0;
				}
			}
			const figures = {
				executions: running.length,
				jobsSubmitted: sim.calls('POST', GENERATE).length,
				duplicates: sim.calls('POST', GENERATE).length - running.length,
				itemsOut,
				itemsLost: running.length * 2 - itemsOut,
			};
			console.log(`crash while a node runs: ${JSON.stringify(figures)}`);
			expect(figures).toEqual({
				executions: 2,
				jobsSubmitted: 2,
				duplicates: 0,
				itemsOut: 0,
				itemsLost: 4,
			});
		},
		RECOVERY_TIMEOUT_MS,
	);

	it(
		"what the user can do: hand the jobs, as the dead worker's log names them, to Wait for Job — the same jobs come out, none submitted again",
		async () => {
			const before = sim.calls('POST', GENERATE).length;
			// The nodes log each job they submit; the killed worker's log names every paid job.
			const logged = [
				...killedWorker.output().matchAll(/Scenario job (job_[A-Za-z0-9]+) submitted/g),
			]
				.map((match) => match[1])
				.filter((jobId) => sim.jobs.get(jobId)?.modelId === GENERATE_MODEL);
			expect(new Set(logged)).toEqual(new Set(generationJobs().map((job) => job.jobId)));
			const jobs = [...new Set(logged)].map((jobId) => ({ jobId }));
			const answer = await cluster.webhook('queue-recover', { jobs });
			expect(answer.status).toBe(200);
			const items = answer.body as Array<{ jobId: string; assetId: string; png: string }>;
			expect(items).toHaveLength(running.length * 2);
			for (const item of items) {
				const job = sim.jobs.get(item.jobId)!;
				expect(job.assetIds).toContain(item.assetId);
				expect(sim.assets.get(item.assetId)?.bytes.equals(Buffer.from(item.png, 'base64'))).toBe(
					true,
				);
			}
			const figures = {
				jobsCollected: new Set(items.map((item) => item.jobId)).size,
				newSubmissions: sim.calls('POST', GENERATE).length - before,
				itemsOut: items.length,
			};
			console.log(`recovery through Wait for Job: ${JSON.stringify(figures)}`);
			expect(figures).toEqual({ jobsCollected: 2, newSubmissions: 0, itemsOut: 4 });
		},
		RECOVERY_TIMEOUT_MS,
	);
});

describe('afterwards', () => {
	it('every n8n process (main, the killed worker, the new one) stayed on loopback', () => {
		expect(cluster.envs).toHaveLength(3);
		expect(cluster.guardViolations()).toEqual([]);
	});
});
