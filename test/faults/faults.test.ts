/**
 * Reliability, "Faults": the nodes run through n8n-core's engine against the simulator's fault
 * injection. For every fault: each input item yields exactly one output item (its result, or
 * with Continue On Fail an error item carrying the job id and Scenario's message; without it the
 * node fails with that message), no generation POST is sent twice for one item unless the first
 * got 429, and the run ends within the node's timeout. Every run is also checked for secret
 * leaks and for an Authorization header sent off the API origin (see support.ts).
 */
import { DEADLINE_GRACE_MS } from '../../nodes/shared/transport/request';
import type { FaultRule } from '../simulator/faults';
import type { ScenarioSimulator } from '../simulator/server';
import type { HarnessInputItem } from '../harness';
import {
	imageItem,
	mapped,
	modelById,
	pngImage,
	type ScenarioRun,
} from '../support/scenario-nodes';
import {
	category,
	expectNoDuplicateSubmission,
	expectOnePerInput,
	isErrorItem,
	pairedIndex,
	promptItems,
	run,
	sleep,
	startSimulator,
	type CheckedRun,
} from './support';

const { test } = category('faults');

/** Items per case: several, so one item's trouble is seen not to spill onto the others. */
const N = 3;
/** The node's Timeout option in every case; each run must end before it. */
const TIMEOUT_S = 15;
/** The node's Request Timeout option: a "slow" answer takes longer than this. */
const REQUEST_TIMEOUT_S = 1;
const SLOW_MS = 1_300;
const OPTIONS = { timeoutSeconds: TIMEOUT_S, requestTimeoutSeconds: REQUEST_TIMEOUT_S };

let sim: ScenarioSimulator;
beforeAll(async () => {
	sim = await startSimulator(100);
});
// A run stopped by a failure aborts requests it had in flight; one already on the wire can still
// reach the simulator a moment later. Let those land before the next case's faults are set.
afterEach(async () => {
	await sleep(100);
	sim.reset();
});
afterAll(async () => await sim.close());

// ----- drivers: one way to run N items through a node, so a route gets exercised -----

interface Driver {
	name: string;
	/** Prompts of the N items (the generation POSTs are told apart by them); none for Wait for Job. */
	prompts: (tag: string) => string[];
	/** Builds the run; may create state first (Wait for Job needs jobs). */
	spec: (tag: string) => Promise<ScenarioRun>;
}

const textDriver: Driver = {
	name: 'Custom Generate, text to image',
	prompts: (tag) => promptItems(N, tag).map((item) => String(item.json.prompt)),
	spec: async (tag) => ({
		type: 'customGenerate',
		parameters: {
			model: modelById('model_openai-gpt-image-2'),
			inputs: mapped({ prompt: '={{ $json.prompt }}' }),
			options: OPTIONS,
		},
		items: promptItems(N, tag),
	}),
};

const imageBinary = (tag: string, i: number) => imageItem(`${tag}-${i}`).binary;

const imageDriver: Driver = {
	name: 'Custom Generate, binary image in (inline upload)',
	prompts: textDriver.prompts,
	spec: async (tag) => ({
		type: 'customGenerate',
		parameters: {
			model: modelById('model_flux-kontext-editing'),
			inputs: mapped({ prompt: '={{ $json.prompt }}', referenceImages: 'data' }),
			options: OPTIONS,
		},
		items: promptItems(N, tag, (i) => imageBinary(tag, i)),
	}),
};

/** A real PNG padded past what POST /assets takes (a body under 6 MB), so it goes through POST /uploads + signed PUTs. */
const largePng = (seed: string): Buffer =>
	Buffer.concat([pngImage(seed), Buffer.alloc(4.6 * 1024 * 1024)]);

const largeImageDriver: Driver = {
	name: 'Prompt Edit, large binary (multipart upload)',
	prompts: textDriver.prompts,
	spec: async (tag) => ({
		type: 'promptEdit',
		parameters: {
			image: 'data',
			prompt: '={{ $json.prompt }}',
			model: modelById('model_flux-kontext-editing'),
			inputs: mapped({}),
			options: OPTIONS,
		},
		items: promptItems(N, tag, (i) => ({
			data: { data: largePng(`${tag}-${i}`), mimeType: 'image/png', fileName: `${tag}-${i}.png` },
		})),
	}),
};

const loraImg2ImgDriver: Driver = {
	name: 'Img2Img, a Flux LoRA through its base model',
	prompts: textDriver.prompts,
	spec: async (tag) => ({
		type: 'img2img',
		parameters: {
			image: 'data',
			prompt: '={{ $json.prompt }}',
			strength: 0.5,
			model: modelById('model_YQrES2iPys22nYwh3YhVfMh8'),
			inputs: mapped({ numOutputs: 1 }),
			options: OPTIONS,
		},
		items: promptItems(N, tag, (i) => imageBinary(tag, i)),
	}),
};

