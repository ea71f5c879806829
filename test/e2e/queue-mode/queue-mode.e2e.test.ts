/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * n8n's queue mode (real n8n 2.40.7): PostgreSQL + Redis started by the test, `n8n start` (main)
 * and a separate `n8n worker` with its own user folder and its own copy of the package (installed
 * as users install it, a community package), binary data in the database (n8n's queue-mode
 * default). An active Webhook workflow runs several executions at once on the worker.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { ScenarioSimulator } from '../../simulator/server';
import { sniffImage } from '../../simulator/png';
import { ensureN8nInstall, requireBuiltPackage } from '../n8n';
import { startQueueCluster, type QueueCluster } from './cluster';
import { expectStoredBytes } from './stored-bytes';
import { CREDENTIAL, EDIT_MODEL, GENERATE_MODEL, generateAndEditWorkflow } from './workflows';
import { credentialsFor } from '../../support/scenario-nodes';

const REPO = resolve(__dirname, '..', '..', '..');
const PREFIX = 'n8n-nodes-scenario';

let sim: ScenarioSimulator;
let cluster: QueueCluster;
let inputs: string;

beforeAll(async () => {
	requireBuiltPackage(REPO);
	await ensureN8nInstall();
	sim = await ScenarioSimulator.start({ jobDurationMs: 3_000 });
	inputs = mkdtempSync(join(tmpdir(), 'scenario-queue-inputs-'));
	copyFileSync(join(REPO, 'examples', 'product.png'), join(inputs, 'product.png'));
	cluster = await startQueueCluster({
		packageDir: REPO,
		extraEnv: { N8N_RESTRICT_FILE_ACCESS_TO: inputs },
	});
	await cluster.importAndPublish(
		[generateAndEditWorkflow(PREFIX, join(inputs, 'product.png'))],
		[
			{
				...CREDENTIAL.scenarioApi,
				type: 'scenarioApi',
				data: credentialsFor(sim).scenarioApi,
			},
		],
	);
	await cluster.startMain();
	await cluster.startWorker(10);
}, 30 * 60_000);

afterAll(async () => {
	await cluster?.stop();
	await sim?.close();
	if (inputs) rmSync(inputs, { recursive: true, force: true });
}, 120_000);

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

interface AnswerItem {
	png: string;
	sha256: string;
	jobId: string;
	assetId: string;
	[key: string]: unknown;
}

it(
	'runs several webhook executions at once on the worker: image in, Custom Generate, Prompt Edit on each output, images out',
	async () => {
		const prompts = ['a red mug', 'a blue mug', 'a green mug', 'a yellow mug'];
		const answers = await Promise.all(
			prompts.map((prompt) => cluster.webhook('queue-generate-edit', { prompt })),
		);
		for (const answer of answers) expect(answer.status).toBe(200);

		const generations = sim.calls('POST', `/generate/custom/${GENERATE_MODEL}`);
		expect(generations.map((c) => (c.body as { prompt: string }).prompt).sort()).toEqual(
			[...prompts].sort(),
		);
		// Prompt Edit on each output: every edit was given one generated image (uploaded again from
		// n8n's binary data: same bytes), and every generated image went to one edit.
		const generationJobs = [...sim.jobs.values()].filter((job) => job.modelId === GENERATE_MODEL);
		const generated = generationJobs.flatMap((job) => job.assetIds);
		expect(generated).toHaveLength(prompts.length * 2);
		const generatedByBytes = new Map(
			generated.map((id) => [sha256(sim.assets.get(id)!.bytes), id]),
		);
		expect(generatedByBytes.size).toBe(generated.length); // distinct images: bytes tell which
		const edits = sim.calls('POST', `/generate/custom/${EDIT_MODEL}`);
		const editedImages = edits.map((call) => {
			const given = Object.values(call.body as Record<string, unknown>)
				.flat()
				.filter((value): value is string => typeof value === 'string' && sim.assets.has(value));
			expect(given).toHaveLength(1);
			return generatedByBytes.get(sha256(sim.assets.get(given[0])!.bytes));
		});
		expect(editedImages.sort()).toEqual([...generated].sort());

		for (const answer of answers) {
			const items = answer.body as AnswerItem[];
			expect(items).toHaveLength(2);
			for (const item of items) {
				const bytes = Buffer.from(item.png, 'base64');
				expect(sniffImage(bytes)?.mimeType).toBe('image/png');
				expect(item.sha256).toBe(sha256(bytes));
				// The very bytes of the simulator's edited asset.
				expect(sim.assets.get(item.assetId)?.bytes.equals(bytes)).toBe(true);
			}
		}
		// The image read from disk reached every generation.
		const product = readFileSync(join(inputs, 'product.png'));
		for (const call of generations) {
			const [ref] = (call.body as { referenceImages: string[] }).referenceImages;
			expect(sim.assets.get(ref)?.bytes.equals(product)).toBe(true);
		}

		// The worker ran them all, main none, and at once: one moment lies inside all four runs
		// (startedAt to stoppedAt, as n8n stored them).
		const executions = await cluster.executions('wfQueueEdit00001');
		expect(executions).toHaveLength(prompts.length);
		const workerLog = cluster.workers[0].output();
		const mainLog = cluster.main!.output();
		for (const { id, status, mode } of executions) {
			expect({ id, status, mode }).toEqual({ id, status: 'success', mode: 'webhook' });
			expect(workerLog).toContain(`Worker started execution ${id} `);
			expect(mainLog).toContain(`Enqueued execution ${id} `);
		}
		expect(mainLog).not.toContain('Worker started execution');
		const lastStart = Math.max(...executions.map((e) => Date.parse(e.startedAt!)));
		const firstStop = Math.min(...executions.map((e) => Date.parse(e.stoppedAt!)));
		expect(lastStart).toBeLessThan(firstStop);

		// Binary data in the database (n8n's queue-mode default), not on any disk: every image the
		// nodes output is a `database:` binary holding the simulator's bytes.
		let outputs = 0;
		for (const { id } of executions) {
			const { runData } = (await cluster.executionData(id))!.resultData;
			for (const node of ['Generate', 'Prompt Edit']) {
				for (const item of runData[node][0].data!.main[0]!) {
					await expectStoredBytes(cluster, sim, item);
					outputs++;
				}
			}
		}
		expect(outputs).toBe(prompts.length * 4);
		// Main and the worker (where the nodes ran) stayed on loopback.
		expect(cluster.envs).toHaveLength(2);
		expect(cluster.guardViolations()).toEqual([]);
	},
	10 * 60_000,
);
