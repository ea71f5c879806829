import { TestItemsSource } from '../harness';
import { resetBudgets, setBudgetWindow } from '../../nodes/shared/transport/request-budget';
import { ScenarioSimulator } from '../simulator/server';
import {
	TYPES,
	credentialTypes,
	credentialsFor,
	mapped,
	modelById,
	nodeTypes,
	runScenarioNode,
	runWorkflow,
} from '../support/scenario-nodes';

let sim: ScenarioSimulator;
beforeAll(async () => {
	sim = await ScenarioSimulator.start({ jobDurationMs: 600 });
});
afterEach(() => {
	sim.reset();
	resetBudgets();
	setBudgetWindow(50); // test/setup/budget-clock.ts
});
afterAll(async () => await sim.close());

const individualChecks = (jobId: string) => sim.calls('GET', `/jobs/${jobId}`).length;
const listReads = () => sim.calls('GET', /^\/jobs$/);
const refusals = () => sim.log.filter((e) => e.origin === 'api' && e.status === 429);

/** Items with their image, each from its own job, no prompt submitted twice. */
function expectEveryItemOnce(items: Array<{ json: Record<string, unknown> }>, count: number) {
	expect(items).toHaveLength(count);
	for (const item of items) {
		expect(item.json.error).toBeUndefined();
		expect(item.json.status).toBe('success');
		expect(item.json.assetId).toMatch(/^asset_/);
	}
	// No job submitted twice: one job per prompt (refused submissions created none).
	const prompts = [...sim.jobs.values()].map((job) => String(job.input.prompt));
	expect(new Set(prompts).size).toBe(prompts.length);
	expect(new Set(items.map((i) => i.json.jobId)).size).toBe(count);
}

const generate = (count: number, tag: string, options: Record<string, unknown> = {}) => ({
	type: 'customGenerate' as const,
	parameters: {
		model: modelById('model_openai-gpt-image-2'),
		inputs: mapped({ prompt: `={{ "${tag} " + $json.n }}` }),
		options: { maxConcurrentJobs: 100, ...options },
	},
	items: Array.from({ length: count }, (_, n) => ({ json: { n } })),
});

describe('request budget, job list and bulk assets, through n8n-core', () => {
	it('follows many jobs through the job list and looks their assets up in bulk', async () => {
		const result = await runScenarioNode(sim, generate(12, 'listed'));
		expect(result.error).toBeUndefined();
		expectEveryItemOnce(result.items, 12);
		expect(listReads().length).toBeGreaterThan(0);
		for (const job of sim.jobs.values()) expect(individualChecks(job.jobId)).toBe(0);
		expect(sim.calls('POST', '/assets/get-bulk').length).toBeGreaterThan(0);
		expect(sim.calls('GET', /^\/assets\/asset_/)).toHaveLength(0);
		// One submission a job, plus a few shared reads.
		const api = sim.log.filter((e) => e.origin === 'api').length;
		expect(api).toBeLessThan(12 * 1.5);
	});

	it('checks on its own every job the list does not show', async () => {
		sim.hideNextJobsFromList(3);
		const result = await runScenarioNode(sim, generate(8, 'hidden'));
		expect(result.error).toBeUndefined();
		expectEveryItemOnce(result.items, 8);
		const hidden = [...sim.jobs.values()].filter((job) => individualChecks(job.jobId) > 0);
		expect(hidden).toHaveLength(3);
		// The list still served the others.
		expect(listReads().length).toBeGreaterThan(0);
	});

	it('falls back to each job’s own check when a list page fails', async () => {
		sim.inject({ method: 'GET', path: /^\/jobs$/, fault: { kind: 'status', status: 500 } });
		const result = await runScenarioNode(sim, generate(6, 'list down'));
		expect(result.error).toBeUndefined();
		expectEveryItemOnce(result.items, 6);
		for (const job of sim.jobs.values()) expect(individualChecks(job.jobId)).toBeGreaterThan(0);
	});

	it('falls back to one asset at a time when the bulk lookup is refused', async () => {
		sim.inject({
			method: 'POST',
			path: '/assets/get-bulk',
			fault: { kind: 'status', status: 404 },
		});
		const result = await runScenarioNode(sim, generate(5, 'no bulk'));
		expect(result.error).toBeUndefined();
		expectEveryItemOnce(result.items, 5);
		expect(sim.calls('GET', /^\/assets\/asset_/)).toHaveLength(5);
	});

	it('shares one budget between two nodes of an execution: no 429 from the project budget', async () => {
		// 30 requests per 2 s for the project; both nodes told the same. Each node alone needs
		// about 12 submissions and a few reads: together they need more than one window.
		setBudgetWindow(2_000);
		sim.setRequestBudget({ requests: 30, windowMs: 2_000 });
		const node = (id: string, name: string, tag: string, x: number) => ({
			id,
			name,
			type: TYPES.customGenerate,
			typeVersion: 1,
			position: [x, 0] as [number, number],
			parameters: {
				model: modelById('model_openai-gpt-image-2'),
				inputs: mapped({ prompt: `={{ "${tag} " + $itemIndex }}` }),
				options: { maxConcurrentJobs: 100, requestsPerMinute: 30, downloadImages: false },
			},
			credentials: { scenarioApi: { id: '1', name: 'Scenario' } },
		});
		const result = await runWorkflow({
			nodeTypes: {
				...nodeTypes,
				'test.itemsSource': new TestItemsSource(
					Array.from({ length: 12 }, (_, n) => ({ json: { n } })),
				),
			},
			credentialTypes,
			credentials: credentialsFor(sim),
			nodes: [
				{
					id: 's',
					name: 'Source',
					type: 'test.itemsSource',
					typeVersion: 1,
					position: [0, 0],
					parameters: {},
				},
				node('a', 'First', 'first', 200),
				node('b', 'Second', 'second', 400),
			],
			connections: {
				Source: { main: [[{ node: 'First', type: 'main', index: 0 }]] },
				First: { main: [[{ node: 'Second', type: 'main', index: 0 }]] },
			},
		});
		expect(result.error).toBeUndefined();
		const second = result.output('Second');
		expectEveryItemOnce(second, 12);
		expect(result.output('First')).toHaveLength(12);
		expect(sim.jobs.size).toBe(24);
		expect(refusals()).toHaveLength(0);
	});

	it('rides out a storm of 429s with remainingSeconds: every item once, no job twice', async () => {
		sim.inject({
			path: '/',
			every: 2,
			times: 30,
			fault: { kind: 'cooldown', remainingSeconds: 0.3 },
		});
		const result = await runScenarioNode(sim, generate(10, 'storm'));
		expect(result.error).toBeUndefined();
		expectEveryItemOnce(result.items, 10);
		expect(sim.jobs.size).toBe(10);
		expect(refusals().length).toBeGreaterThan(10);
	});

	it('the simulator’s project budget answers 429 with remainingSeconds past its figure', async () => {
		sim.setRequestBudget({ requests: 2, windowMs: 1_000 });
		const get = async () =>
			await fetch(`${sim.baseUrl}/jobs?pageSize=5`, {
				headers: { authorization: sim.authorization },
			});
		expect((await get()).status).toBe(200);
		expect((await get()).status).toBe(200);
		const refused = await get();
		expect(refused.status).toBe(429);
		const body = (await refused.json()) as { reason: string; remainingSeconds: number };
		expect(body.reason).toBe('cooldown');
		expect(body.remainingSeconds).toBeGreaterThan(0);
		expect(body.remainingSeconds).toBeLessThanOrEqual(1);
	});
});