/** Starts N jobs (Wait for Completion off), then hands their ids to Scenario Wait for Job. */
async function startJobs(tag: string, count = N): Promise<string[]> {
	const started = await run(sim, {
		type: 'customGenerate',
		parameters: {
			model: modelById('model_openai-gpt-image-2'),
			inputs: mapped({ prompt: '={{ $json.prompt }}' }),
			options: { waitForCompletion: false },
		},
		items: promptItems(count, tag),
	});
	expect(started.error).toBeUndefined();
	const ids = started.items.map((item) => String(item.json.jobId));
	expect(ids).toHaveLength(count);
	sim.log.length = 0;
	return ids;
}

const waitItems = (ids: string[]): HarnessInputItem[] => ids.map((jobId) => ({ json: { jobId } }));
/** Scenario Wait for Job on the items of waitItems, within the suite's timeouts. */
const WAIT_PARAMETERS = {
	jobId: '={{ $json.jobId }}',
	timeoutSeconds: TIMEOUT_S,
	options: { requestTimeoutSeconds: REQUEST_TIMEOUT_S },
};

const waitDriver: Driver = {
	name: 'Wait for Job',
	prompts: () => [],
	spec: async (tag) => ({
		type: 'waitForJob',
		parameters: { ...WAIT_PARAMETERS, downloadImages: true },
		items: waitItems(await startJobs(tag)),
	}),
};

// ----- expectations -----

type Expectation =
	| { outcome: 'recovers' }
	/** One item (the one the fault hit) fails, the others succeed. */
	| { outcome: 'one fails'; message: RegExp; jobId: boolean }
	/** One item per message fails (each message matched by exactly one item), the others succeed. */
	| { outcome: 'some fail'; messages: RegExp[]; jobId: boolean }
	| { outcome: 'all fail'; message: RegExp; jobId: boolean };

interface FaultCase {
	driver: Driver;
	/** Installed after the driver's preparation, right before the run. */
	inject: (sim: ScenarioSimulator) => void;
	expect: Expectation;
	/** Also run without Continue On Fail: the node must fail with the same message. */
	strict?: boolean;
	/** Let the simulator finish delayed answers (a late submission still creates its job) before going on. */
	settle?: boolean;
}

function expectSuccessItem(result: CheckedRun, index: number): void {
	const item = result.items.find((candidate) => pairedIndex(candidate) === index);
	expect(item && isErrorItem(item) ? item.json : 'success').toBe('success');
	expect(item?.json).toMatchObject({
		jobId: expect.stringMatching(/^job_/),
		status: 'success',
		assetId: expect.stringMatching(/^asset_/),
	});
	expect(item?.binary?.data).toBeDefined();
}

function expectErrorItem(
	result: CheckedRun,
	index: number,
	message: RegExp,
	jobId: boolean,
	prompt?: string,
): void {
	const item = result.items.find((candidate) => pairedIndex(candidate) === index);
	expect(item?.json.error).toMatch(message);
	expect(item?.binary).toBeUndefined();
	if (jobId) {
		expect(item?.json.jobId).toMatch(/^job_/);
		expect(String(item?.json.error)).toContain(String(item?.json.jobId));
		const job = sim.jobs.get(String(item?.json.jobId));
		expect(job).toBeDefined();
		// The id is this item's own job, not another's.
		if (prompt !== undefined) expect(job?.input.prompt).toBe(prompt);
	}
}

/** Waits until every logged request has been answered (a slow one is logged on arrival, answered late). */
async function settled(): Promise<void> {
	const deadline = Date.now() + SLOW_MS + 1_000;
	while (sim.log.some((entry) => entry.status === 0) && Date.now() < deadline) await sleep(20);
}

async function runCase(c: FaultCase, tag: string): Promise<void> {
	const spec = await c.driver.spec(tag);
	c.inject(sim);
	const prompts = c.driver.prompts(tag);
	const result = await run(sim, { ...spec, continueOnFail: true });

	expect(result.elapsedMs).toBeLessThan(TIMEOUT_S * 1000);
	expect(result.status).toBe('success');
	expectOnePerInput(result.items, N);
	if (prompts.length) expectNoDuplicateSubmission(sim, prompts);

	const failed = result.items.filter(isErrorItem).map(pairedIndex);
	const { expect: expectation } = c;
	if (expectation.outcome === 'recovers') {
		expect(failed).toEqual([]);
		for (let i = 0; i < N; i++) expectSuccessItem(result, i);
	} else if (expectation.outcome === 'some fail') {
		expect(failed).toHaveLength(expectation.messages.length);
		const texts = result.items.filter(isErrorItem).map((item) => String(item.json.error));
		for (const message of expectation.messages)
			expect({ message, matched: texts.filter((text) => message.test(text)).length }).toEqual({
				message,
				matched: 1,
			});
		for (let i = 0; i < N; i++) {
			if (failed.includes(i)) expectErrorItem(result, i, /./, expectation.jobId, prompts[i]);
			else expectSuccessItem(result, i);
		}
	} else {
		expect(failed).toHaveLength(expectation.outcome === 'all fail' ? N : 1);
		for (let i = 0; i < N; i++) {
			if (failed.includes(i))
				expectErrorItem(result, i, expectation.message, expectation.jobId, prompts[i]);
			else expectSuccessItem(result, i);
		}
	}
	if (c.settle) await settled();

	if (c.strict && expectation.outcome !== 'recovers') {
		sim.reset();
		const strictSpec = await c.driver.spec(`${tag} strict`);
		c.inject(sim);
		const strict = await run(sim, { ...strictSpec, continueOnFail: false });
		expect(strict.elapsedMs).toBeLessThan(TIMEOUT_S * 1000);
		expect(strict.status).toBe('error');
		expect(strict.items).toEqual([]);
		const messages =
			expectation.outcome === 'some fail' ? expectation.messages : [expectation.message];
		expect(messages.some((message) => message.test(String(strict.error?.message)))).toBe(true);
		if (expectation.jobId) expect(strict.error?.message).toMatch(/\bjob_[A-Za-z0-9]+/);
		const strictPrompts = c.driver.prompts(`${tag} strict`);
		if (strictPrompts.length) expectNoDuplicateSubmission(sim, strictPrompts);
		if (c.settle) await settled();
	}
}

