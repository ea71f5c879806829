/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * n8n's own semantics, through n8n-core's engine: the error output, jobs the node did not
 * start, the stop reaching every upload and submission, one output per input, options per
 * item, file references, compressed downloads, n8n's error context, and Retry On Fail without a
 * second charge.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ScenarioSimulator } from '../simulator/server';
import { sniffImage } from '../simulator/png';
import { imageItem, mapped, modelById, pngImage, runScenarioNode } from '../support/scenario-nodes';

let sim: ScenarioSimulator;
/** A user's own image host on loopback (not Scenario's CDN): paths as CDNs like Cloudinary use. */
let host: Server;
let hostUrl: string;
const hostHits: string[] = [];

beforeAll(async () => {
	sim = await ScenarioSimulator.start({ jobDurationMs: 300 });
	host = createServer((req, res) => {
		hostHits.push(req.url ?? '');
		if (req.url === '/image/upload/w_300,h_200,c_fill/photo.png') {
			const png = pngImage('cloudinary-style', 48);
			res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
			res.end(png);
			return;
		}
		// A slow refusal: the run stops while other items are still uploading.
		setTimeout(() => {
			res.writeHead(404, { 'content-type': 'text/plain' });
			res.end('Not Found');
		}, 400).unref();
	});
	await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
	hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
});
afterEach(() => {
	sim.reset();
	hostHits.length = 0;
});
afterAll(async () => {
	await sim.close();
	await new Promise((resolve) => host.close(resolve));
});

const gpt = (inputs: Record<string, unknown>, options: Record<string, unknown> = {}) => ({
	model: modelById('model_openai-gpt-image-2'),
	inputs: mapped(inputs),
	options,
});
const generations = () => sim.calls('POST', '/generate/');

