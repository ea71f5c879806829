/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { ScenarioSimulator } from '../../simulator/server';
import { ensureN8nInstall, requireBuiltPackage } from '../n8n';
import { startQueueCluster, type QueueCluster, type StoredRun } from './cluster';
import { CREDENTIAL, GENERATE_MODEL, crashWorkflow } from './workflows';

const REPO = resolve(__dirname, '..', '..', '..');
const PREFIX = 'n8n-nodes-scenario';

let sim: ScenarioSimulator;
let cluster: QueueCluster;
let inputs: string;

beforeAll(async () => {
	requireBuiltPackage(REPO);
	await ensureN8nInstall();
	sim = await ScenarioSimulator.start({ jobDurationMs: 20_000 });
	inputs = mkdtempSync(join(tmpdir(), 'scenario-queue-inputs-'));
	copyFileSync(join(REPO, 'examples', 'product.png'), join(inputs, 'product.png'));
	cluster = await startQueueCluster({
		packageDir: REPO,
		extraEnv: {
			N8N_RESTRICT_FILE_ACCESS_TO: inputs,
			EXECUTIONS_DATA_SAVE_ON_PROGRESS: 'true',
			QUEUE_WORKER_LOCK_DURATION: '10000',
			QUEUE_WORKER_LOCK_RENEW_TIME: '5000',
			QUEUE_WORKER_STALLED_INTERVAL: '10000',
		},
	});
	const image = join(inputs, 'product.png');
	await cluster.importAndPublish(
		[crashWorkflow(PREFIX, image, 'followInNode'), crashWorkflow(PREFIX, image, 'splitWait')],
		[
			{
				...CREDENTIAL.scenarioApi,
				type: 'scenarioApi',
				data: { apiKey: sim.apiKey, apiSecret: sim.apiSecret, baseUrl: sim.baseUrl, projectId: '' },
			},
		],
	);
	await cluster.startMain();
}, 30 * 60_000);

afterAll(async () => {
	await cluster?.stop();
	await sim?.close();
	if (inputs) rmSync(inputs, { recursive: true, force: true });
});

const generationJobs = () => [...sim.jobs.values()].filter((job) => job.modelId === GENERATE_MODEL);

async function until<T>(
	what: string,
	probe: () => Promise<T | undefined> | T | undefined,
	ms = 180_000,
) {
	const deadline = Date.now() + ms;
	for (;;) {
		const value = await probe();
		if (value !== undefined && value !== false) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await sleep(250);
	}
}

interface Crashed {
	workflowId: string;
	answer: Promise<{ status: number; body: unknown }>;
	prompt: string;
}

/**
 * The worker is killed while a node runs: Custom Generate following its job (Wait for Completion
 * on), or Wait for Job following the job an earlier Custom Generate submitted (its output already
 * saved as execution progress). Both executions run on one worker, killed once.
 */
describe('a worker killed while a node runs', () => {
	const GENERATE = `/generate/custom/${GENERATE_MODEL}`;
	const runs: Crashed[] = [
		{ workflowId: 'wfQueueCrashIn01', prompt: 'follow in node', answer: undefined as never },
		{ workflowId: 'wfQueueCrashWait', prompt: 'split wait', answer: undefined as never },
	];
	const paths: Record<string, string> = {
		wfQueueCrashIn01: 'queue-crash-in-node',
		wfQueueCrashWait: 'queue-crash-wait',
	};
	const progressBeforeKill: Record<string, StoredRun | undefined> = {};

	beforeAll(async () => {
		const worker = await cluster.startWorker(10);
		for (const run of runs)
			run.answer = cluster.webhook(paths[run.workflowId], { prompt: run.prompt });
		// Both jobs submitted, and each node following its job (GET /jobs/<id>).
		await until('both nodes following their jobs', () => {
			const jobs = generationJobs();
			return jobs.length === 2 &&
				jobs.every((job) => sim.calls('GET', `/jobs/${job.jobId}`).length > 0)
				? true
				: undefined;
		});
		for (const run of runs) {
			const [execution] = await cluster.executions(run.workflowId);
			progressBeforeKill[run.workflowId] = await cluster.executionData(execution.id);
		}
		await cluster.kill(worker);
		// The job n8n gave the dead worker is failed by the next worker's stalled-job check.
		await cluster.startWorker(10);
	}, 10 * 60_000);

	it('n8n fails each execution and answers the webhook with 500', async () => {
		for (const run of runs) {
			expect((await run.answer).status).toBe(500);
			const [execution, ...more] = await cluster.executions(run.workflowId);
			expect(more).toEqual([]);
			expect(execution).toMatchObject({ status: 'error', mode: 'webhook', finished: false });
			const stored = await cluster.executionData(execution.id);
			expect(stored?.resultData.error?.message).toMatch(
				/failed to be processed too many times and will no longer retry/,
			);
		}
	});

	it('the progress saved before the kill held the job id; main replaced it with an empty run', async () => {
		const split = progressBeforeKill.wfQueueCrashWait!;
		const [started] = split.resultData.runData.Generate[0].data!.main[0];
		expect(started.json.jobId).toMatch(/^job_/);
		expect(split.executionData?.nodeExecutionStack.map((s) => s.node.name)).toEqual([
			'Wait for Job',
		]);
		for (const run of runs) {
			const [execution] = await cluster.executions(run.workflowId);
			const stored = await cluster.executionData(execution.id);
			expect(stored?.resultData.runData).toEqual({});
			expect(stored?.executionData?.nodeExecutionStack).toEqual([]);
		}
	});

	it("n8n's retry of the failed execution re-runs no node: 0 duplicate jobs, and the images never reach n8n", async () => {
		for (const run of runs) {
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
		for (const run of runs) {
			for (const execution of await cluster.executions(run.workflowId)) {
				const stored = await cluster.executionData(execution.id);
				for (const nodeRun of stored?.resultData.runData['Images Out'] ?? [])
					itemsOut += nodeRun.data?.main[0]?.length ?? 0;
			}
		}
		const figures = {
			executions: runs.length,
			jobsSubmitted: sim.calls('POST', GENERATE).length,
			duplicates: sim.calls('POST', GENERATE).length - runs.length,
			itemsOut,
			itemsLost: runs.length * 2 - itemsOut,
		};
		console.log(`crash while a node runs: ${JSON.stringify(figures)}`);
		expect(figures).toEqual({
			executions: 2,
			jobsSubmitted: 2,
			duplicates: 0,
			itemsOut: 0,
			itemsLost: 4,
		});
	});
});