// ----- 500 / 502 / 503 / 429, resets, malformed bodies and slow answers on every route -----

/** What a resent request could cost (the RetryRule of the route): reads are retried on any
 * 5xx; uploads (`creates`) on 503; a generation (`paid`) on none, since a 503 may have started a job. */
type RouteKind = 'read' | 'creates' | 'paid';

interface Route {
	name: string;
	rule: Pick<FaultRule, 'method' | 'path' | 'origin'>;
	driver: Driver;
	kind: RouteKind;
	/** The fault strikes after the job exists, so a failed item carries its job id. */
	afterJob: boolean;
	/** The answer is JSON (malformed bodies make sense). */
	json: boolean;
}

const ROUTES: Route[] = [
	{
		name: 'GET /models/{id}',
		rule: { method: 'GET', path: '/models/' },
		driver: textDriver,
		kind: 'read',
		afterJob: false,
		json: true,
	},
	{
		name: 'POST /assets',
		rule: { method: 'POST', path: /^\/assets$/ },
		driver: imageDriver,
		kind: 'creates',
		afterJob: false,
		json: true,
	},
	{
		name: 'POST /uploads',
		rule: { method: 'POST', path: /^\/uploads$/ },
		driver: largeImageDriver,
		kind: 'creates',
		afterJob: false,
		json: true,
	},
	{
		name: 'PUT upload part (upload origin)',
		rule: { method: 'PUT', path: '/uploads/', origin: 'upload' },
		driver: largeImageDriver,
		kind: 'read',
		afterJob: false,
		json: false,
	},
	{
		name: 'POST /uploads/{id}/action',
		rule: { method: 'POST', path: /^\/uploads\/[^/]+\/action$/ },
		driver: largeImageDriver,
		kind: 'read',
		afterJob: false,
		json: true,
	},
	{
		name: 'GET /uploads/{id}',
		rule: { method: 'GET', path: '/uploads/' },
		driver: largeImageDriver,
		kind: 'read',
		afterJob: false,
		json: true,
	},
	{
		name: 'POST /generate/custom/{id}',
		rule: { method: 'POST', path: '/generate/custom/' },
		driver: textDriver,
		kind: 'paid',
		afterJob: false,
		json: true,
	},
	{
		name: 'POST /generate/custom/{base} (Img2Img, a LoRA)',
		rule: { method: 'POST', path: '/generate/custom/model_bfl-flux-1-dev' },
		driver: loraImg2ImgDriver,
		kind: 'paid',
		afterJob: false,
		json: true,
	},
	{
		// The job checks: the list (GET /jobs) and each job's own (GET /jobs/{id}).
		name: 'GET /jobs/{id}',
		rule: { method: 'GET', path: /^\/jobs(\/[^/]+)?$/ },
		driver: textDriver,
		kind: 'read',
		afterJob: true,
		json: true,
	},
	{
		name: 'GET /jobs/{id} (Wait for Job)',
		rule: { method: 'GET', path: /^\/jobs(\/[^/]+)?$/ },
		driver: waitDriver,
		kind: 'read',
		afterJob: true,
		json: true,
	},
	{
		// The asset lookups: POST /assets/get-bulk and each asset's own GET /assets/{id}.
		name: 'GET /assets/{id}',
		rule: { path: /^\/assets\/[^/]+$/ },
		driver: textDriver,
		kind: 'read',
		afterJob: true,
		json: true,
	},
	{
		name: 'GET signed asset URL (CDN origin)',
		rule: { method: 'GET', path: '/assets/', origin: 'cdn' },
		driver: textDriver,
		kind: 'read',
		afterJob: true,
		json: false,
	},
];

