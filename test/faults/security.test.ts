/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Reliability, "Security": no request off the API origin carries the Authorization header; the API
 * secret appears in no output item, error message, error description or log line; a non-https
 * Base URL is refused unless it is a loopback address (in the nodes and in the credential test).
 *
 * The secret check also runs after every run of the faults, bad input and recorded-model suites
 * (support.ts `run`), so it covers every case there too.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Workflow } from 'n8n-workflow';

import { ScenarioApi } from '../../credentials/ScenarioApi.credentials';
import { checkBaseUrl } from '../../nodes/shared/transport/connection';
import { HarnessNodeTypes } from '../harness';
import type { RunNodeResult } from '../harness';
import type { ScenarioSimulator } from '../simulator/server';
import {
	imageItem,
	mapped,
	modelById,
	nodeStub,
	nodeTypes,
	pngImage,
} from '../support/scenario-nodes';
import {
	category,
	deepText,
	expectNoAuthorizationOffApi,
	expectOnePerInput,
	promptItems,
	run,
	startSimulator,
} from './support';

const { test } = category('security');

let sim: ScenarioSimulator;
beforeAll(async () => {
	sim = await startSimulator(100);
});
afterEach(() => sim.reset());
afterAll(async () => await sim.close());

const textToImage = {
	model: modelById('model_openai-gpt-image-2'),
	inputs: mapped({ prompt: '={{ $json.prompt }}' }),
	options: { timeoutSeconds: 15, requestTimeoutSeconds: 1 },
};

/** Every text of a run (items, errors, run data, log lines) must be free of these strings. */
function expectAbsent(result: RunNodeResult, needles: string[]): void {
	const everything = deepText({
		items: result.items,
		error: result.error,
		nodeError: result.nodeError,
		resultData: result.run.data.resultData,
		logs: result.logs,
	});
	for (const needle of needles) expect(everything.includes(needle)).toBe(false);
}

