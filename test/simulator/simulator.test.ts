/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Tests of the Scenario API simulator itself, over real loopback HTTP with undici.
 * Recorded bodies in test/fixtures/scenario-api are the oracle where they exist.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { request } from 'undici';
import { FIXTURES_DIR } from './fixtures';
import { advanceJob } from './jobs';
import { mediaFile, mediaKindOf, type MediaFile } from './media';
import { crc32, encodePng, PNG_SIGNATURE, renderPicture } from './png';
import { ScenarioSimulator } from './server';
import { SEEDED_REFERENCE_ASSET_ID } from './state';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are read field by field
type Json = any;

interface Reply {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	text: string;
	json: Json;
	bytes: Buffer;
}

let sim: ScenarioSimulator;

beforeAll(async () => {
	sim = await ScenarioSimulator.start({ jobDurationMs: 150 });
});
afterAll(async () => {
	await sim.close();
});
beforeEach(() => sim.reset());

const fixture = (rel: string): Json => JSON.parse(readFileSync(join(FIXTURES_DIR, rel), 'utf8'));

async function http(
	url: string,
	init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Reply> {
	const res = await request(url, {
		method: (init.method ?? 'GET') as 'GET',
		headers: init.headers,
		body: init.body,
	});
	const bytes = Buffer.from(await res.body.arrayBuffer());
	const text = bytes.toString('utf8');
	let json: Json;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: res.statusCode, headers: res.headers, text, json, bytes };
}

