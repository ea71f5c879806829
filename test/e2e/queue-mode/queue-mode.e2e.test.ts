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
import { CREDENTIAL, EDIT_MODEL, GENERATE_MODEL, generateAndEditWorkflow } from './workflows';

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
		extraEnv: { N8N_RESTRICT_FILE_ACCESS_TO: inputs, EXECUTIONS_DATA_SAVE_ON_PROGRESS: 'true' },
	});
	await cluster.importAndPublish(
		[generateAndEditWorkflow(PREFIX, join(inputs, 'product.png'))],
		[
			{
				...CREDENTIAL.scenarioApi,
				type: 'scenarioApi',
				data: { apiKey: sim.apiKey, apiSecret: sim.apiSecret, baseUrl: sim.baseUrl, projectId: '' },
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
});

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
		const edits = sim.calls('POST', `/generate/custom/${EDIT_MODEL}`);
		expect(edits).toHaveLength(prompts.length * 2);

		for (const answer of answers) {
			const items = answer.body as AnswerItem[];
			expect(items).toHaveLength(2);
			for (const item of items) {
				const bytes = Buffer.from(item.png, 'base64');
				expect(sniffImage(bytes)?.mimeType).toBe('image/png');
				expect(item.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
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

		// The worker ran them all, main none; they overlapped (every generation was submitted before
		// the first one's job had finished).
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
		const generationJobs = [...sim.jobs.values()].filter((job) => job.modelId === GENERATE_MODEL);
		const firstPlannedEnd = Math.min(
			...generationJobs.map((job) => job.createdAt + job.durationMs),
		);
		expect(Math.max(...generationJobs.map((job) => job.createdAt))).toBeLessThan(firstPlannedEnd);

		// Binary data in the database (n8n's queue-mode default), not on any disk.
		const stored = Number(await cluster.pg.query('select count(*) from binary_data'));
		expect(stored).toBeGreaterThan(0);
		expect(cluster.mainEnv.guardViolations()).toEqual([]);
	},
	10 * 60_000,
);