/** The job checks: the list (GET /jobs) and each job's own (GET /jobs/{id}). */
const JOB_CHECKS = /^\/jobs(\/[^/]+)?$/;

const statusBody = (status: number, route: Route) => ({
	reason: `Simulated ${status} on ${route.name}`,
});
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const statusMessage = (status: number, route: Route) =>
	new RegExp(`${escape(statusBody(status, route).reason)}.*\\(HTTP ${status}\\)`);

describe('500 / 502 / 503 on every route', () => {
	for (const route of ROUTES) {
		const retried = route.kind === 'read';
		const failing = route.kind === 'paid' ? [500, 502, 503] : [500, 502];
		test(`500, 502 and 503 once each on ${route.name}: ${retried ? 'retried, every item succeeds' : route.kind === 'creates' ? 'only the 503 is resent; the 500 and 502 items fail' : 'none is resent; the three items fail'}`, async () => {
			await runCase(
				{
					driver: route.driver,
					inject: (s) => {
						// 500 and 502 bare; the 503 with Retry-After: 0, as Scenario sends it when overloaded.
						for (const status of [500, 502, 503]) {
							s.inject({
								...route.rule,
								times: 1,
								fault: {
									kind: 'status',
									status,
									body: statusBody(status, route),
									retryAfter: status === 503 ? 0 : undefined,
								},
							});
						}
					},
					expect: retried
						? { outcome: 'recovers' }
						: {
								outcome: 'some fail',
								messages: failing.map((status) => statusMessage(status, route)),
								jobId: false,
							},
					strict: !retried,
				},
				`blips ${route.name}`,
			);
		});

		for (const status of [500, 502, 503]) {
			test(`${status} on every call of ${route.name}: every item fails with Scenario's message${route.afterJob ? ' and its job id' : ''}`, async () => {
				await runCase(
					{
						driver: route.driver,
						// Retry-After 0 keeps the retries of a storm fast; the count of attempts is what matters.
						inject: (s) =>
							s.inject({
								...route.rule,
								fault: { kind: 'status', status, retryAfter: 0, body: statusBody(status, route) },
							}),
						expect: {
							outcome: 'all fail',
							message: statusMessage(status, route),
							jobId: route.afterJob,
						},
						strict: status === 500,
					},
					`${status} always ${route.name}`,
				);
				// Counted on the run without Continue On Fail (the last one), which stops at the first
				// failure: reads, and 503s of uploads, are retried up to the limit (6 attempts); other
				// submissions are sent once each, and none is sent after the run has stopped.
				const attempts = sim.log.filter((entry) => entry.status === status).length;
				const resent = route.kind === 'read' || (route.kind === 'creates' && status === 503);
				if (!resent) {
					expect(attempts).toBeGreaterThanOrEqual(1);
					expect(attempts).toBeLessThanOrEqual(N);
				} else expect(attempts).toBeGreaterThanOrEqual(6);
			});
		}
	}
});

describe('connection resets, malformed JSON and slow answers on every route', () => {
	for (const route of ROUTES) {
		const retried = route.kind === 'read';
		test(`reset mid-response on ${route.name}: ${retried ? 'retried' : 'not resent, that item fails'}`, async () => {
			await runCase(
				{
					driver: route.driver,
					inject: (s) => s.inject({ ...route.rule, times: 1, fault: { kind: 'reset' } }),
					expect: retried
						? { outcome: 'recovers' }
						: {
								outcome: 'one fails',
								message: /^[^\n]+ failed: The connection was reset/,
								jobId: false,
							},
					strict: route.name === 'POST /generate/custom/{id}',
				},
				`reset ${route.name}`,
			);
		});

		if (route.json) {
			test(`malformed JSON from ${route.name}: ${retried ? 'retried' : 'not resent, that item fails'}`, async () => {
				await runCase(
					{
						driver: route.driver,
						inject: (s) => s.inject({ ...route.rule, times: 1, fault: { kind: 'malformed' } }),
						expect: retried
							? { outcome: 'recovers' }
							: { outcome: 'one fails', message: /not valid JSON/, jobId: false },
						strict: route.name === 'POST /generate/custom/{id}',
					},
					`malformed ${route.name}`,
				);
			});
		}

		test(`answer slower than the request timeout on ${route.name}: ${retried ? 'retried' : 'not resent, that item fails'}`, async () => {
			await runCase(
				{
					driver: route.driver,
					inject: (s) =>
						s.inject({ ...route.rule, times: 1, fault: { kind: 'slow', delayMs: SLOW_MS } }),
					expect: retried
						? { outcome: 'recovers' }
						: {
								outcome: 'one fails',
								message: /^[^\n]+ failed: The request timed out/,
								jobId: false,
							},
					strict: route.name === 'POST /generate/custom/{id}',
					// A submission answered late still creates its job: let it land before the next case.
					settle: !retried,
				},
				`slow ${route.name}`,
			);
		});
	}
});

// ----- 429 storms -----