/** Authenticated API call; `path` is after /v1. */
function api(
	method: string,
	path: string,
	body?: unknown,
	headers: Record<string, string> = {},
): Promise<Reply> {
	return http(`${sim.baseUrl}${path}`, {
		method,
		headers: {
			authorization: sim.authorization,
			...(body === undefined ? {} : { 'content-type': 'application/json' }),
			...headers,
		},
		body: body === undefined ? undefined : JSON.stringify(body),
	});
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitForJob(jobId: string, seen?: Set<string>): Promise<Json> {
	for (let i = 0; i < 500; i++) {
		const r = await api('GET', `/jobs/${jobId}`);
		expect(r.status).toBe(200);
		seen?.add(r.json.job.status);
		if (['success', 'failure', 'canceled'].includes(r.json.job.status)) return r.json.job;
		await sleep(10);
	}
	throw new Error(`job ${jobId} did not finish`);
}

/** A multipart upload of `file` as `kind`, waited for until imported: the asset id. */
async function uploadFile(file: MediaFile, kind: string, fileName: string): Promise<string> {
	sim.setUploadValidation(0);
	const { upload } = (
		await api('POST', '/uploads', {
			fileName,
			fileSize: file.bytes.length,
			kind,
			contentType: file.mimeType,
			parts: 1,
		})
	).json;
	expect((await http(upload.parts[0].url, { method: 'PUT', body: file.bytes })).status).toBe(200);
	await api('POST', `/uploads/${upload.id}/action`, { action: 'complete' });
	const { upload: done } = (await api('GET', `/uploads/${upload.id}`)).json;
	expect(done).toMatchObject({ status: 'imported', kind, contentType: file.mimeType });
	return done.entityId;
}

async function uploadPng(png: Buffer, name = 'input.png'): Promise<string> {
	const r = await api('POST', '/assets', { image: png.toString('base64'), name });
	expect(r.status).toBe(200);
	return r.json.asset.id;
}

describe('auth', () => {
	it('answers 401 with the gateway error shape without or with wrong credentials', async () => {
		const none = await http(`${sim.baseUrl}/models`);
		expect(none.status).toBe(401);
		// The gateway's shape (EVIDENCE.md: gateway refusals answer {"message": …}).
		expect(none.json).toEqual({ message: 'Unauthorized' });
		const wrong = await http(`${sim.baseUrl}/models`, {
			headers: { authorization: `Basic ${Buffer.from('sim-key:nope').toString('base64')}` },
		});
		expect(wrong.status).toBe(401);
		expect((await api('GET', '/models')).status).toBe(200);
	});
});

describe('models', () => {
	it('pages public models like the recorded first page, without inputs/uiConfig', async () => {
		const recorded = fixture('models_list_page1.json');
		const p1 = await api('GET', '/models?privacy=public&pageSize=5');
		expect(p1.status).toBe(200);
		expect(p1.json).toEqual(recorded);
		const p2 = await api(
			'GET',
			`/models?privacy=public&pageSize=5&paginationToken=${encodeURIComponent(p1.json.nextPaginationToken)}`,
		);
		const p3 = await api(
			'GET',
			`/models?privacy=public&pageSize=5&paginationToken=${encodeURIComponent(p2.json.nextPaginationToken)}`,
		);
		expect(Buffer.from(p2.json.nextPaginationToken, 'base64').toString()).toBe(
			'{"offset":10,"limit":5}',
		);
		const rows = [...p1.json.models, ...p2.json.models, ...p3.json.models];
		expect(rows).toHaveLength(15);
		expect(new Set(rows.map((m: Json) => m.id)).size).toBe(15);
		for (const row of rows) {
			expect(row).not.toHaveProperty('inputs');
			expect(row).not.toHaveProperty('uiConfig');
			expect(row).not.toHaveProperty('observedFields');
			expect(row.privacy).toBe('public');
		}
		// Walk to the end: the last page has no token.
		let token: string | undefined = p3.json.nextPaginationToken;
		let pages = 3;
		while (token) {
			const r = await api(
				'GET',
				`/models?privacy=public&pageSize=5&paginationToken=${encodeURIComponent(token)}`,
			);
			token = r.json.nextPaginationToken;
			pages++;
		}
		expect(pages).toBeGreaterThanOrEqual(3);
	});

	it('defaults to privacy=private (account models)', async () => {
		const r = await api('GET', '/models');
		expect(r.status).toBe(200);
		expect(r.json.models.length).toBeGreaterThanOrEqual(2);
		for (const m of r.json.models) expect(m.privacy).toBe('private');
		expect(r.json).not.toHaveProperty('nextPaginationToken');
	});

	it('gets a model body as recorded, 404 for unknown ids', async () => {
		const ok = await api('GET', '/models/model_openai-gpt-image-2');
		expect(ok.status).toBe(200);
		expect(ok.json).toEqual(fixture('models/model_openai-gpt-image-2.json'));
		// Built from Scenario's reference table: served without its provenance, and no mask input.
		const built = await api('GET', '/models/model_openai-gpt-image-1-editing');
		expect(built.json.model.shortDescription).toMatch(
			/^Built from Scenario's model reference table/,
		);
		expect(built.json.model).not.toHaveProperty('provenance');
		expect(built.json.model.inputs.map((i: Json) => i.name)).not.toContain('mask');
		const missing = await api('GET', '/models/model_nope');
		expect(missing.status).toBe(404);
		expect(missing.json).toEqual({ reason: 'Model model_nope not found' });
	});
});

describe('custom generation: validation against recorded inputs', () => {
	it('replays every recorded dryRun of contracts.json with the recorded status and reply', async () => {
		const contracts = fixture('models/trained/contracts.json');
		let replayed = 0;
		for (const run of contracts.dryRuns) {
			const r = await api('POST', `/generate/custom/${run.target}?dryRun=true`, run.body);
			expect({ case: run.case, status: r.status, reply: r.json }).toEqual({
				case: run.case,
				status: run.status,
				reply: run.reply,
			});
			replayed++;
		}
		expect(replayed).toBeGreaterThanOrEqual(20);
		expect(sim.jobs.size).toBe(0);
	});

	it("refuses a trained model's own id on /generate/custom, as recorded (contracts.json `direct`), and starts no job", async () => {
		const contracts = fixture('models/trained/contracts.json');
		const direct = contracts.dryRuns.filter((run: Json) => run.route === 'direct');
		expect(direct.map((run: Json) => run.case)).toEqual([
			'direct_lora',
			'direct_composition',
			'direct_flux2_lora',
		]);
		for (const run of direct) {
			for (const query of ['?dryRun=true', '']) {
				const r = await api('POST', `/generate/custom/${run.target}${query}`, run.body);
				expect({ case: run.case, query, status: r.status, reply: r.json }).toEqual({
					case: run.case,
					query,
					status: 400,
					reply: { reason: 'Custom models only are supported for this endpoint' },
				});
			}
		}
		// The private copies of trained records are refused the same way.
		const own = await api('POST', '/generate/custom/model_FIXTUREPRIVATEKONTEXT001', {
			prompt: 'x',
		});
		expect(own.json).toEqual({ reason: 'Custom models only are supported for this endpoint' });
		expect(sim.jobs.size).toBe(0);
	});

	it('prices the recorded PATINA Material dryRun like dryrun_response.json', async () => {
		const input = { ...fixture('jobs/job.json').job.metadata.input };
		delete input.modelId; // server-side field of metadata.input, not a model input
		const r = await api('POST', '/generate/custom/model_patina-material?dryRun=true', input);
		expect(r.status).toBe(269);
		expect(r.json).toEqual(fixture('patina-copper-512/dryrun_response.json'));
	});

	const cases: [string, string, Json, number, string][] = [
		// model, case, body, status, reason
		[
			'model_openai-gpt-image-2',
			'unknown field',
			{ prompt: 'x', foo: 1 },
			400,
			'Input foo is not allowed',
		],
		[
			'model_openai-gpt-image-2',
			'missing required',
			{ quality: 'low' },
			400,
			'Input prompt is required',
		],
		[
			'model_openai-gpt-image-2',
			'allowedValues',
			{ prompt: 'x', quality: 'ultra' },
			400,
			'Input quality must be one of: auto, high, medium, low',
		],
		[
			'model_openai-gpt-image-2',
			'max',
			{ prompt: 'x', numOutputs: 11 },
			400,
			'Input numOutputs must be at most 10',
		],
		[
			'model_openai-gpt-image-2',
			'min',
			{ prompt: 'x', width: 8 },
			400,
			'Input width must be at least 16',
		],
		[
			'model_openai-gpt-image-2',
			'wrong type',
			{ prompt: 'x', numOutputs: '2' },
			400,
			'Input numOutputs must be a number',
		],
		[
			'model_openai-gpt-image-2',
			'ifDefined',
			{ prompt: 'x', mask: SEEDED_REFERENCE_ASSET_ID },
			400,
			'A reference image is required when a mask is provided.',
		],
		[
			'model_openai-gpt-image-2',
			'bad asset id',
			{ prompt: 'x', referenceImages: ['asset_doesNotExist'] },
			400,
			'Input referenceImages: asset asset_doesNotExist not found',
		],
		[
			'model_openai-gpt-image-2',
			'array maxLength',
			{ prompt: 'x', referenceImages: Array(11).fill(SEEDED_REFERENCE_ASSET_ID) },
			400,
			'Input referenceImages must be at most 10 items long',
		],
		[
			'model_openai-gpt-image-2',
			'string maxLength',
			{ prompt: 'x'.repeat(32001) },
			400,
			'Input prompt must be at most 32000 characters long',
		],
		[
			'model_google-gemini-3-1-flash',
			'allowedValues',
			{ prompt: 'x', resolution: '8K' },
			400,
			'Input resolution must be one of: 512, 1K, 2K, 4K',
		],
		[
			'model_google-gemini-3-1-flash',
			'boolean',
			{ prompt: 'x', useGoogleSearch: 'yes' },
			400,
			'Input useGoogleSearch must be a boolean',
		],
		[
			'model_google-gemini-3-1-flash',
			'min',
			{ prompt: 'x', videoFps: 0 },
			400,
			'Input videoFps must be at least 0.1',
		],
		[
			'model_google-gemini-3-1-flash',
			'array maxLength',
			{ prompt: 'x', referenceImages: Array(15).fill(SEEDED_REFERENCE_ASSET_ID) },
			400,
			'Input referenceImages must be at most 14 items long',
		],
		[
			'model_google-gemini-3-1-flash',
			'file kind',
			{ prompt: 'x', video: SEEDED_REFERENCE_ASSET_ID },
			400,
			`Input video: asset ${SEEDED_REFERENCE_ASSET_ID} is not a video asset`,
		],
		[
			'model_flux-kontext-editing',
			'required file_array',
			{ prompt: 'x' },
			400,
			'Input referenceImages is required',
		],
		[
			'model_flux-kontext-editing',
			'model_array maxLength',
			{
				prompt: 'x',
				referenceImages: [SEEDED_REFERENCE_ASSET_ID],
				loras: ['model_hFh8M6nQbqGFSKJdP536GXhE', 'model_hFh8M6nQbqGFSKJdP536GXhE'],
			},
			400,
			'Input loras must be at most 1 items long',
		],
		[
			'model_flux-kontext-editing',
			'model type',
			{
				prompt: 'x',
				referenceImages: [SEEDED_REFERENCE_ASSET_ID],
				loras: ['model_YQrES2iPys22nYwh3YhVfMh8'],
			},
			400,
			'Invalid model(s): model_YQrES2iPys22nYwh3YhVfMh8.\nAllowed model types: flux.1-kontext-lora',
		],
		[
			'model_flux-kontext-editing',
			'unknown model',
			{ prompt: 'x', referenceImages: [SEEDED_REFERENCE_ASSET_ID], loras: ['model_missing'] },
			404,
			'Model model_missing not found',
		],
		[
			'model_patina-material',
			'string_array allowedValues',
			{ prompt: 'x', maps: ['albedo'] },
			400,
			'Input maps must be one of: basecolor, normal, roughness, metalness, height',
		],
		[
			'model_patina-material',
			'ifDefined',
			{ prompt: 'x', mask: SEEDED_REFERENCE_ASSET_ID },
			400,
			'An image is required when a mask is provided.',
		],
		[
			'model_patina-material',
			'numeric allowedValues',
			{ prompt: 'x', upscaleFactor: 3 },
			400,
			'Input upscaleFactor must be one of: 0, 2, 4',
		],
		[
			'model_cartwheel-text-to-motion',
			'ifNotDefined',
			{ prompt: 'x' },
			400,
			'Provide a reference image or a 3D model.',
		],
		[
			'model_runway-gen4-image-editing',
			'reference table: required referenceImages',
			{ prompt: 'x' },
			400,
			'Input referenceImages is required',
		],
		[
			'model_YQrES2iPys22nYwh3YhVfMh8',
			'LoRA is not custom',
			{ prompt: 'x' },
			400,
			'Custom models only are supported for this endpoint',
		],
		['model_nope', 'unknown model', { prompt: 'x' }, 404, 'Model model_nope not found'],
	];
	it.each(cases)('%s: %s', async (model, _case, body, status, reason) => {
		const r = await api('POST', `/generate/custom/${model}`, body);
		expect({ status: r.status, body: r.json }).toEqual({ status, body: { reason } });
	});

	it('answers dryRun with 269, a cost that scales with numOutputs, and creates no job', async () => {
		const one = await api('POST', '/generate/custom/model_google-gemini-3-1-flash?dryRun=true', {
			prompt: 'x',
		});
		const three = await api('POST', '/generate/custom/model_google-gemini-3-1-flash?dryRun=true', {
			prompt: 'x',
			numOutputs: 3,
		});
		expect(one.status).toBe(269);
		expect(Object.keys(one.json).sort()).toEqual([
			'costDetails',
			'creativeUnitsCost',
			'creativeUnitsDiscount',
		]);
		const perOutput = one.json.costDetails['custom-generation'];
		expect(three.json.costDetails['custom-generation']).toBe(perOutput * 3);
		expect(sim.jobs.size).toBe(0);
	});
});

describe('jobs', () => {
	it('splits the duration across the phases, progress rising through in-progress and finalizing', async () => {
		sim.setJobDuration(1_000);
		const { job } = (
			await api('POST', '/generate/custom/model_google-gemini-3-1-flash', { prompt: 'p' })
		).json;
		const simJob = sim.jobs.get(job.jobId)!;
		// Driven by hand, ahead of the clock: the timers then find the job already ended.
		const at = (fraction: number) => simJob.createdAt + fraction * 1_000;
		const seen: [string, number][] = [];
		for (const f of [0.02, 0.07, 0.12, 0.5, 0.95]) {
			advanceJob(simJob, at(f), () => []);
			seen.push([simJob.status, simJob.progress]);
		}
		expect(seen.map(([s]) => s)).toEqual([
			'pending',
			'queued',
			'warming-up',
			'in-progress',
			'finalizing',
		]);
		expect(seen.slice(0, 3).map(([, p]) => p)).toEqual([0, 0, 0]);
		expect(seen[3][1]).toBeCloseTo(0.41, 2);
		expect(seen[4][1]).toBeCloseTo(0.94, 2);
		advanceJob(simJob, at(1), () => []);
		expect(simJob.status).toBe('success');
		expect(simJob.doneAt).toBe(simJob.createdAt + 1_000);
	});

	it("setJobPhases('recorded') gives the recorded job's path, pending -> queued -> in-progress -> success", async () => {
		sim.setJobPhases('recorded');
		sim.setJobDuration(150);
		const { job } = (
			await api('POST', '/generate/custom/model_google-gemini-3-1-flash', { prompt: 'p' })
		).json;
		const done = await waitForJob(job.jobId);
		expect(done.statusHistory.map((h: Json) => h.status)).toEqual([
			'pending',
			'queued',
			'in-progress',
			'success',
		]);
		sim.reset();
		const again = (
			await api('POST', '/generate/custom/model_google-gemini-3-1-flash', { prompt: 'p' })
		).json.job;
		expect(sim.jobs.get(again.jobId)?.phases).toBe('all');
	});

	it('runs pending -> queued -> warming-up -> in-progress -> finalizing -> success with assets, billing and timing marks', async () => {
		sim.setJobDuration(400);
		const created = await api(
			'POST',
			'/generate/custom/model_google-gemini-3-1-flash?projectId=proj_test123',
			{
				prompt: 'a lighthouse at dusk',
				numOutputs: 2,
				aspectRatio: '16:9',
			},
		);
		expect(created.status).toBe(200);
		const job = created.json.job;
		expect(job.jobId).toMatch(/^job_[1-9A-HJ-NP-Za-km-z]{24}$/);
		expect(job.jobType).toBe('custom');
		expect(job.status).toBe('pending');
		expect(job.progress).toBe(0);
		expect(job.metadata.input).toEqual({
			modelId: 'model_google-gemini-3-1-flash',
			prompt: 'a lighthouse at dusk',
			numOutputs: 2,
			aspectRatio: '16:9',
		});
		expect(created.json.creativeUnitsCost).toEqual(expect.any(Number));
		const seen = new Set<string>();
		const done = await waitForJob(job.jobId, seen);
		expect(seen.has('in-progress')).toBe(true);
		expect(done.status).toBe('success');
		expect(done.progress).toBe(1);
		// Every status of the OpenAPI job schema, in order.
		expect(done.statusHistory.map((h: Json) => h.status)).toEqual([
			'pending',
			'queued',
			'warming-up',
			'in-progress',
			'finalizing',
			'success',
		]);
		const dates = done.statusHistory.map((h: Json) => Date.parse(h.date));
		expect(dates).toEqual([...dates].sort((a, b) => a - b));
		expect(done.metadata.assetIds).toHaveLength(2);
		expect(done.billing).toEqual({
			cuCost: expect.any(Number),
			cuDiscount: 0,
			cuCostDetails: expect.any(Object),
		});
		expect(done.ownerId).toBe('proj_test123');

		const simJob = sim.jobs.get(job.jobId);
		expect(simJob?.projectId).toBe('proj_test123');
		expect(simJob?.doneAt).toBe(simJob!.createdAt + 400);
		expect(simJob?.firstSeenTerminalAt).toBeGreaterThanOrEqual(simJob!.doneAt!);

		const asset = await api('GET', `/assets/${done.metadata.assetIds[0]}`);
		expect(asset.status).toBe(200);
		expect(asset.json.asset.metadata).toMatchObject({
			modelId: 'model_google-gemini-3-1-flash',
			seed: expect.stringMatching(/^\d+$/),
			kind: 'image',
		});
		// Only PATINA's output types are recorded: other outputs carry none.
		expect(asset.json.asset.metadata).not.toHaveProperty('type');
		expect(asset.json.asset.properties).toEqual({
			size: expect.any(Number),
			width: 256,
			height: 144,
		});
	});

	it('uses the request seed and makes outputs deterministic per prompt and seed', async () => {
		sim.setJobDuration(0);
		const run = async (prompt: string, seed: number): Promise<{ seed: string; png: Buffer }> => {
			const c = await api('POST', '/generate/custom/model_patina-material', {
				prompt,
				seed,
				maps: [],
			});
			const job = await waitForJob(c.json.job.jobId);
			const a = await api('GET', `/assets/${job.metadata.assetIds[0]}`);
			const file = await http(a.json.asset.url);
			return { seed: a.json.asset.metadata.seed, png: file.bytes };
		};
		const a = await run('rusty iron', 42);
		const b = await run('rusty iron', 42);
		const c = await run('mossy stone', 42);
		expect(a.seed).toBe('42');
		expect(a.png.equals(b.png)).toBe(true);
		expect(a.png.equals(c.png)).toBe(false);
	});

	it('returns one asset per PATINA map plus the texture, like the recorded job.json', async () => {
		sim.setJobDuration(0);
		const c = await api('POST', '/generate/custom/model_patina-material', {
			prompt: 'copper',
			width: 512,
			height: 512,
		});
		const job = await waitForJob(c.json.job.jobId);
		expect(job.metadata.assetIds).toHaveLength(
			fixture('jobs/job.json').job.metadata.assetIds.length,
		);
		// Each output says which it is (metadata.type), and the ids come in no fixed order.
		const assets = await Promise.all(
			job.metadata.assetIds.map(
				async (id: string) => (await api('GET', `/assets/${id}`)).json.asset,
			),
		);
		expect(assets.map((asset: Json) => asset.metadata.type).sort()).toEqual(
			[
				'inference-txt2img-texture',
				'texture-albedo',
				'texture-normal',
				'texture-smoothness',
				'texture-metallic',
				'texture-height',
			].sort(),
		);
		const made = assets.map((asset: Json) => asset.metadata.outputIndex);
		expect(made).not.toEqual([...made].sort((a: number, b: number) => a - b));
		expect(
			assets.every((asset: Json) => asset.kind === 'image' && asset.mimeType === 'image/png'),
		).toBe(true);
	});

	it('makes video, 3D outputs for video and 3D models, served with their content type', async () => {
		sim.setJobDuration(0);
		const video = await uploadFile(mediaFile('video', 'ref clip')!, 'video', 'clip.mp4');
		const cases = [
			{
				model: 'model_bytedance-seedance-2-0-mini',
				body: { prompt: 'a dancer', referenceVideos: [video] },
				kind: 'video',
				mimeType: 'video/mp4',
				ext: 'mp4',
			},
			{
				model: 'model_meshy-7-txt23d',
				body: { prompt: 'a chair' },
				kind: '3d',
				mimeType: 'model/gltf-binary',
				ext: 'glb',
			},
		];
		for (const c of cases) {
			const r = await api('POST', `/generate/custom/${c.model}`, c.body);
			expect(r.status).toBe(200);
			const job = await waitForJob(r.json.job.jobId);
			const { asset } = (await api('GET', `/assets/${job.metadata.assetIds[0]}`)).json;
			expect(asset).toMatchObject({
				kind: c.kind,
				mimeType: c.mimeType,
				metadata: { kind: c.kind },
			});
			expect(asset.metadata).not.toHaveProperty('type');
			expect(new URL(asset.url).pathname).toMatch(new RegExp(`\\.${c.ext}$`));
			const cdn = await http(asset.url);
			expect(cdn.headers['content-type']).toBe(c.mimeType);
			expect(mediaKindOf(cdn.bytes)).toBe(c.kind);
		}
	});

	it('ends jobs in failure with metadata.error, or canceled, on demand', async () => {
		sim.setJobDuration(30);
		sim.failNextJobs(1, 'Provider timeout');
		sim.cancelNextJobs(1);
		const failed = await api('POST', '/generate/custom/model_openai-gpt-image-2', { prompt: 'x' });
		const canceled = await api('POST', '/generate/custom/model_openai-gpt-image-2', {
			prompt: 'x',
		});
		const ok = await api('POST', '/generate/custom/model_openai-gpt-image-2', { prompt: 'x' });
		const f = await waitForJob(failed.json.job.jobId);
		expect(f.status).toBe('failure');
		expect(f.metadata.error).toBe('Provider timeout');
		expect(f.metadata.assetIds).toEqual([]);
		const c = await waitForJob(canceled.json.job.jobId);
		expect(c.status).toBe('canceled');
		expect((await waitForJob(ok.json.job.jobId)).status).toBe('success');
	});

	it('cancels a running job through POST /jobs/{id}/action', async () => {
		sim.setJobDuration(10_000);
		const c = await api('POST', '/generate/custom/model_openai-gpt-image-2', { prompt: 'x' });
		const id = c.json.job.jobId;
		const r = await api('POST', `/jobs/${id}/action`, { action: 'cancel' });
		expect(r.status).toBe(200);
		expect(r.json.job.status).toBe('canceled');
		expect((await api('GET', `/jobs/${id}`)).json.job.status).toBe('canceled');
		expect(sim.jobs.get(id)?.doneAt).toBeLessThan(sim.jobs.get(id)!.createdAt + 10_000);
		const bad = await api('POST', `/jobs/${id}/action`, { action: 'pause' });
		expect(bad.json).toEqual({ reason: 'Input action must be one of: cancel' });
	});

	it('answers 404 for unknown jobs', async () => {
		const r = await api('GET', '/jobs/job_nope');
		expect(r.status).toBe(404);
		expect(r.json).toEqual({ reason: 'Job job_nope not found' });
	});
});

describe('legacy endpoints', () => {
	it('runs POST /generate/img2img on a non-custom LoRA with a data URL image', async () => {
		sim.setJobDuration(0);
		const dataUrl = `data:image/png;base64,${renderPicture('input', 64, 64).toString('base64')}`;
		const body = {
			modelId: 'model_YQrES2iPys22nYwh3YhVfMh8',
			prompt: 'watercolor',
			image: dataUrl,
			strength: 0.6,
		};
		const dry = await api('POST', '/generate/img2img?dryRun=true', body);
		expect(dry.status).toBe(269);
		expect(Object.keys(dry.json).sort()).toEqual(['creativeUnitsCost', 'creativeUnitsDiscount']);
		expect(sim.jobs.size).toBe(0);
		const r = await api('POST', '/generate/img2img', body);
		expect(r.status).toBe(200);
		expect(r.json.inference).toMatchObject({
			type: 'img2img',
			prompt: 'watercolor',
			strength: 0.6,
			numSamples: 4,
		});
		expect(r.json.inference.imageId).toMatch(/^asset_/);
		expect(r.json.inference.image.startsWith(sim.cdnOrigin)).toBe(true);
		const job = await waitForJob(r.json.job.jobId);
		expect(job.metadata.assetIds).toHaveLength(4); // OpenAPI default numSamples
	});

	it.each([
		[
			{
				modelId: 'model_YQrES2iPys22nYwh3YhVfMh8',
				prompt: 'x',
				image: SEEDED_REFERENCE_ASSET_ID,
				width: 100,
			},
			'Input width must be a multiple of 8',
		],
		[
			{
				modelId: 'model_YQrES2iPys22nYwh3YhVfMh8',
				prompt: 'x',
				image: SEEDED_REFERENCE_ASSET_ID,
				strength: 0,
			},
			'Input strength must be at least 0.01',
		],
		[{ modelId: 'model_YQrES2iPys22nYwh3YhVfMh8', prompt: 'x' }, 'Input image is required'],
		[
			{ modelId: 'model_YQrES2iPys22nYwh3YhVfMh8', image: SEEDED_REFERENCE_ASSET_ID },
			'Input prompt is required',
		],
		[
			{ modelId: 'model_openai-gpt-image-2', prompt: 'x', image: SEEDED_REFERENCE_ASSET_ID },
			'Custom models are not supported for this endpoint, use POST /generate/custom/{modelId}',
		],
	])('validates img2img body %#', async (body, reason) => {
		const r = await api('POST', '/generate/img2img', body);
		expect({ status: r.status, body: r.json }).toEqual({ status: 400, body: { reason } });
	});

	it('runs POST /generate/prompt-editing and validates it', async () => {
		sim.setJobDuration(0);
		const r = await api('POST', '/generate/prompt-editing', {
			image: SEEDED_REFERENCE_ASSET_ID,
			prompt: 'add a hat',
			modelId: 'gpt-image-1',
		});
		expect(r.status).toBe(200);
		expect(r.json.job.jobType).toBe('image-prompt-editing');
		expect((await waitForJob(r.json.job.jobId)).metadata.assetIds).toHaveLength(1);
		const missing = await api('POST', '/generate/prompt-editing', { prompt: 'x' });
		expect(missing.json).toEqual({ reason: 'Input image is required' });
		const tooMany = await api('POST', '/generate/prompt-editing', {
			image: SEEDED_REFERENCE_ASSET_ID,
			prompt: 'x',
			modelId: 'runway-gen4-image',
			referenceImages: Array(3).fill(SEEDED_REFERENCE_ASSET_ID),
		});
		expect(tooMany.json).toEqual({ reason: 'Input referenceImages must be at most 2 items long' });
	});
});

describe('assets and CDN', () => {
	it('stores a base64 image, serves it through a signed CDN URL, and refuses Authorization there', async () => {
		const png = renderPicture('upload me', 40, 30);
		const posted = await api('POST', '/assets?projectId=proj_abc', {
			image: `data:image/png;base64,${png.toString('base64')}`,
			name: 'up.png',
		});
		expect(posted.status).toBe(200);
		const asset = posted.json.asset;
		expect(asset).toMatchObject({
			id: expect.stringMatching(/^asset_/),
			mimeType: 'image/png',
			kind: 'image',
			status: 'success',
			privacy: 'private',
			ownerId: 'proj_abc',
			properties: { size: png.length, width: 40, height: 30 },
			metadata: { type: 'uploaded', kind: 'image', name: 'up.png' },
		});
		const got = await api('GET', `/assets/${asset.id}`);
		const url: string = got.json.asset.url;
		expect(url.startsWith(`${sim.cdnOrigin}/assets/${asset.id}.png?`)).toBe(true);
		const file = await http(url);
		expect(file.status).toBe(200);
		expect(file.headers['content-type']).toBe('image/png');
		expect(file.bytes.equals(png)).toBe(true);
		expect((await http(url, { headers: { authorization: sim.authorization } })).status).toBe(403);
		expect((await http(url.replace(/sig=[0-9a-f]{4}/, 'sig=0000'))).status).toBe(403);
		expect(sim.calls('GET', /^\/assets\//, 'cdn')).toHaveLength(3);
		expect((await api('GET', '/assets/asset_nope')).json).toEqual({
			reason: 'Asset asset_nope not found',
		});
	});

	it('reads JPEG dimensions from the SOF marker', async () => {
		const sof = Buffer.from([
			0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x78, 0x00, 0xa0, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11,
			1,
		]);
		const app0 = Buffer.concat([
			Buffer.from([0xff, 0xe0, 0x00, 0x10]),
			Buffer.from('JFIF\0'),
			Buffer.alloc(9),
		]);
		const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, Buffer.from([0xff, 0xd9])]);
		const r = await api('POST', '/assets', { image: jpeg.toString('base64'), name: 'a.jpg' });
		expect(r.json.asset).toMatchObject({
			mimeType: 'image/jpeg',
			properties: { width: 160, height: 120 },
		});
	});

	it('refuses POST /assets bodies of 6,000,000 bytes or more, and non-images', async () => {
		/** A body of exactly `bytes` bytes: {"image":"AAAA…","name":"big.png"}. */
		const bodyOf = (bytes: number) => ({
			image: 'A'.repeat(bytes - JSON.stringify({ image: '', name: 'big.png' }).length),
			name: 'big.png',
		});
		const big = await api('POST', '/assets', bodyOf(6_000_000));
		// The docs' text for an image over 6 MB sent to /v1/assets (uploading-assets.md); the status is ours.
		expect(big.status).toBe(400);
		expect(big.json).toEqual({ reason: "Either 'image' or 'canvas' must be provided" });
		expect(sim.calls('POST', '/assets')[0].bodyBytes).toBe(6_000_000);
		// One byte less passes the size check (and fails as what it is: no image).
		const under = await api('POST', '/assets', bodyOf(5_999_999));
		expect(under.json).toEqual({ reason: 'Input image must be a valid image' });
		const notImage = await api('POST', '/assets', {
			image: Buffer.from('hello').toString('base64'),
			name: 'x.png',
		});
		expect(notImage.json).toEqual({ reason: 'Input image must be a valid image' });
	});

	it('uses uploaded assets as inputs of an editing model (recorded gpt-image-2 with mask)', async () => {
		sim.setJobDuration(0);
		const image = await uploadPng(renderPicture('photo', 64, 48));
		const mask = await uploadPng(renderPicture('mask', 64, 48));
		const r = await api('POST', '/generate/custom/model_openai-gpt-image-2', {
			prompt: 'make it night',
			referenceImages: [image],
			mask,
		});
		expect(r.status).toBe(200);
		const job = await waitForJob(r.json.job.jobId);
		const out = await api('GET', `/assets/${job.metadata.assetIds[0]}`);
		expect(out.json.asset.metadata).toMatchObject({
			referenceImages: [image],
			mask,
		});
		expect(out.json.asset.properties).toMatchObject({ width: 256, height: 192 }); // input aspect 4:3
	});
});

describe('multipart uploads', () => {
	const pngFile = (): Buffer => renderPicture('large file', 300, 200);

	async function createUpload(file: Buffer, parts: number): Promise<Json> {
		const r = await api('POST', '/uploads', {
			fileName: 'big.png',
			fileSize: file.length,
			kind: 'image',
			contentType: 'image/png',
			parts,
		});
		expect(r.status).toBe(200);
		return r.json.upload;
	}

	it('takes signed part PUTs, completes, and imports into an asset (entityId)', async () => {
		const file = pngFile();
		const upload = await createUpload(file, 3);
		expect(upload).toMatchObject({
			id: expect.stringMatching(/^upload_/),
			status: 'pending',
			partsCount: 3,
			kind: 'image',
			source: 'multipart',
		});
		expect(upload.parts.map((p: Json) => p.number)).toEqual([1, 2, 3]);
		const size = Math.ceil(file.length / 3);
		const withAuth = await http(upload.parts[0].url, {
			method: 'PUT',
			body: file.subarray(0, size),
			headers: { authorization: sim.authorization },
		});
		expect(withAuth.status).toBe(403);
		// Upload out of order: the simulator concatenates by part number.
		for (const i of [2, 0, 1]) {
			const part = upload.parts[i];
			expect(part.url.startsWith(`${sim.uploadOrigin}/`)).toBe(true);
			const put = await http(part.url, {
				method: 'PUT',
				body: file.subarray(i * size, (i + 1) * size),
			});
			expect(put.status).toBe(200);
			expect(put.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
		}
		sim.setUploadValidation(300);
		const done = await api('POST', `/uploads/${upload.id}/action`, { action: 'complete' });
		expect(done.json.upload.status).toBe('validating');
		// Validating, then validated, then imported, in time (not in polls): polls see each in turn.
		const seen: string[] = [];
		let state: Json = done.json.upload;
		for (let i = 0; i < 40 && state.status !== 'imported'; i++) {
			state = (await api('GET', `/uploads/${upload.id}`)).json.upload;
			if (seen.at(-1) !== state.status) seen.push(state.status);
			if (state.status !== 'imported') expect(state.entityId).toBeUndefined();
			await sleep(30);
		}
		expect(seen).toEqual(['validating', 'validated', 'imported']);
		expect(state.entityId).toMatch(/^asset_/);
		const asset = await api('GET', `/assets/${state.entityId}`);
		expect(asset.json.asset).toMatchObject({
			mimeType: 'image/png',
			properties: { size: file.length, width: 300, height: 200 },
		});
		expect((await http(asset.json.asset.url)).bytes.equals(file)).toBe(true);
	});

	it('refuses complete with missing parts and fails on a size mismatch', async () => {
		const file = pngFile();
		const upload = await createUpload(file, 3);
		await http(upload.parts[0].url, { method: 'PUT', body: file });
		const missing = await api('POST', `/uploads/${upload.id}/action`, { action: 'complete' });
		expect(missing.status).toBe(400);
		expect(missing.json).toEqual({ reason: `Upload ${upload.id} is missing parts: 2, 3` });
		await http(upload.parts[1].url, { method: 'PUT', body: Buffer.from('x') });
		await http(upload.parts[2].url, { method: 'PUT', body: Buffer.from('y') });
		sim.setUploadValidation(0);
		await api('POST', `/uploads/${upload.id}/action`, { action: 'complete' });
		const polled = await api('GET', `/uploads/${upload.id}`);
		expect(polled.json.upload.status).toBe('failed');
		expect(polled.json.upload.errorMessage).toMatch(/size mismatch/);
	});
});

describe('uploads of every kind', () => {
	it('imports video, audio and 3D files as assets of that kind, served with their content type', async () => {
		for (const kind of ['video', 'audio', '3d']) {
			const file = mediaFile(kind, `sample ${kind}`)!;
			const id = await uploadFile(file, kind, `sample.${file.extension}`);
			const { asset } = (await api('GET', `/assets/${id}`)).json;
			expect(asset).toMatchObject({
				kind,
				mimeType: file.mimeType,
				metadata: { type: `uploaded-${kind}`, kind },
				editCapabilities: [],
			});
			const cdn = await http(asset.url);
			expect(cdn.headers['content-type']).toBe(file.mimeType);
			expect(cdn.bytes.equals(file.bytes)).toBe(true);
		}
	});

	it('refuses a file input given an asset of another kind, and non-images on POST /assets', async () => {
		const audio = await uploadFile(mediaFile('audio', 'voice')!, 'audio', 'voice.wav');
		const wrong = await api('POST', '/generate/custom/model_bytedance-seedance-2-0-mini', {
			prompt: 'x',
			referenceVideos: [audio],
		});
		expect(wrong.status).toBe(400);
		expect(wrong.json.reason).toBe(`Input referenceVideos: asset ${audio} is not a video asset`);
		const rodin = await api('POST', '/generate/custom/model_rodin-hyper3d-bang', {
			model: SEEDED_REFERENCE_ASSET_ID,
			image: SEEDED_REFERENCE_ASSET_ID,
		});
		expect(rodin.status).toBe(400);
		expect(rodin.json.reason).toBe(
			`Input model: asset ${SEEDED_REFERENCE_ASSET_ID} is not a 3d asset`,
		);
		const mp4 = await api('POST', '/assets', {
			image: mediaFile('video', 'as image')!.bytes.toString('base64'),
			name: 'clip.mp4',
		});
		expect(mp4.status).toBe(400);
		expect(mp4.json.reason).toBe('Input image must be a valid image');
	});

	it('fails the import of a non-image uploaded as an image: "Unsupported image format"', async () => {
		sim.setUploadValidation(0);
		const clip = mediaFile('video', 'as image upload')!.bytes;
		const { upload } = (
			await api('POST', '/uploads', {
				fileName: 'clip.png',
				fileSize: clip.length,
				kind: 'image',
				contentType: 'image/png',
				parts: 1,
			})
		).json;
		expect((await http(upload.parts[0].url, { method: 'PUT', body: clip })).status).toBe(200);
		await api('POST', `/uploads/${upload.id}/action`, { action: 'complete' });
		const { upload: done } = (await api('GET', `/uploads/${upload.id}`)).json;
		expect(done).toMatchObject({ status: 'failed', errorMessage: 'Unsupported image format' });
		expect(done.entityId).toBeUndefined();
	});
});

describe('fault injection', () => {
	it('answers 429 with and without Retry-After, limited by times', async () => {
		sim.inject({
			method: 'GET',
			path: '/models',
			times: 1,
			fault: { kind: 'status', status: 429, retryAfter: 2 },
		});
		const first = await api('GET', '/models');
		expect(first.status).toBe(429);
		expect(first.headers['retry-after']).toBe('2');
		expect(first.json).toEqual({ reason: 'Too Many Requests' });
		expect((await api('GET', '/models')).status).toBe(200);
		sim.inject({ path: '/models', times: 1, fault: { kind: 'status', status: 429 } });
		const noHeader = await api('GET', '/models');
		expect(noHeader.status).toBe(429);
		expect(noHeader.headers['retry-after']).toBeUndefined();
	});

	it('applies a fault to every Nth matching request', async () => {
		sim.inject({
			path: /^\/models\/model_patina$/,
			every: 3,
			fault: { kind: 'status', status: 503 },
		});
		const statuses: number[] = [];
		for (let i = 0; i < 6; i++) statuses.push((await api('GET', '/models/model_patina')).status);
		expect(statuses).toEqual([200, 200, 503, 200, 200, 503]);
	});

	it('resets the connection mid-response and logs status 0', async () => {
		sim.inject({ path: '/models/', times: 1, fault: { kind: 'reset' } });
		await expect(api('GET', '/models/model_patina')).rejects.toThrow();
		expect(sim.calls('GET', '/models/')[0].status).toBe(0);
		expect((await api('GET', '/models/model_patina')).status).toBe(200);
	});

	it('sends malformed JSON and slow answers', async () => {
		sim.inject({ path: '/models/', times: 1, fault: { kind: 'malformed' } });
		const bad = await api('GET', '/models/model_patina');
		expect(bad.status).toBe(200);
		expect(() => JSON.parse(bad.text)).toThrow();
		sim.inject({ path: '/models/', times: 1, fault: { kind: 'slow', delayMs: 120 } });
		const t0 = Date.now();
		expect((await api('GET', '/models/model_patina')).status).toBe(200);
		expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
	});

	it('faults the CDN origin too', async () => {
		const id = await uploadPng(renderPicture('cdn', 16, 16));
		const url = (await api('GET', `/assets/${id}`)).json.asset.url;
		sim.inject({
			origin: 'cdn',
			path: '/assets/',
			times: 1,
			fault: { kind: 'status', status: 500 },
		});
		expect((await http(url)).status).toBe(500);
		expect((await http(url)).status).toBe(200);
	});

	it('logs every request with headers and parsed body', async () => {
		await api('POST', '/generate/custom/model_openai-gpt-image-2?dryRun=true', {
			prompt: 'logged',
		});
		const [entry] = sim.calls('POST', '/generate/custom/');
		expect(entry).toMatchObject({
			origin: 'api',
			method: 'POST',
			path: '/v1/generate/custom/model_openai-gpt-image-2',
			query: { dryRun: 'true' },
			body: { prompt: 'logged' },
			status: 269,
		});
		expect(entry.headers.authorization).toBe(sim.authorization);
	});
});

describe('generated PNGs', () => {
	it('are valid PNG files: signature, IHDR, CRCs, and an IDAT that inflates to the pixel size', async () => {
		sim.setJobDuration(0);
		const c = await api('POST', '/generate/custom/model_openai-gpt-image-2', {
			prompt: 'png check',
			width: 1024,
			height: 512,
		});
		const job = await waitForJob(c.json.job.jobId);
		const asset = (await api('GET', `/assets/${job.metadata.assetIds[0]}`)).json.asset;
		expect(asset.metadata).toMatchObject({ width: 1024, height: 512 });
		const png = (await http(asset.url)).bytes;
		expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
		let offset = 8;
		const idat: Buffer[] = [];
		const types: string[] = [];
		let width = 0;
		let height = 0;
		while (offset < png.length) {
			const len = png.readUInt32BE(offset);
			const type = png.toString('ascii', offset + 4, offset + 8);
			const data = png.subarray(offset + 8, offset + 8 + len);
			expect(png.readUInt32BE(offset + 8 + len)).toBe(
				crc32(png.subarray(offset + 4, offset + 8 + len)),
			);
			types.push(type);
			if (type === 'IHDR') {
				width = data.readUInt32BE(0);
				height = data.readUInt32BE(4);
				expect([data[8], data[9], data[12]]).toEqual([8, 2, 0]);
			}
			if (type === 'IDAT') idat.push(data);
			offset += 12 + len;
		}
		expect(types[0]).toBe('IHDR');
		expect(types[types.length - 1]).toBe('IEND');
		expect([width, height]).toEqual([256, 128]);
		expect([asset.properties.width, asset.properties.height]).toEqual([256, 128]);
		expect(inflateSync(Buffer.concat(idat)).length).toBe((width * 3 + 1) * height);
	});

	it('pads outputs to setOutputMinBytes with a valid ancillary chunk, until reset', async () => {
		sim.setJobDuration(0);
		sim.setOutputMinBytes(300_000);
		const c = await api('POST', '/generate/custom/model_openai-gpt-image-2', {
			prompt: 'big output',
		});
		const job = await waitForJob(c.json.job.jobId);
		const asset = (await api('GET', `/assets/${job.metadata.assetIds[0]}`)).json.asset;
		const png = (await http(asset.url)).bytes;
		expect(png.length).toBe(300_000);
		expect(asset.properties).toMatchObject({ size: 300_000, width: 256, height: 256 });
		// Every chunk's CRC holds; the padding chunk sits right before IEND.
		let offset = 8;
		const types: string[] = [];
		while (offset < png.length) {
			const len = png.readUInt32BE(offset);
			expect(png.readUInt32BE(offset + 8 + len)).toBe(
				crc32(png.subarray(offset + 4, offset + 8 + len)),
			);
			types.push(png.toString('ascii', offset + 4, offset + 8));
			offset += 12 + len;
		}
		expect(types).toEqual(['IHDR', 'IDAT', 'paDd', 'IEND']);
		sim.reset();
		sim.setJobDuration(0);
		const small = await api('POST', '/generate/custom/model_openai-gpt-image-2', {
			prompt: 'big output',
		});
		const smallJob = await waitForJob(small.json.job.jobId);
		expect(
			(await api('GET', `/assets/${smallJob.metadata.assetIds[0]}`)).json.asset.properties.size,
		).toBeLessThan(100_000);
	});

	it('encodes arbitrary pixels', () => {
		const png = encodePng(2, 1, Uint8Array.from([255, 0, 0, 0, 0, 255]));
		expect(inflateSync(png.subarray(8 + 25 + 8, png.length - 12 - 4))).toEqual(
			Buffer.from([0, 255, 0, 0, 0, 0, 255]),
		);
	});
});