/** A plain HTTP server on loopback that records the headers it was sent and answers with a PNG. */
async function imageHost(): Promise<{
	url: string;
	seen: IncomingHttpHeaders[];
	close: () => Promise<void>;
}> {
	const seen: IncomingHttpHeaders[] = [];
	const png = pngImage('external');
	const server: Server = createServer((req, res) => {
		seen.push(req.headers);
		res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(png.length) });
		res.end(png);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/pictures/external.png`,
		seen,
		close: async () => await new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

describe('the Authorization header stays on the API origin', () => {
	test('downloads from the CDN and multipart part uploads go without it; API calls carry it', async () => {
		const large = {
			data: Buffer.concat([pngImage('large'), Buffer.alloc(5 * 1024 * 1024)]),
			mimeType: 'image/png',
			fileName: 'large.png',
		};
		const result = await run(sim, {
			type: 'promptEdit',
			parameters: {
				image: 'data',
				prompt: '={{ $json.prompt }}',
				model: modelById('model_flux-kontext-editing'),
				inputs: mapped({}),
				options: { timeoutSeconds: 15 },
			},
			items: [
				{ json: { prompt: 'large upload' }, binary: { data: large } },
				imageItem('small', { prompt: 'inline upload' }),
			],
		});
		expect(result.error).toBeUndefined();
		const cdn = sim.calls('GET', '/', 'cdn');
		const parts = sim.calls('PUT', '/', 'upload');
		expect(cdn.length).toBe(2);
		expect(parts.length).toBe(1);
		expectNoAuthorizationOffApi(sim.log);
		expect([...cdn, ...parts].every((call) => call.status === 200)).toBe(true);
		const api = sim.log.filter((call) => call.origin === 'api');
		expect(api.every((call) => call.headers.authorization === sim.authorization)).toBe(true);
	});

	test('an image given by URL is fetched without it, from the CDN and from any other host', async () => {
		const host = await imageHost();
		try {
			const signed = await fetch(`${sim.baseUrl}/assets/asset_FIXTUREREFERENCE00000000`, {
				headers: { authorization: sim.authorization },
			});
			const cdnUrl = ((await signed.json()) as { asset: { url: string } }).asset.url;
			const result = await run(sim, {
				type: 'customGenerate',
				parameters: {
					model: modelById('model_flux-kontext-editing'),
					inputs: mapped({ prompt: '={{ $json.prompt }}', referenceImages: '={{ $json.url }}' }),
				},
				items: [
					{ json: { prompt: 'from cdn', url: cdnUrl } },
					{ json: { prompt: 'from elsewhere', url: host.url } },
				],
			});
			expect(result.error).toBeUndefined();
			expect(result.items).toHaveLength(2);
			expect(host.seen).toHaveLength(1);
			expect(host.seen[0].authorization).toBeUndefined();
			expect(JSON.stringify(host.seen[0])).not.toContain(sim.apiSecret);
			expect(sim.calls('GET', '/assets/', 'cdn').length).toBeGreaterThanOrEqual(1);
		} finally {
			await host.close();
		}
	});
});

describe('the API secret is never shown', () => {
	test('a refused credential (401): no secret in the error, its description or the logs', async () => {
		const wrong = 'wrong-CANARY-secret-77aa';
		const result = await run(sim, {
			type: 'customGenerate',
			parameters: textToImage,
			items: promptItems(2, 'wrong secret'),
			credentials: { apiSecret: wrong },
			continueOnFail: true,
		});
		expect(result.items.map((item) => item.json.error)).toEqual([
			expect.stringMatching(/Unauthorized \(HTTP 401\)/),
			expect.stringMatching(/Unauthorized \(HTTP 401\)/),
		]);
		expect(result.items[0].json.description).toMatch(/API Key and API Secret/);
		expectAbsent(result, [wrong, Buffer.from(`${sim.apiKey}:${wrong}`).toString('base64')]);

		const strict = await run(sim, {
			type: 'customGenerate',
			parameters: textToImage,
			items: promptItems(1, 'wrong secret strict'),
			credentials: { apiSecret: wrong },
		});
		expect(strict.error?.message).toMatch(/Unauthorized \(HTTP 401\)/);
		expectAbsent(strict, [wrong, Buffer.from(`${sim.apiKey}:${wrong}`).toString('base64')]);
	});

	test('a 401 reads the same in the gateway shape {"message"} (the simulator\'s) and {"reason"}', async () => {
		const messages: string[] = [];
		for (const body of [undefined, { reason: 'Unauthorized' }]) {
			sim.reset();
			if (body) sim.inject({ path: '/', fault: { kind: 'status', status: 401, body } });
			const result = await run(sim, {
				type: 'customGenerate',
				parameters: textToImage,
				items: promptItems(1, 'refused'),
				credentials: body ? {} : { apiSecret: 'wrong-secret-for-shape' },
				continueOnFail: true,
			});
			messages.push(String(result.items[0].json.error));
			expect(result.items[0].json.description).toMatch(/API Key and API Secret/);
		}
		expect(messages[0]).toMatch(/Unauthorized \(HTTP 401\)/);
		expect(messages[1]).toBe(messages[0]);
	});

	test('a connection refused (nothing listening): no secret in the error or the logs', async () => {
		const closed = createServer();
		await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
		const { port } = closed.address() as AddressInfo;
		await new Promise<void>((resolve) => closed.close(() => resolve()));
		// Wait for Job with a short Timeout: the refused checks are retried only until it.
		const result = await run(sim, {
			type: 'waitForJob',
			parameters: { jobId: 'job_AAAAAAAAAAAA', timeoutSeconds: 2 },
			items: promptItems(1, 'refused'),
			credentials: { baseUrl: `http://127.0.0.1:${port}/v1` },
		});
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/job_AAAAAAAAAAAA/);
	});

	test('a server echoing the Authorization header in its error body does not get it shown', async () => {
		sim.inject({
			method: 'POST',
			path: '/generate/',
			fault: {
				kind: 'status',
				status: 400,
				body: {
					reason: `Bad request. Received headers: authorization=${sim.authorization}; key=${sim.apiKey}; secret=${sim.apiSecret}`,
				},
			},
		});
		const result = await run(sim, {
			type: 'customGenerate',
			parameters: textToImage,
			items: promptItems(2, 'echo'),
			continueOnFail: true,
		});
		expect(result.items.map((item) => item.json.error)).toEqual([
			expect.stringMatching(/Bad request\. Received headers: .*\(HTTP 400\)/),
			expect.stringMatching(/\(HTTP 400\)/),
		]);
		const strict = await run(sim, {
			type: 'customGenerate',
			parameters: textToImage,
			items: promptItems(1, 'echo strict'),
		});
		expect(strict.error?.message).toMatch(/Bad request\. Received headers: .*\(HTTP 400\)/);
	});

	test('a server echoing the secret in a job’s failure reason does not get it shown', async () => {
		sim.failNextJobs(1, `Provider rejected credentials ${sim.apiSecret}`);
		const result = await run(sim, {
			type: 'customGenerate',
			parameters: textToImage,
			items: promptItems(1, 'echo job'),
			continueOnFail: true,
		});
		expect(result.items[0].json.error).toMatch(
			/^Scenario job job_\w+ failed: Provider rejected credentials/,
		);
	});
});

// ----- Base URL -----