describe('n8n semantics', () => {
	it('On Error "Continue (using error output)": the failed item goes to the error output, with its fields under details', async () => {
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: { ...gpt({ prompt: 'a kite' }), model: modelById('={{ $json.model }}') },
			items: [{ json: { model: 'model_openai-gpt-image-2' } }, { json: { model: 'model_nope' } }],
			settings: { onError: 'continueErrorOutput' },
		});
		expect(result.outputs.map((output) => output.length)).toEqual([1, 1]);
		const [failed] = result.outputs[1];
		expect(failed.json.error).toMatch(/"model_nope" was not found on Scenario.*\[item 1\]/);
		expect(failed.json.details).toMatchObject({ modelId: 'model_nope' });
		expect(failed.pairedItem).toEqual({ item: 1 });
		// "Continue" keeps the fields beside the error, where a workflow reads them.
		const regular = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: { ...gpt({ prompt: 'a kite' }), model: modelById('model_nope') },
			settings: { onError: 'continueRegularOutput' },
		});
		expect(regular.outputs).toHaveLength(1);
		expect(regular.items[0].json).toMatchObject({ modelId: 'model_nope' });
		expect(regular.items[0].json.error).toMatch(/not found/);
	});

	it('Wait for Job stopped by the user leaves the jobs it follows running on Scenario', async () => {
		sim.setJobDuration(20_000);
		const started = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: gpt({ prompt: 'a long one' }, { waitForCompletion: false }),
		});
		const jobId = String(started.items[0].json.jobId);
		const stop = new AbortController();
		setTimeout(() => stop.abort(), 800);
		const waited = await runScenarioNode(sim, {
			type: 'waitForJob',
			parameters: { jobId },
			signal: stop.signal,
		});
		expect(waited.status).toBe('canceled');
		expect(sim.calls('POST', /^\/jobs\/[^/]+\/action$/)).toEqual([]);
		expect(sim.jobs.get(jobId)?.status).not.toBe('canceled');
	});

	it('after the node has decided to fail, nothing more is uploaded or submitted', async () => {
		// Item 0's image host answers 404 after 0.4 s; item 1 meanwhile uploads a large image
		// part by part (each part slowed down), so the stop lands in the middle of its upload.
		sim.inject({
			method: 'PUT',
			path: '/uploads/',
			origin: 'upload',
			fault: { kind: 'slow', delayMs: 300 },
		});
		const big = imageItem('big');
		big.binary!.data.data = Buffer.concat([pngImage('big', 64), Buffer.alloc(20 * 1024 * 1024)]);
		const result = await runScenarioNode(sim, {
			type: 'promptEdit',
			parameters: {
				image: '={{ $json.image }}',
				prompt: 'make it blue',
				model: modelById('model_flux-kontext-editing'),
				inputs: mapped({}),
				options: {},
			},
			items: [{ json: { image: `${hostUrl}/missing.png` } }, { ...big, json: { image: 'data' } }],
		});
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/Downloading Image to Edit from 127\.0\.0\.1.*HTTP 404/);
		expect(generations()).toEqual([]);
		// The upload was cut off: not every part was sent, and it was never completed.
		expect(sim.calls('POST', /^\/uploads\/[^/]+\/action$/)).toEqual([]);
		// The user's own host gets advice about the URL, not about Scenario's signed URLs.
		expect(result.nodeError?.description).toMatch(
			/The server at 127\.0\.0\.1:\d+ refused the file/,
		);
	});

	it('a job that succeeds with no assets still yields an item that says so', async () => {
		sim.emptyNextJobs(1);
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: gpt({ prompt: 'nothing at all' }),
			items: [{ json: {} }, { json: {} }],
		});
		expect(result.items).toHaveLength(2);
		const empty = result.items.filter((item) => item.json.assetId === null);
		expect(empty).toHaveLength(1);
		expect(empty[0].json.message).toMatch(/succeeded but returned no output assets/);
		expect(empty[0].json.jobId).toMatch(/^job_/);
	});

	it('options are read for each item: Output Binary Property, Download Images, Timeout', async () => {
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: gpt(
				{ prompt: 'a boat' },
				{
					binaryProperty: '={{ $json.property }}',
					downloadImages: '={{ $json.download }}',
					timeoutSeconds: '={{ $json.timeout }}',
				},
			),
			items: [
				{ json: { property: 'first', download: true, timeout: 30 } },
				{ json: { property: 'second', download: true, timeout: 30 } },
				{ json: { property: 'third', download: false, timeout: 30 } },
			],
		});
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => Object.keys(item.binary ?? {}))).toEqual([
			['first'],
			['second'],
			[],
		]);
		expect(result.items[2].json.url).toMatch(/^http/);
	});

	it('a single-file reference is never split: a URL with commas is one image', async () => {
		const url = `${hostUrl}/image/upload/w_300,h_200,c_fill/photo.png`;
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_flux-kontext-editing'),
				inputs: mapped({ prompt: 'sharpen', referenceImages: url }),
				options: {},
			},
		});
		expect(result.error).toBeUndefined();
		expect(hostHits).toEqual(['/image/upload/w_300,h_200,c_fill/photo.png']);
		const [submission] = generations();
		expect((submission.body as { referenceImages: string[] }).referenceImages).toHaveLength(1);
		// A list takes one reference per line; commas separate only where no reference is a URL.
		const listed = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: {
				model: modelById('model_flux-kontext-editing'),
				inputs: mapped({ prompt: 'sharpen', referenceImages: `${url}\ndata` }),
				options: {},
			},
			items: [imageItem('second')],
		});
		expect(listed.error).toBeUndefined();
		expect((generations()[1].body as { referenceImages: string[] }).referenceImages).toHaveLength(
			2,
		);
	});

	it('a gzip-encoded CDN answer downloads whole (Content-Length counts the compressed bytes)', async () => {
		sim.setCdnGzip(true);
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: gpt({ prompt: 'compressed' }),
		});
		expect(result.error).toBeUndefined();
		expect(sim.calls('GET', '/assets/', 'cdn')[0].status).toBe(200);
		expect(sniffImage(await result.binary(result.items[0], 'data'))?.mimeType).toBe('image/png');
	});

	it("errors keep n8n's context: an expression error passes through, a malformed URL names its field", async () => {
		const expression = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: gpt({ prompt: '={{ $("No Such Node").item.json.text }}' }),
		});
		expect(expression.status).toBe('error');
		// n8n's own error, with its context (which item), not our re-wrap of it.
		expect(expression.nodeError?.name).toBe('ExpressionError');
		expect(expression.nodeError?.message).toBe("Referenced node doesn't exist");
		expect((expression.nodeError as { context?: { itemIndex?: number } }).context?.itemIndex).toBe(
			0,
		);
		const malformed = await runScenarioNode(sim, {
			type: 'promptEdit',
			parameters: {
				image: 'http://[not-a-host/photo.png',
				prompt: 'x',
				model: modelById('model_flux-kontext-editing'),
				inputs: mapped({}),
				options: {},
			},
		});
		expect(malformed.error?.message).toBe(
			'Image to Edit: "http://[not-a-host/photo.png" is not a valid URL [item 0]',
		);
		expect(sim.log.filter((entry) => entry.method === 'POST')).toEqual([]);
	});

	it('a submission that got no answer says a job may exist, and Retry On Fail does not send it again', async () => {
		sim.inject({
			method: 'POST',
			path: '/generate/',
			times: 1,
			fault: { kind: 'slow', delayMs: 2_500 },
		});
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: gpt({ prompt: 'lost answer' }, { requestTimeoutSeconds: 1 }),
			settings: { retryOnFail: true, maxTries: 2, waitBetweenTries: 100 },
		});
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/Not submitted again/);
		expect(result.nodeError?.description).toMatch(/A job may have been created on Scenario/);
		expect(generations()).toHaveLength(1);
		// The slow submission still creates its job 2.5 s in: wait for it, so it does not land in
		// (and take the planned outcomes of) the next test.
		for (let waited = 0; sim.jobs.size === 0 && waited < 5_000; waited += 50)
			await new Promise((resolve) => setTimeout(resolve, 50));
	});

	it('a rate-limited submission waits no longer than the Timeout', async () => {
		// Every submission refused with Retry-After 1 s; left alone, the node would try 6 times.
		sim.inject({
			method: 'POST',
			path: '/generate/',
			fault: { kind: 'status', status: 429, retryAfter: 1 },
		});
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: gpt({ prompt: 'busy' }, { timeoutSeconds: 2 }),
		});
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/HTTP 429/);
		// Tried at 0 s and 1 s; a third try at 2 s would start past the Timeout.
		expect(generations()).toHaveLength(2);
	});

	it('Retry On Fail (3 tries) with one failing item of 10 reuses the jobs earlier tries created', async () => {
		sim.setJobDuration(1_500);
		sim.failNextJobs(1, 'provider error');
		const result = await runScenarioNode(sim, {
			type: 'customGenerate',
			parameters: gpt({ prompt: '={{ "retry " + $json.n }}' }),
			items: Array.from({ length: 10 }, (_, n) => ({ json: { n } })),
			settings: { retryOnFail: true, maxTries: 3, waitBetweenTries: 100 },
		});
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(10);
		// 10 jobs on the first try; the second submits only the item whose job failed.
		const created = [...sim.jobs.values()].filter((job) =>
			String(job.input.prompt).startsWith('retry '),
		).length;
		process.stdout.write(
			`\n  [retry on fail] jobs created for 10 items with one failure: ${created}\n`,
		);
		expect(created).toBe(11);
		expect([...sim.jobs.values()].filter((job) => job.status === 'canceled')).toEqual([]);
		const prompts = generations().map((call) => (call.body as { prompt: string }).prompt);
		expect(new Set(prompts).size).toBe(10);
	});
});
