/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { TestItemsSource } from '../harness';
import { ScenarioSimulator } from '../simulator/server';
import { SEEDED_REFERENCE_ASSET_ID } from '../simulator/state';
import { sniffImage } from '../simulator/png';
import {
	TYPES,
	credentialTypes,
	credentialsFor,
	imageItem,
	mapped,
	modelById,
	nodeTypes,
	runScenarioNode,
	runWorkflow,
} from '../support/scenario-nodes';

const recordedInputs = (file: string): string[] =>
	(
		JSON.parse(
			readFileSync(join(__dirname, '..', 'fixtures', 'scenario-api', 'models', file), 'utf8'),
		) as { model: { inputs: Array<{ name: string }> } }
	).model.inputs.map((i) => i.name);

let sim: ScenarioSimulator;
beforeAll(async () => {
	sim = await ScenarioSimulator.start({ jobDurationMs: 300 });
});
afterEach(() => sim.reset());
afterAll(async () => await sim.close());

const generations = () => sim.calls('POST', '/generate/');

describe('Scenario Custom Generate through n8n-core', () => {
	it('runs a text-to-image model and returns each image as binary with its metadata', async () => {
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_openai-gpt-image-2'),
				inputs: mapped({ prompt: 'a lighthouse at dawn, poster', numOutputs: 2, quality: 'high' }),
			},
		});
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(2);

		const [submit] = generations();
		expect(submit.path).toBe('/v1/generate/custom/model_openai-gpt-image-2');
		expect(submit.body).toEqual({
			prompt: 'a lighthouse at dawn, poster',
			numOutputs: 2,
			quality: 'high',
		});
		// Every key sent is one of the recorded model's inputs.
		expect(
			Object.keys(submit.body as object).every((key) =>
				recordedInputs('model_openai-gpt-image-2.json').includes(key),
			),
		).toBe(true);
		expect(submit.headers.authorization).toBe(sim.authorization);

		const job = [...sim.jobs.values()][0];
		for (const [index, item] of result.items.entries()) {
			expect(item.pairedItem).toEqual({ item: 0 });
			expect(item.json).toMatchObject({
				jobId: job.jobId,
				assetId: job.assetIds[index],
				modelId: 'model_openai-gpt-image-2',
				status: 'success',
				mimeType: 'image/png',
				outputIndex: index,
				type: null,
			});
			// The submission's estimate and the job's billing record, passed on as Scenario gives
			// them (whether the fees in cuCostDetails are inside cuCost is unknown).
			expect(item.json.estimatedCost).toBe(job.creativeUnitsCost);
			expect(item.json.billedCost).toBe(job.billing.cuCost);
			expect(item.json.billedCostDetails).toEqual(job.billing.cuCostDetails);
			expect(Object.keys(job.billing.cuCostDetails)).toEqual(['quality-gate']);
			expect(item.json.seed).toEqual(expect.any(String));
			const bytes = await result.binary(item, 'data');
			expect(sniffImage(bytes)?.mimeType).toBe('image/png');
			expect(item.json.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
			expect(result.binaryData(item, 'data')).toMatchObject({
				mimeType: 'image/png',
				// No metadata.type (only PATINA's are recorded): the asset id and the extension.
				fileName: `${job.assetIds[index]}.png`,
			});
		}
		// The CDN never saw the Authorization header (it would have answered 403).
		expect(
			sim
				.calls('GET', '/', 'cdn')
				.every((call) => call.headers.authorization === undefined && call.status === 200),
		).toBe(true);
	});

	it('uploads an incoming binary for an image-input model and sends its asset id', async () => {
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_flux-kontext-editing'),
				inputs: mapped({ prompt: 'make it night', referenceImages: 'data', aspectRatio: '1:1' }),
			},
			items: [imageItem('product')],
		});
		expect(result.error).toBeUndefined();
		const [upload] = sim.calls('POST', '/assets');
		expect(upload.body).toMatchObject({ name: 'product.png', image: expect.any(String) });
		const uploadedId = [...sim.assets.values()].find(
			(asset) => asset.source === 'uploaded' && asset.metadata.name === 'product.png',
		)?.id;
		expect(uploadedId).toMatch(/^asset_/);
		expect(generations()[0].body).toEqual({
			prompt: 'make it night',
			referenceImages: [uploadedId],
			aspectRatio: '1:1',
		});
		expect(result.items).toHaveLength(1);
	});

	it('takes an asset id written as Scenario writes them (the uploading docs’ asset_staging_…) as an asset id, and a binary property named like one as that binary', async () => {
		// The uploading docs' own example id, as an asset of the simulator (the seeded image).
		const docsId = 'asset_staging_qSACAtKeAbd1EmAEG4YNguea';
		const seeded = sim.assets.get(SEEDED_REFERENCE_ASSET_ID)!;
		sim.assets.set(docsId, { ...seeded, id: docsId });
		const item = imageItem('product');
		item.binary!.asset_1 = { ...item.binary!.data, fileName: 'named-like-an-id.png' };
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_flux-kontext-editing'),
				inputs: mapped({ prompt: 'make it night', referenceImages: `${docsId}\nasset_1` }),
			},
			items: [item],
		});
		expect(result.error).toBeUndefined();
		expect(
			sim.calls('POST', '/assets').map((call) => (call.body as { name: string }).name),
		).toEqual(['named-like-an-id.png']);
		const [first, second] = (generations()[0].body as { referenceImages: string[] })
			.referenceImages;
		expect(first).toBe(docsId);
		expect(sim.assets.get(second)?.metadata.name).toBe('named-like-an-id.png');
	});

	it('submits many items concurrently and keeps input order', async () => {
		sim.setJobDuration(400);
		const items = Array.from({ length: 24 }, (_, i) => ({ json: { prompt: `variant ${i}` } }));
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_openai-gpt-image-2'),
				inputs: mapped({ prompt: '={{ $json.prompt }}' }),
				options: { maxConcurrentJobs: 8 },
			},
			items,
		});
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.pairedItem)).toEqual(items.map((_, i) => ({ item: i })));
		const prompts = [...sim.jobs.values()].map((job) => job.input.prompt);
		expect(prompts.sort()).toEqual(items.map((i) => i.json.prompt).sort());
		for (const [i, item] of result.items.entries()) {
			expect(sim.jobs.get(item.json.jobId as string)?.input.prompt).toBe(`variant ${i}`);
		}
		// Jobs overlapped: with 8 at a time, at least 8 were running together at some point.
		const jobs = [...sim.jobs.values()];
		const overlap = Math.max(
			...jobs.map(
				(a) =>
					jobs.filter((b) => b.createdAt <= a.createdAt && (b.doneAt ?? Infinity) > a.createdAt)
						.length,
			),
		);
		expect(overlap).toBeGreaterThanOrEqual(8);
		expect(overlap).toBeLessThanOrEqual(8);
		expect(sim.calls('GET', '/models/')).toHaveLength(1);
	});

	it('with Wait for Completion off hands the jobs to Scenario Wait for Job', async () => {
		const result = await runWorkflow({
			nodeTypes: {
				...nodeTypes,
				'test.itemsSource': new TestItemsSource([{ json: {} }, { json: {} }]),
			},
			credentialTypes,
			credentials: credentialsFor(sim),
			nodes: [
				{
					id: 'a',
					name: 'Source',
					type: 'test.itemsSource',
					typeVersion: 1,
					position: [0, 0],
					parameters: {},
				},
				{
					id: 'b',
					name: 'Generate',
					type: TYPES.customGenerate,
					typeVersion: 1,
					position: [200, 0],
					parameters: {
						model: modelById('model_openai-gpt-image-2'),
						inputs: mapped({ prompt: 'a cat' }),
						options: { waitForCompletion: false },
					},
					credentials: { scenarioApi: { id: '1', name: 'Scenario' } },
				},
				{
					id: 'c',
					name: 'Wait',
					type: TYPES.waitForJob,
					typeVersion: 1,
					position: [400, 0],
					parameters: { jobId: '={{ $json.jobId }}', timeoutSeconds: 30, downloadImages: true },
					credentials: { scenarioApi: { id: '1', name: 'Scenario' } },
				},
			],
			connections: {
				Source: { main: [[{ node: 'Generate', type: 'main', index: 0 }]] },
				Generate: { main: [[{ node: 'Wait', type: 'main', index: 0 }]] },
			},
			binaryMode: 'filesystem',
		});
		expect(result.error).toBeUndefined();
		const started = result.output('Generate');
		expect(started).toHaveLength(2);
		expect(started[0].json).toMatchObject({
			jobId: expect.stringMatching(/^job_/),
			modelId: 'model_openai-gpt-image-2',
			estimatedCost: expect.any(Number),
			// Not billed before the job ends (the simulator bills on success).
			billedCost: null,
			billedCostDetails: null,
		});
		expect(started[0].binary).toBeUndefined();
		const finished = result.output('Wait');
		// Wait for Job keeps the estimate its incoming item carries, and adds the bill.
		for (const [i, item] of finished.entries())
			expect(item.json).toMatchObject({
				estimatedCost: started[i].json.estimatedCost,
				billedCost: expect.any(Number),
			});
		expect(finished.map((item) => item.json.jobId)).toEqual(started.map((item) => item.json.jobId));
		expect(finished.every((item) => item.json.status === 'success' && item.binary?.data)).toBe(
			true,
		);
		expect(sniffImage(await result.binary(finished[1]))?.mimeType).toBe('image/png');
	});

	it('gives up at the timeout with an error that carries the job id, leaving the job running', async () => {
		sim.setJobDuration(60_000);
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_openai-gpt-image-2'),
				inputs: mapped({ prompt: 'slow' }),
				options: { timeoutSeconds: 1 },
			},
			items: [{ json: {} }, { json: {} }],
			continueOnFail: true,
		});
		expect(result.items).toHaveLength(2);
		for (const [i, item] of result.items.entries()) {
			expect(item.json.error).toMatch(/did not finish within 1 s/);
			expect(item.json.jobId).toMatch(/^job_/);
			expect(item.pairedItem).toEqual({ item: i });
		}
		expect(sim.calls('POST', /\/jobs\/.*\/action/)).toHaveLength(0);
	});

	it('reports a failed job with Scenario’s reason, as an error item or as the node error', async () => {
		sim.failNextJobs(1, 'NSFW content detected');
		const tolerant = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_openai-gpt-image-2'),
				inputs: mapped({ prompt: '={{ $json.p }}' }),
			},
			items: [{ json: { p: 'first' } }, { json: { p: 'second' } }],
			continueOnFail: true,
		});
		expect(tolerant.items).toHaveLength(2);
		const failed = tolerant.items.find((item) => item.json.error);
		expect(failed?.json).toMatchObject({
			jobId: expect.stringMatching(/^job_/),
			error: expect.stringContaining('NSFW content detected'),
		});
		expect(tolerant.items.filter((item) => item.json.status === 'success')).toHaveLength(1);

		sim.failNextJobs(1, 'NSFW content detected');
		const strict = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: { model: modelById('model_openai-gpt-image-2'), inputs: mapped({ prompt: 'x' }) },
		});
		expect(strict.error?.message).toMatch(/^Scenario job job_\w+ failed: NSFW content detected/);
	});

	it('cancels the Scenario jobs when the execution is canceled', async () => {
		sim.setJobDuration(60_000);
		const controller = new AbortController();
		const running = runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: { model: modelById('model_openai-gpt-image-2'), inputs: mapped({ prompt: 'x' }) },
			items: [{ json: {} }, { json: {} }, { json: {} }],
			signal: controller.signal,
		});
		while (sim.jobs.size < 3) await new Promise((resolve) => setTimeout(resolve, 20));
		controller.abort();
		const result = await running;
		expect(result.cancelled || result.status === 'canceled').toBe(true);
		// The cancel requests go out after the engine has stopped waiting for the node.
		const deadline = Date.now() + 5_000;
		while (
			[...sim.jobs.values()].some((job) => job.status !== 'canceled') &&
			Date.now() < deadline
		) {
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
		expect([...sim.jobs.values()].map((job) => job.status)).toEqual([
			'canceled',
			'canceled',
			'canceled',
		]);
	});

	it('prices a generation with Dry Run and submits nothing', async () => {
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_openai-gpt-image-2'),
				inputs: mapped({ prompt: 'x', numOutputs: 3 }),
				options: { dryRun: true },
			},
		});
		expect(result.items[0].json).toMatchObject({
			dryRun: true,
			modelId: 'model_openai-gpt-image-2',
			estimatedCost: expect.any(Number),
			estimatedDiscount: 0,
			estimatedCostDetails: {
				'custom-generation': expect.any(Number),
				'quality-gate': expect.any(Number),
			},
		});
		expect(result.items[0].json).not.toHaveProperty('billedCost');
		expect(generations()[0].query).toMatchObject({ dryRun: 'true' });
		expect(sim.jobs.size).toBe(0);
	});

	it('sends the credential’s project id on every API call', async () => {
		await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: { model: modelById('model_openai-gpt-image-2'), inputs: mapped({ prompt: 'x' }) },
			credentials: { projectId: 'proj_abc' },
		});
		const apiCalls = sim.log.filter((entry) => entry.origin === 'api');
		expect(apiCalls.length).toBeGreaterThan(2);
		expect(apiCalls.every((entry) => entry.query.projectId === 'proj_abc')).toBe(true);
		expect([...sim.jobs.values()][0].projectId).toBe('proj_abc');
	});
});