const REFUSED = (port: number) => [
	'http://example.com/v1',
	'HTTP://EXAMPLE.COM/v1',
	// These would reach the simulator if they were used: nothing must arrive there.
	`http://0.0.0.0:${port}/v1`,
	`http://localhost.example.com:${port}/v1`,
	`http://127.0.0.1.nip.io:${port}/v1`,
	`http://127.0.0.1@example.com:${port}/v1`,
	`http://localhost:${port}@example.com/v1`,
	`ftp://127.0.0.1:${port}/v1`,
	`ws://127.0.0.1:${port}/v1`,
];

const simPort = () => Number(new URL(sim.baseUrl).port);

describe('a non-https Base URL is refused unless it is a loopback address', () => {
	test('the nodes refuse non-loopback http (and other schemes) before sending anything', async () => {
		for (const baseUrl of REFUSED(simPort())) {
			for (const type of ['customGenerate', 'waitForJob'] as const) {
				sim.log.length = 0;
				const parameters = type === 'waitForJob' ? { jobId: 'job_AAAAAAAA' } : textToImage;
				const result = await run(sim, {
					type,
					parameters,
					items: promptItems(1, 'base url'),
					credentials: { baseUrl },
				});
				expect({ baseUrl, type, status: result.status, name: result.error?.name }).toEqual({
					baseUrl,
					type,
					status: 'error',
					name: 'NodeOperationError',
				});
				expect(result.error?.message).toMatch(
					/^Base URL ".*" is refused: the Scenario API credential must use https/,
				);
				expect(result.items).toEqual([]);
				expect(sim.log).toEqual([]);
			}
		}
	});

	test('Continue On Fail does not turn the refusal into a request', async () => {
		for (const type of ['customGenerate', 'waitForJob'] as const) {
			const parameters = type === 'waitForJob' ? { jobId: 'job_AAAAAAAA' } : textToImage;
			const result = await run(sim, {
				type,
				parameters,
				items: promptItems(2, 'base url cof'),
				credentials: { baseUrl: `http://0.0.0.0:${simPort()}/v1` },
				continueOnFail: true,
			});
			expect(sim.log).toEqual([]);
			// Each input yields an error item with the refusal (not the input passed through as if processed).
			expectOnePerInput(result.items, 2);
			for (const item of result.items)
				expect(item.json.error).toMatch(/^Base URL "http:\/\/0\.0\.0\.0:\d+\/v1" is refused/);
		}
	});

	test('http on 127.0.0.1 and on localhost is accepted (the local simulator)', async () => {
		for (const baseUrl of [sim.baseUrl, `http://localhost:${simPort()}/v1`, `${sim.baseUrl}/`]) {
			sim.reset();
			const result = await run(sim, {
				type: 'customGenerate',
				parameters: textToImage,
				items: promptItems(1, 'loopback'),
				credentials: { baseUrl },
			});
			expect({ baseUrl, error: result.error?.message }).toEqual({ baseUrl, error: undefined });
			expect(result.items).toHaveLength(1);
		}
	});

	test('the credential test request sends a refused URL to the discard address, and keeps https and loopback ones', () => {
		const credential = new ScenarioApi();
		const expression = credential.test.request.baseURL as string;
		const node = nodeStub('customGenerate', 'Credential Test');
		const workflow = new Workflow({
			nodes: [node],
			connections: {},
			active: false,
			nodeTypes: new HarnessNodeTypes(nodeTypes),
		});
		// How n8n resolves credential expressions: `$credentials` as an additional key of its expression engine.
		const evaluate = (baseUrl: string) =>
			workflow.expression.getSimpleParameterValue(
				node,
				expression,
				'internal',
				{ $credentials: { baseUrl } },
				undefined,
				'',
			);
		const DISCARD = 'http://127.0.0.1:9/base-url-must-use-https';

		for (const refused of REFUSED(simPort())) {
			expect({ refused, url: evaluate(refused) }).toEqual({ refused, url: DISCARD });
			expect(() => checkBaseUrl(node, refused)).toThrow(/is refused/);
		}
		const accepted = [
			'https://api.cloud.scenario.com/v1',
			'https://api.cloud.scenario.com/v1/',
			sim.baseUrl,
			'http://localhost:5680/v1',
			'http://[::1]:5680/v1',
			'http://127.4.5.6/v1',
		];
		for (const url of accepted) {
			const kept = url.replace(/\/+$/, '');
			expect({ url, resolved: evaluate(url) }).toEqual({ url, resolved: kept });
			expect(checkBaseUrl(node, url)).toBe(kept);
		}
		// The test request itself goes to /models with the credential's auth: only ever to an accepted base.
		expect(credential.test.request.url).toBe('/models');
	});
});