describe('429 storms', () => {
	const generate = { method: 'POST', path: '/generate/custom/' } as const;
	const tooMany = {
		kind: 'status',
		status: 429,
		body: { reason: 'Rate limit exceeded, slow down' },
	} as const;

	test('a storm with Retry-After: 0 is ridden out; only refused POSTs are resent', async () => {
		await runCase(
			{
				driver: textDriver,
				inject: (s) => s.inject({ ...generate, times: 5, fault: { ...tooMany, retryAfter: 0 } }),
				expect: { outcome: 'recovers' },
			},
			'storm ra0',
		);
		const posts = sim.calls('POST', '/generate/');
		expect(posts.filter((post) => post.status === 429)).toHaveLength(5);
		expect(posts.filter((post) => post.status === 200)).toHaveLength(N);
	});

	test('Retry-After is honoured: the resend waits the seconds Scenario asked for', async () => {
		await runCase(
			{
				driver: textDriver,
				inject: (s) => s.inject({ ...generate, times: 1, fault: { ...tooMany, retryAfter: 1 } }),
				expect: { outcome: 'recovers' },
			},
			'storm ra1',
		);
		const byPrompt = expectNoDuplicateSubmission(sim, textDriver.prompts('storm ra1'));
		const refused = [...byPrompt.values()].find((posts) =>
			posts.some((post) => post.status === 429),
		);
		expect(refused).toHaveLength(2);
		expect(refused![1].at - refused![0].at).toBeGreaterThanOrEqual(990);
	});

	test('a storm without Retry-After is ridden out with exponential backoff', async () => {
		await runCase(
			{
				driver: textDriver,
				inject: (s) => s.inject({ ...generate, times: 3, fault: tooMany }),
				expect: { outcome: 'recovers' },
			},
			'storm backoff',
		);
		const byPrompt = expectNoDuplicateSubmission(sim, textDriver.prompts('storm backoff'));
		for (const posts of byPrompt.values()) {
			// Equal-jitter backoff from 400 ms: at least 200 ms before the first resend.
			for (let i = 1; i < posts.length; i++)
				expect(posts[i].at - posts[i - 1].at).toBeGreaterThanOrEqual(195);
		}
	});

	test('an endless storm fails every item with Scenario’s message after a bounded number of attempts', async () => {
		await runCase(
			{
				driver: textDriver,
				inject: (s) => s.inject({ ...generate, fault: { ...tooMany, retryAfter: 0 } }),
				expect: {
					outcome: 'all fail',
					message: /Rate limit exceeded, slow down \(HTTP 429\)/,
					jobId: false,
				},
				strict: true,
			},
			'storm endless',
		);
		// Six attempts per item (the transport's limit), all refused: nothing was charged.
		expect(sim.jobs.size).toBe(0);
	});

	test('a Retry-After longer than the node will wait fails at once instead of hanging', async () => {
		await runCase(
			{
				driver: textDriver,
				inject: (s) => s.inject({ ...generate, fault: { ...tooMany, retryAfter: 3600 } }),
				expect: {
					outcome: 'all fail',
					message:
						/Rate limit exceeded, slow down \(HTTP 429\)\. Scenario asks to wait 60 min \(the node waits at most 60 s\): try again after /,
					jobId: false,
				},
			},
			'storm long',
		);
		expect(sim.calls('POST', '/generate/')).toHaveLength(N);
	});

	test('a cooldown in the 429 body (remainingSeconds) is honoured like Retry-After', async () => {
		await runCase(
			{
				driver: textDriver,
				inject: (s) =>
					s.inject({ ...generate, times: 1, fault: { kind: 'cooldown', remainingSeconds: 1 } }),
				expect: { outcome: 'recovers' },
			},
			'cooldown 1s',
		);
		const byPrompt = expectNoDuplicateSubmission(sim, textDriver.prompts('cooldown 1s'));
		const refused = [...byPrompt.values()].find((posts) =>
			posts.some((post) => post.status === 429),
		);
		// Refused once, sent again after the cooldown, and taken once: one job per item.
		expect(refused?.map((post) => post.status)).toEqual([429, 200]);
		expect(refused![1].at - refused![0].at).toBeGreaterThanOrEqual(990);
		expect(sim.jobs.size).toBe(N);
	});

	test('a body cooldown longer than the node will wait fails at once, saying when to try again', async () => {
		const message =
			/cooldown \(HTTP 429\)\. Scenario asks to wait 15 min \(the node waits at most 60 s\): try again after (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)/;
		await runCase(
			{
				driver: textDriver,
				// Scenario's Blender client's fixture: a 15-minute cooldown.
				inject: (s) =>
					s.inject({ ...generate, fault: { kind: 'cooldown', remainingSeconds: 900 } }),
				expect: { outcome: 'all fail', message, jobId: false },
				strict: true,
			},
			'cooldown long',
		);
		// Each item's one POST was refused and not sent again; nothing was charged.
		const posts = sim.calls('POST', '/generate/');
		expect(posts.map((post) => post.status)).toEqual(Array(N).fill(429));
		expect(sim.jobs.size).toBe(0);

		// The time given is when the cooldown ends: 900 s after the refusal.
		sim.reset();
		sim.inject({ ...generate, fault: { kind: 'cooldown', remainingSeconds: 900 } });
		const before = Date.now();
		const result = await run(sim, {
			...(await textDriver.spec('cooldown when')),
			continueOnFail: true,
		});
		const after = Date.now();
		const when = message.exec(String(result.items[0]?.json.error))?.[1];
		expect(when).toBeDefined();
		// (Rounded up to the second.)
		expect(Date.parse(when!)).toBeGreaterThanOrEqual(before + 900_000 - 1_000);
		expect(Date.parse(when!)).toBeLessThanOrEqual(after + 900_000 + 1_000);
	});

	test('a storm on the job checks is ridden out (reads are retried)', async () => {
		await runCase(
			{
				driver: textDriver,
				inject: (s) =>
					s.inject({
						method: 'GET',
						path: '/jobs/',
						times: 6,
						fault: { ...tooMany, retryAfter: 0 },
					}),
				expect: { outcome: 'recovers' },
			},
			'storm jobs',
		);
	});
});

