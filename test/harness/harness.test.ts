/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Self-tests of the harness: nodes run through n8n-core's real WorkflowExecute.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import type { INode } from 'n8n-workflow';

import { cleanupHarness, runNode, runWorkflow, watchOpenedFiles } from './index';
import type { HarnessBinaryMode, OpenedFilesWatch } from './index';
import { HARNESS_PROBE_TYPE, HarnessProbe, probeState } from './fixtures/HarnessProbe.node';
import { TestBasicApi, TestFunctionApi, TestHeaderApi } from './fixtures/TestBasicApi.credentials';

const nodeTypes = { [HARNESS_PROBE_TYPE]: new HarnessProbe() };
const credentialTypes = {
	testBasicApi: new TestBasicApi(),
	testHeaderApi: new TestHeaderApi(),
	testFunctionApi: new TestFunctionApi(),
};

interface SeenRequest {
	method?: string;
	url?: string;
	headers: IncomingHttpHeaders;
}

let server: Server;
let baseUrl: string;
const seen: SeenRequest[] = [];

beforeAll(async () => {
	server = createServer((req, res) => {
		seen.push({ method: req.method, url: req.url, headers: req.headers });
		res.setHeader('content-type', 'application/json');
		res.end(JSON.stringify({ echoedAuthorization: req.headers.authorization ?? null }));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
	server.closeAllConnections();
	await new Promise<void>((resolve) => server.close(() => resolve()));
	cleanupHarness();
});

beforeEach(() => {
	seen.length = 0;
	probeState.reset();
});

describe('credentials: httpRequestWithAuthentication through the real engine', () => {
	test('declarative generic `auth` → Authorization: Basic <apiKey:apiSecret>', async () => {
		const r = await runNode({
			nodeTypes,
			credentialTypes,
			credentials: { testBasicApi: { apiKey: 'key-123', apiSecret: 's3cr3t' } },
			node: {
				type: HARNESS_PROBE_TYPE,
				typeVersion: 1,
				parameters: { operation: 'http', url: `${baseUrl}/ping`, credentialType: 'testBasicApi' },
			},
			items: [{ json: {} }],
		});

		expect(r.error).toBeUndefined();
		expect(r.status).toBe('success');
		const expected = `Basic ${Buffer.from('key-123:s3cr3t').toString('base64')}`;
		expect(seen).toHaveLength(1);
		expect(seen[0].headers.authorization).toBe(expected);
		expect(r.items).toEqual([{ json: { echoedAuthorization: expected }, pairedItem: { item: 0 } }]);
	});

	test('declarative generic `headers` + `qs` (expression keys and values, static values)', async () => {
		const r = await runNode({
			nodeTypes,
			credentialTypes,
			credentials: { testHeaderApi: { token: 'tok-abcdef', headerName: 'X-Custom-Key' } },
			node: {
				type: HARNESS_PROBE_TYPE,
				typeVersion: 1,
				parameters: { operation: 'http', url: `${baseUrl}/h`, credentialType: 'testHeaderApi' },
			},
			items: [{ json: {} }],
		});

		expect(r.error).toBeUndefined();
		expect(seen).toHaveLength(1);
		expect(seen[0].headers['x-custom-key']).toBe('tok-abcdef');
		expect(seen[0].headers['x-static']).toBe('static-value');
		expect(seen[0].url).toBe('/h?tenant=t-tok');
	});

	test('credential data gets property defaults and its expressions resolved (like real getDecrypted)', async () => {
		const r = await runNode({
			nodeTypes,
			credentialTypes,
			// headerName omitted → its default 'X-Api-Key'; token is an expression on the input item.
			credentials: { testHeaderApi: { token: '={{ $json.tok }}' } },
			node: {
				type: HARNESS_PROBE_TYPE,
				typeVersion: 1,
				parameters: { operation: 'http', url: `${baseUrl}/d`, credentialType: 'testHeaderApi' },
			},
			items: [{ json: { tok: 'from-item' } }],
		});

		expect(r.error).toBeUndefined();
		expect(seen[0].headers['x-api-key']).toBe('from-item');
		expect(seen[0].url).toBe('/d?tenant=t-fro');
	});

	test('function authenticate', async () => {
		const r = await runNode({
			nodeTypes,
			credentialTypes,
			credentials: { testFunctionApi: { token: 'fn-token' } },
			node: {
				type: HARNESS_PROBE_TYPE,
				typeVersion: 1,
				parameters: { operation: 'http', url: `${baseUrl}/f`, credentialType: 'testFunctionApi' },
			},
			items: [{ json: {} }],
		});

		expect(r.error).toBeUndefined();
		expect(seen[0].headers.authorization).toBe('Bearer fn-token');
	});

	test('missing credential data surfaces as a node error', async () => {
		const r = await runNode({
			nodeTypes,
			credentialTypes,
			node: {
				type: HARNESS_PROBE_TYPE,
				typeVersion: 1,
				parameters: { operation: 'http', url: `${baseUrl}/x`, credentialType: 'testBasicApi' },
				credentials: { testBasicApi: { id: '1', name: 'not provided' } },
			},
			items: [{ json: {} }],
		});

		expect(r.status).toBe('error');
		expect(r.error?.message).toMatch(/no credentials of type "testBasicApi"/);
		expect(seen).toHaveLength(0);
	});
});

describe.each<HarnessBinaryMode>(['default', 'filesystem'])(
	'binary data, %s mode',
	(binaryMode) => {
		let files: OpenedFilesWatch;
		beforeEach(() => {
			files = watchOpenedFiles();
		});
		afterEach(() => files.stop());

		test.each(['buffer', 'stream'])(
			'reads the input binary (via %s) and writes an output binary',
			async (readVia) => {
				const r = await runNode({
					nodeTypes,
					node: {
						type: HARNESS_PROBE_TYPE,
						typeVersion: 1,
						parameters: { operation: 'binary', readVia },
					},
					items: [
						{
							json: { n: 1 },
							binary: {
								data: { data: Buffer.from('hello'), mimeType: 'text/plain', fileName: 'in.txt' },
							},
						},
						{
							json: { n: 2 },
							binary: { data: { data: Buffer.from('wörld'), mimeType: 'text/plain' } },
						},
					],
					binaryMode,
				});

				expect(r.error).toBeUndefined();
				expect(r.items).toHaveLength(2);
				expect(r.items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
				expect(r.items[0].json).toEqual({ inputBytes: 5, storedById: binaryMode === 'filesystem' });
				expect(r.items[1].json.inputBytes).toBe(Buffer.byteLength('wörld'));
				expect((await r.binary(r.items[0])).toString()).toBe('HELLO');
				expect((await r.binary(r.items[1], 'data')).toString()).toBe('WÖRLD');
				// Read to the end: a stream left unread keeps its file open until garbage collection.
				const chunks: Buffer[] = [];
				for await (const chunk of await r.binaryStream(r.items[0])) chunks.push(chunk as Buffer);
				expect(Buffer.concat(chunks).toString()).toBe('HELLO');

				const out = r.binaryData(r.items[0]);
				expect(out).toMatchObject({
					mimeType: 'text/plain',
					fileName: 'out.txt',
					fileExtension: 'txt',
					bytes: 5,
				});

				// The source node's items went through prepareBinaryData too.
				const src = r.output('Test Items Source');
				expect(src[0].binary?.data.fileName).toBe('in.txt');

				if (binaryMode === 'filesystem') {
					// Every file the run and this test opened is closed again.
					expect(await files.stillOpen(r.binaryStoragePath)).toEqual([]);
					expect(out.id).toMatch(/^filesystem-v2:workflows\/.+\/executions\/.+\/binary_data\//);
					expect(out.data).toBe('filesystem-v2');
					const file = path.join(r.binaryStoragePath, out.id!.split(':')[1]);
					expect(existsSync(file)).toBe(true);
					r.cleanup();
					expect(existsSync(r.binaryStoragePath)).toBe(false);
				} else {
					expect(out.id).toBeUndefined();
					expect(Buffer.from(out.data, 'base64').toString()).toBe('HELLO');
					expect(readdirSync(r.binaryStoragePath)).toEqual([]);
					r.cleanup();
				}
			},
		);
	},
);

describe('continueOnFail / pairedItem', () => {
	const items = [{ json: { fail: false } }, { json: { fail: true } }, { json: { fail: false } }];

	test('continueOnFail: failing item becomes { json: { error } }, others pass, pairedItem kept', async () => {
		const r = await runNode({
			nodeTypes,
			node: {
				type: HARNESS_PROBE_TYPE,
				typeVersion: 1,
				parameters: { operation: 'fail' },
				continueOnFail: true,
			},
			items,
		});

		expect(r.status).toBe('success');
		expect(r.error).toBeUndefined();
		expect(r.items).toEqual([
			{ json: { ok: true, index: 0 }, pairedItem: { item: 0 } },
			{ json: { error: 'Item 1 failed on purpose' }, pairedItem: { item: 1 } },
			{ json: { ok: true, index: 2 }, pairedItem: { item: 2 } },
		]);
	});

	test("onError: 'continueRegularOutput' behaves like continueOnFail", async () => {
		const r = await runNode({
			nodeTypes,
			node: {
				type: HARNESS_PROBE_TYPE,
				typeVersion: 1,
				parameters: { operation: 'fail' },
				onError: 'continueRegularOutput',
			},
			items,
		});
		expect(r.items[1].json).toEqual({ error: 'Item 1 failed on purpose' });
	});

	test("onError: 'continueErrorOutput' routes failed items to the extra error output", async () => {
		const r = await runNode({
			nodeTypes,
			node: {
				type: HARNESS_PROBE_TYPE,
				typeVersion: 1,
				parameters: { operation: 'fail' },
				onError: 'continueErrorOutput',
			},
			items,
		});
		expect(r.status).toBe('success');
		expect(r.outputs).toEqual([
			[
				{ json: { ok: true, index: 0 }, pairedItem: { item: 0 } },
				{ json: { ok: true, index: 2 }, pairedItem: { item: 2 } },
			],
			[{ json: { fail: true, error: 'Item 1 failed on purpose' }, pairedItem: { item: 1 } }],
		]);
	});

	test('without continueOnFail the execution fails with the node error', async () => {
		const r = await runNode({
			nodeTypes,
			node: { type: HARNESS_PROBE_TYPE, typeVersion: 1, parameters: { operation: 'fail' } },
			items,
		});

		expect(r.status).toBe('error');
		expect(r.items).toEqual([]);
		expect(r.nodeError?.message).toBe('Item 1 failed on purpose');
		expect(r.error?.message).toBe('Item 1 failed on purpose');
		expect(r.run.data.resultData.error?.message).toBe('Item 1 failed on purpose');
		expect(r.run.data.resultData.lastNodeExecuted).toBe('Node Under Test');
		// n8n stores the error as a spread plain object, not an Error instance.
		expect(r.nodeError).not.toBeInstanceOf(Error);
		expect(r.nodeError?.name).toBe('NodeOperationError');
		// ErrorReporter's report went to the harness log, not the console.
		expect(r.logs.some((l) => l.level === 'error' && l.message.includes('Item 1 failed'))).toBe(
			true,
		);
	});
});

describe('cancellation', () => {
	async function startAndAbortWhileSleeping(onAbort: 'return' | 'throw') {
		const controller = new AbortController();
		const started = Date.now();
		const pending = runNode({
			nodeTypes,
			node: {
				type: HARNESS_PROBE_TYPE,
				typeVersion: 1,
				parameters: { operation: 'sleep', maxIterations: 1000, onAbort },
			},
			items: [{ json: {} }],
			signal: controller.signal,
		});
		while (probeState.sleepIterations < 3) await new Promise((resolve) => setTimeout(resolve, 5));
		controller.abort();
		const r = await pending;
		// 1000 iterations x 10 ms would take 10 s: the loop really was interrupted.
		expect(Date.now() - started).toBeLessThan(3000);
		expect(probeState.sawAbort).toBe(true);
		expect(probeState.finishedSleeping).toBe(false);
		expect(r.cancelled).toBe(true);
		return r;
	}

	test('abort → the node sees getExecutionCancelSignal() abort; returning → status canceled', async () => {
		const r = await startAndAbortWhileSleeping('return');
		expect(r.status).toBe('canceled');
		expect(r.error?.name).toBe('ManualExecutionCancelledError');
		// The engine records whatever the node returned after the abort.
		expect(r.items).toEqual([]);
	});

	test('abort → a node that throws on abort: its error is recorded', async () => {
		const r = await startAndAbortWhileSleeping('throw');
		// n8n-core: status is 'canceled' only if the thrown message contains "canceled".
		expect(r.status).toBe('canceled');
		expect(r.nodeError?.message).toBe('The execution was canceled');
	});

	test('an already-aborted signal: the node under test never runs', async () => {
		const r = await runNode({
			nodeTypes,
			node: {
				type: HARNESS_PROBE_TYPE,
				typeVersion: 1,
				parameters: { operation: 'sleep', maxIterations: 1000 },
			},
			items: [{ json: {} }],
			signal: AbortSignal.abort(),
		});
		expect(r.status).toBe('canceled');
		expect(r.cancelled).toBe(true);
		expect(probeState.sleepIterations).toBe(0);
		expect(r.task('Node Under Test')).toBeUndefined();
	});
});

describe('runWorkflow', () => {
	test('runs an arbitrary graph; executionOrder and outputs per node', async () => {
		const nodes: INode[] = [
			{
				id: 'a',
				name: 'Fail Some',
				type: HARNESS_PROBE_TYPE,
				typeVersion: 1,
				position: [0, 0],
				parameters: { operation: 'fail' },
				continueOnFail: true,
			},
			{
				id: 'b',
				name: 'Second',
				type: HARNESS_PROBE_TYPE,
				typeVersion: 1,
				position: [200, 0],
				parameters: { operation: 'fail' },
			},
		];
		const r = await runWorkflow({
			nodeTypes,
			nodes,
			connections: { 'Fail Some': { main: [[{ node: 'Second', type: 'main', index: 0 }]] } },
		});

		expect(r.status).toBe('success');
		expect(r.executionOrder).toEqual(['Fail Some', 'Second']);
		// The start node receives n8n's single empty start item.
		expect(r.output('Fail Some')).toEqual([
			{ json: { ok: true, index: 0 }, pairedItem: { item: 0 } },
		]);
		expect(r.output('Second')).toHaveLength(1);
		// Caller's node objects are not mutated (the engine fills in default parameters on a copy).
		expect(nodes[0].parameters).toEqual({ operation: 'fail' });
	});

	test('unknown node type fails fast', async () => {
		await expect(
			runWorkflow({
				nodeTypes,
				nodes: [
					{
						id: 'x',
						name: 'X',
						type: 'nope.nope',
						typeVersion: 1,
						position: [0, 0],
						parameters: {},
					},
				],
				connections: {},
			}),
		).rejects.toThrow(/unknown node type "nope.nope"/);
	});
});