// ----- what Scenario reports about the job itself -----

describe('jobs that fail or are canceled on Scenario', () => {
	const reason = 'Simulated failure: the provider refused this prompt';

	test('a job failing with metadata.error: that item’s error item carries the job id and Scenario’s reason', async () => {
		await runCase(
			{
				driver: textDriver,
				inject: (s) => s.failNextJobs(1, reason),
				expect: {
					outcome: 'one fails',
					message: new RegExp(`^Scenario job job_\\w+ failed: ${escape(reason)}`),
					jobId: true,
				},
				strict: true,
			},
			'job failure',
		);
	});

	test('every job failing: one error item per input, each with its own job id', async () => {
		await runCase(
			{
				driver: textDriver,
				inject: (s) => s.failNextJobs(N, reason),
				expect: { outcome: 'all fail', message: new RegExp(escape(reason)), jobId: true },
			},
			'job failure all',
		);
	});

	test('a job canceled on Scenario: that item fails with the job id', async () => {
		await runCase(
			{
				driver: textDriver,
				inject: (s) => s.cancelNextJobs(1),
				expect: {
					outcome: 'one fails',
					message: /^Scenario job job_\w+ was cancelled on Scenario before it finished/,
					jobId: true,
				},
				strict: true,
			},
			'job canceled',
		);
	});

	test('Wait for Job: a failed job gives an error item with its id and Scenario’s reason', async () => {
		sim.failNextJobs(1, reason);
		await runCase(
			{
				driver: waitDriver,
				inject: () => undefined,
				expect: {
					outcome: 'one fails',
					message: new RegExp(`failed: ${escape(reason)}`),
					jobId: true,
				},
			},
			'wait failure',
		);
	});

	test('Wait for Job: a canceled job gives an error item with its id', async () => {
		sim.cancelNextJobs(1);
		await runCase(
			{
				driver: waitDriver,
				inject: () => undefined,
				expect: { outcome: 'one fails', message: /was cancelled on Scenario/, jobId: true },
			},
			'wait canceled',
		);
	});

	test('Wait for Job without Continue On Fail: a failure stops the run and leaves the jobs it did not start running, their ids in the error', async () => {
		sim.failNextJobs(1, reason);
		const [failing] = await startJobs('stop first', 1);
		sim.setJobDuration(20_000);
		const running = await startJobs('stop rest', 2);
		const result = await run(sim, {
			type: 'waitForJob',
			parameters: WAIT_PARAMETERS,
			items: waitItems([failing, ...running]),
		});
		expect(result.elapsedMs).toBeLessThan(TIMEOUT_S * 1000);
		expect(result.status).toBe('error');
		expect(result.error?.message).toBe(`Scenario job ${failing} failed: ${reason} [item 0]`);
		// Started elsewhere, to outlive any one run: not canceled, and named so none is lost.
		expect(sim.calls('POST', /^\/jobs\/[^/]+\/action$/)).toEqual([]);
		expect(running.map((id) => sim.jobs.get(id)?.status)).not.toContain('canceled');
		for (const id of running) expect(result.nodeError?.description).toContain(id);
	});

	test('Wait for Job stopped by a failure names the jobs it finished but does not return apart from those still running', async () => {
		sim.setJobDuration(50);
		const [finished] = await startJobs('done before', 1);
		while (sim.jobs.get(finished)?.status !== 'success') await sleep(20);
		sim.setJobDuration(1_500);
		sim.failNextJobs(1, reason);
		const [failing] = await startJobs('fails later', 1);
		sim.setJobDuration(20_000);
		const [running] = await startJobs('runs on', 1);
		const result = await run(sim, {
			type: 'waitForJob',
			parameters: WAIT_PARAMETERS,
			items: waitItems([finished, failing, running]),
		});
		expect(result.error?.message).toBe(`Scenario job ${failing} failed: ${reason} [item 1]`);
		const description = result.nodeError?.description ?? '';
		expect(description).toContain(
			`Finished on Scenario, outputs not returned: ${finished} (item 0).`,
		);
		expect(description).toContain(`Still running on Scenario, not canceled: ${running} (item 2).`);
	});

	test('a generating node without Continue On Fail cancels its own jobs still running when an item fails, even if the cancel call fails', async () => {
		sim.setJobDuration(20_000);
		sim.inject({
			method: 'POST',
			path: /^\/jobs\/[^/]+\/action$/,
			times: 2,
			fault: { kind: 'status', status: 500, retryAfter: 0 },
		});
		// The third item's own Timeout (an expression, read per item) is 1 s: it fails first.
		const result = await run(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_openai-gpt-image-2'),
				inputs: mapped({ prompt: '={{ $json.prompt }}' }),
				options: {
					timeoutSeconds: '={{ $json.timeout }}',
					requestTimeoutSeconds: REQUEST_TIMEOUT_S,
				},
			},
			items: [
				{ json: { prompt: 'runs long 1', timeout: TIMEOUT_S } },
				{ json: { prompt: 'runs long 2', timeout: TIMEOUT_S } },
				{ json: { prompt: 'gives up', timeout: 1 } },
			],
		});
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/did not finish within 1 s/);
		const byPrompt = (prompt: string) =>
			[...sim.jobs.values()].find((job) => job.input.prompt === prompt);
		// The first cancel attempts got 500, the retries went through.
		expect([byPrompt('runs long 1')?.status, byPrompt('runs long 2')?.status]).toEqual([
			'canceled',
			'canceled',
		]);
		// A job past its Timeout keeps running on Scenario (for Wait for Job), as the Timeout says.
		expect(byPrompt('gives up')?.status).not.toBe('canceled');
		// The error says what Scenario answered to each cancel, not that the jobs were canceled.
		expect(result.nodeError?.description).toContain(
			`Asked Scenario to cancel, which is best effort, so these may still run and bill: ${byPrompt('runs long 1')?.jobId} (item 0, Scenario answered canceled), ${byPrompt('runs long 2')?.jobId} (item 1, Scenario answered canceled).`,
		);
	});

	test('a job that goes on after the cancel (whether custom jobs stop is unknown) is named with the status Scenario answered, as one that may still run and bill', async () => {
		sim.setJobDuration(20_000);
		sim.setCancelIgnored(true);
		const result = await run(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_openai-gpt-image-2'),
				inputs: mapped({ prompt: '={{ $json.prompt }}' }),
				options: { timeoutSeconds: '={{ $json.timeout }}' },
			},
			items: [
				{ json: { prompt: 'goes on', timeout: TIMEOUT_S } },
				{ json: { prompt: 'gives up', timeout: 1 } },
			],
		});
		expect(result.error?.message).toMatch(/did not finish within 1 s/);
		const goesOn = [...sim.jobs.values()].find((job) => job.input.prompt === 'goes on')!;
		expect(sim.calls('POST', `/jobs/${goesOn.jobId}/action`)).toHaveLength(1);
		expect(goesOn.status).not.toBe('canceled');
		expect(result.nodeError?.description).toContain(
			`Asked Scenario to cancel, which is best effort, so these may still run and bill: ${goesOn.jobId} (item 0, Scenario answered ${goesOn.status}).`,
		);
		expect(result.nodeError?.description).not.toMatch(/\bwas canceled\b/);
	});
});

// ----- downloads and uploads -----

describe('CDN and upload origin failures', () => {
	const s3Error = (code: string, message: string) =>
		`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;

	test('CDN 403 on download: every item fails with the job id and the CDN’s message; not retried', async () => {
		await runCase(
			{
				driver: textDriver,
				inject: (s) =>
					s.inject({
						method: 'GET',
						path: '/assets/',
						origin: 'cdn',
						fault: {
							kind: 'status',
							status: 403,
							body: s3Error('AccessDenied', 'Request has expired'),
						},
					}),
				expect: {
					outcome: 'all fail',
					message:
						/^Downloading output asset asset_\w+ failed: Request has expired \(AccessDenied\) \(HTTP 403\) \[job job_\w+\] \[item \d+\]$/,
					jobId: true,
				},
				strict: true,
			},
			'cdn 403',
		);
		// Not retried: each asset asked for once (the run without Continue On Fail stops at the first).
		const downloads = sim.calls('GET', '/assets/', 'cdn').map((call) => call.path);
		expect(downloads.length).toBeGreaterThanOrEqual(1);
		expect(new Set(downloads).size).toBe(downloads.length);
	});

	test('CDN 404 on download: every item fails with the job id and the CDN’s message', async () => {
		await runCase(
			{
				driver: textDriver,
				inject: (s) =>
					s.inject({
						method: 'GET',
						path: '/assets/',
						origin: 'cdn',
						fault: {
							kind: 'status',
							status: 404,
							body: s3Error('NoSuchKey', 'The specified key does not exist.'),
						},
					}),
				expect: {
					outcome: 'all fail',
					message:
						/^Downloading output asset asset_\w+ failed: The specified key does not exist\. \(NoSuchKey\) \(HTTP 404\) \[job job_\w+\] \[item \d+\]$/,
					jobId: true,
				},
				strict: true,
			},
			'cdn 404',
		);
	});

	test('CDN 403 on one download only: that item fails, the others get their images', async () => {
		await runCase(
			{
				driver: textDriver,
				inject: (s) =>
					s.inject({
						method: 'GET',
						path: '/assets/',
						origin: 'cdn',
						times: 1,
						fault: {
							kind: 'status',
							status: 403,
							body: s3Error('AccessDenied', 'Request has expired'),
						},
					}),
				expect: { outcome: 'one fails', message: /Request has expired.*\(HTTP 403\)/, jobId: true },
			},
			'cdn 403 once',
		);
	});

	test('an upload part failing for good: every item fails naming the upload, nothing is generated', async () => {
		await runCase(
			{
				driver: largeImageDriver,
				inject: (s) =>
					s.inject({
						method: 'PUT',
						path: '/uploads/',
						origin: 'upload',
						fault: {
							kind: 'status',
							status: 403,
							body: s3Error('AccessDenied', 'Invalid or expired signature'),
						},
					}),
				expect: {
					outcome: 'all fail',
					message:
						/^Uploading Image to Edit failed: Invalid or expired signature \(AccessDenied\) \(HTTP 403\) \[item \d+\]$/,
					jobId: false,
				},
				strict: true,
			},
			'part 403',
		);
		expect(sim.calls('POST', '/generate/')).toHaveLength(0);
	});

	test('an upload part failing once: the part is sent again and the generation goes ahead', async () => {
		await runCase(
			{
				driver: largeImageDriver,
				inject: (s) =>
					s.inject({
						method: 'PUT',
						path: '/uploads/',
						origin: 'upload',
						times: 1,
						fault: { kind: 'reset' },
					}),
				expect: { outcome: 'recovers' },
			},
			'part reset',
		);
		expect(sim.calls('PUT', '/uploads/', 'upload').length).toBe(N + 1);
	});
});

// ----- the Timeout option bounds the wait, whatever the API does meanwhile -----

describe('the node’s Timeout holds under faults', () => {
	const SHORT_TIMEOUT_S = 3;
	const shortRun = (tag: string): ScenarioRun => ({
		type: 'customGenerate',
		parameters: {
			model: modelById('model_openai-gpt-image-2'),
			inputs: mapped({ prompt: '={{ $json.prompt }}' }),
			options: { timeoutSeconds: SHORT_TIMEOUT_S, requestTimeoutSeconds: REQUEST_TIMEOUT_S },
		},
		items: promptItems(N, tag),
		continueOnFail: true,
	});

	async function expectBoundedFailure(tag: string, message: RegExp): Promise<void> {
		const result = await run(sim, shortRun(tag));
		// The wait for each job stops at the Timeout (a last check at it gets up to 1 s to answer);
		// the model lookup and the submission before it take a few ms here.
		expect(result.elapsedMs).toBeLessThan(SHORT_TIMEOUT_S * 1000 + DEADLINE_GRACE_MS + 500);
		expectOnePerInput(result.items, N);
		expectNoDuplicateSubmission(
			sim,
			promptItems(N, tag).map((item) => String(item.json.prompt)),
		);
		for (let i = 0; i < N; i++) expectErrorItem(result, i, message, true, `${tag} item ${i}`);
	}

	test('job checks that hang are given up at the Timeout, each item with its job id', async () => {
		sim.inject({ method: 'GET', path: JOB_CHECKS, fault: { kind: 'slow', delayMs: 4_000 } });
		// (A check answered after the case ends only reads: it cannot disturb the next case.)
		await expectBoundedFailure('hanging checks', /\[job job_\w+\]|Job job_\w+ did not finish/);
	}, 20_000);

	test('a Retry-After past the Timeout on the job checks is not waited for', async () => {
		sim.inject({
			method: 'GET',
			path: JOB_CHECKS,
			fault: {
				kind: 'status',
				status: 429,
				retryAfter: 30,
				body: { reason: 'Rate limit exceeded, slow down' },
			},
		});
		await expectBoundedFailure(
			'long retry-after',
			/Rate limit exceeded, slow down \(HTTP 429\)\. Scenario asks to wait 30 s \(that is past the Timeout\): try again after \S+ \[job job_\w+\]/,
		);
	});

	test('job checks failing with backoff stop at the Timeout', async () => {
		sim.inject({
			method: 'GET',
			path: JOB_CHECKS,
			fault: { kind: 'status', status: 502, body: { reason: 'Simulated bad gateway' } },
		});
		await expectBoundedFailure('backoff', /Simulated bad gateway \(HTTP 502\) \[job job_\w+\]/);
	});
});
