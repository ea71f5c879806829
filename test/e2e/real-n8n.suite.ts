/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * End to end in real n8n 2.x, as a suite that runs against one given n8n release
 * (`describeRealN8n(version)`; one thin `*.e2e.test.ts` file per release, so jest can run them in
 * separate workers): n8n loads the built package (dist/) as an installed community package,
 * imports a credential pointing at the simulator and the example workflows, runs them with
 * `n8n execute` (and workflows of its own for n8n's semantics: the error output, jobs Wait for Job
 * did not start, a URL with commas), and, on a running server, answers the editor's
 * dynamic-parameter calls (model list, a model's inputs) and the credential test from our code.
 *
 * Not a test file itself (jest picks up `*.test.ts` only).
 */
import { createHash } from 'node:crypto';
import {
	copyFileSync,
	mkdtempSync,
	readFileSync,
	readdirSync,
	rmSync,
	writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join, resolve } from 'node:path';

import { ScenarioSimulator } from '../simulator/server';
import { isTerminal } from '../simulator/jobs';
import { SCENARIO_TOOLS } from '../../nodes/shared/methods/model-finder';
import { mediaKindOf, mp4File } from '../simulator/media';
import { renderPicture, sniffImage } from '../simulator/png';
import {
	createN8nEnv,
	ensureN8nInstall,
	executeWorkflow,
	importCredentials,
	importWorkflow,
	nodeItems,
	readBinary,
	resourceLocatorResults,
	resourceMapperFields,
	startN8nServer,
	type N8nEnv,
	type N8nInstall,
	type N8nServer,
	n8nMajor,
	requireBuiltPackage,
} from './n8n';
import { credentialsFor } from '../support/scenario-nodes';

const REPO = resolve(__dirname, '..', '..');
const EXAMPLES = join(REPO, 'examples');
const CREDENTIAL = { scenarioApi: { id: 'scenarioApiCredential', name: 'Scenario API' } };

interface Workflow {
	id: string;
	name: string;
	nodes: Array<{ name: string; type: string; parameters: Record<string, unknown> }>;
}

const example = (file: string): Workflow =>
	JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as Workflow;

/** The whole real-n8n e2e, against n8n `version` (installed on first use, ~4-6 min). */
export function describeRealN8n(version: string): void {
	describe(`n8n ${version}`, () => {
		let sim: ScenarioSimulator;
		let n8n: N8nEnv;
		let inputs: string;
		let install: N8nInstall;

		beforeAll(async () => {
			requireBuiltPackage(REPO);
			install = await ensureN8nInstall(version);
			sim = await ScenarioSimulator.start({ jobDurationMs: 600 });
			inputs = mkdtempSync(join(tmpdir(), 'scenario-e2e-inputs-'));
			copyFileSync(join(EXAMPLES, 'product.png'), join(inputs, 'product.png'));
			n8n = createN8nEnv({
				n8nVersion: version,
				communityPackageDir: REPO,
				extraEnv: { N8N_RESTRICT_FILE_ACCESS_TO: inputs },
			});
			await importCredentials(n8n, [
				{
					...CREDENTIAL.scenarioApi,
					type: 'scenarioApi',
					data: credentialsFor(sim).scenarioApi,
				},
			]);
		}, 30 * 60_000);

		afterAll(async () => {
			n8n?.cleanup();
			await sim?.close();
			if (inputs) rmSync(inputs, { recursive: true, force: true });
		});

		async function runExample(file: string) {
			const workflow = example(file);
			for (const node of workflow.nodes) {
				if (node.type === 'n8n-nodes-base.readWriteFile')
					node.parameters.fileSelector = join(inputs, 'product.png');
			}
			await importWorkflow(n8n, workflow);
			const result = await executeWorkflow(n8n, workflow.id, { timeoutMs: 5 * 60_000 });
			if (!result.ok)
				throw new Error(
					`${workflow.name} failed: ${result.error?.message}\n${result.stdout.slice(-3000)}`,
				);
			return result;
		}

		function expectImage(item: {
			json: Record<string, unknown>;
			binary?: Record<string, Parameters<typeof readBinary>[1]>;
		}) {
			const binary = item.binary?.data;
			expect(binary).toBeDefined();
			const bytes = readBinary(n8n, binary!);
			expect(sniffImage(bytes)?.mimeType).toBe('image/png');
			expect(item.json.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
			expect(binary!.mimeType).toBe('image/png');
			return bytes;
		}

		describe('the package in real n8n', () => {
			it(`runs n8n ${version}`, () => {
				const n8nPackage = join(install.n8nBin, '..', '..', 'n8n', 'package.json');
				expect(JSON.parse(readFileSync(n8nPackage, 'utf8'))).toMatchObject({ version });
				expect(n8n.version).toBe(version);
			});

			it('every example workflow is covered here', () => {
				expect(
					readdirSync(EXAMPLES)
						.filter((f) => f.endsWith('.json'))
						.sort(),
				).toEqual([
					'image-from-disk-custom-generate.json',
					// Below with a 1 s Wait; in queue mode, parked, through a worker crash:
					// test/e2e/queue-mode/queue-crash.e2e.test.ts.
					'long-job-check-once-wait-loop.json',
					'marketing-product-shot-chain.json',
					'read-prompt-edit-img2img.json',
					'text-to-image-then-wait.json',
					'video-from-image.json',
				]);
			});

			it(
				'runs text-to-image with Wait for Completion off, then Wait for Job',
				async () => {
					const result = await runExample('text-to-image-then-wait.json');
					const started = nodeItems(result, 'Start Generation');
					expect(started).toHaveLength(1);
					expect(started[0].json).toMatchObject({
						jobId: expect.stringMatching(/^job_/),
						modelId: 'model_openai-gpt-image-2',
					});
					const done = nodeItems(result, 'Wait for Images');
					expect(done).toHaveLength(1);
					expect(done[0].json).toMatchObject({
						jobId: started[0].json.jobId,
						status: 'success',
						assetId: expect.stringMatching(/^asset_/),
					});
					expectImage(done[0] as never);
				},
				6 * 60_000,
			);

			it(
				'feeds an image read from disk to an image-input model',
				async () => {
					const before = sim.calls('POST', '/generate/custom/model_google-gemini-3-1-flash').length;
					const result = await runExample('image-from-disk-custom-generate.json');
					const posters = nodeItems(result, 'Make Poster');
					expect(posters).toHaveLength(1);
					expectImage(posters[0] as never);
					const post = sim
						.calls('POST', '/generate/custom/model_google-gemini-3-1-flash')
						.slice(before)[0];
					expect(post.body).toMatchObject({
						aspectRatio: '4:5',
						numOutputs: 1,
						referenceImages: [expect.stringMatching(/^asset_/)],
					});
					const uploaded = sim.assets.get(
						(post.body as { referenceImages: string[] }).referenceImages[0],
					);
					expect(uploaded?.bytes.equals(readFileSync(join(EXAMPLES, 'product.png')))).toBe(true);
				},
				6 * 60_000,
			);

			it(
				'runs read → Prompt Edit → Img2Img and yields image binaries',
				async () => {
					const result = await runExample('read-prompt-edit-img2img.json');
					const edited = nodeItems(result, 'Prompt Edit');
					const restyled = nodeItems(result, 'Img2Img');
					expect(edited).toHaveLength(1);
					expect(restyled).toHaveLength(1);
					const editedBytes = expectImage(edited[0] as never);
					expectImage(restyled[0] as never);
					// Img2Img received Prompt Edit's output image.
					// The Flux LoRA runs through its base model (contracts.json `stack_one`).
					const lora = sim.calls('POST', '/generate/custom/model_bfl-flux-1-dev').at(-1)!;
					expect(lora.body).toMatchObject({
						loras: ['model_YQrES2iPys22nYwh3YhVfMh8'],
						strength: 0.45,
					});
					expect(
						sim.assets.get((lora.body as { image: string }).image)?.bytes.equals(editedBytes),
					).toBe(true);
				},
				6 * 60_000,
			);

			/** The asset a generation POST to `modelId` got in `input`, after `before` such POSTs. */
			const sentAsset = (modelId: string, input: string, before: number) => {
				const post = sim.calls('POST', `/generate/custom/${modelId}`).slice(before)[0];
				expect(post).toBeDefined();
				const id = (post.body as Record<string, unknown>)[input];
				expect(id).toEqual(expect.stringMatching(/^asset_/));
				return sim.assets.get(String(id));
			};

			it(
				'runs the marketing chain: product shot → background removed → upscaled, and a vector logo',
				async () => {
					const ids = {
						shot: 'model_openai-gpt-image-2',
						cutout: 'model_bria-remove-background',
						upscale: 'model_recraft-crisp-upscale',
						vector: 'model_recraft-vectorize',
					};
					const before = Object.fromEntries(
						Object.entries(ids).map(([key, id]) => [
							key,
							sim.calls('POST', `/generate/custom/${id}`).length,
						]),
					);
					const result = await runExample('marketing-product-shot-chain.json');
					const [shot] = nodeItems(result, 'Product Shot');
					const [cutout] = nodeItems(result, 'Remove Background');
					const [upscaled] = nodeItems(result, 'Upscale');
					const [vector] = nodeItems(result, 'Vectorize Logo');
					for (const item of [shot, cutout, upscaled, vector]) {
						expect(item.json).toMatchObject({
							status: 'success',
							assetId: expect.stringMatching(/^asset_/),
							estimatedCost: expect.any(Number),
							billedCost: expect.any(Number),
						});
						expect(item.binary?.data).toBeDefined();
					}
					expect(upscaled.json.modelId).toBe(ids.upscale);
					// Each step got the previous step's image, uploaded from its binary property.
					const shotBytes = readBinary(n8n, shot.binary!.data as never);
					const cutoutBytes = readBinary(n8n, cutout.binary!.data as never);
					expect(sentAsset(ids.cutout, 'image', before.cutout)?.bytes.equals(shotBytes)).toBe(true);
					expect(sentAsset(ids.upscale, 'image', before.upscale)?.bytes.equals(cutoutBytes)).toBe(
						true,
					);
					const [logo] = nodeItems(result, 'Logo');
					const logoBytes = readBinary(n8n, logo.binary!.data as never);
					expect(
						sentAsset(ids.vector, 'referenceImage', before.vector)?.bytes.equals(logoBytes),
					).toBe(true);
				},
				6 * 60_000,
			);

			it(
				'makes a video from an image read from disk (Seedance 2.0 Mini, first frame)',
				async () => {
					const model = 'model_bytedance-seedance-2-0-mini';
					const before = sim.calls('POST', `/generate/custom/${model}`).length;
					const result = await runExample('video-from-image.json');
					const animated = nodeItems(result, 'Animate');
					expect(animated).toHaveLength(1);
					expect(animated[0].json).toMatchObject({ status: 'success', modelId: model });
					expect(animated[0].binary?.data).toBeDefined();
					const post = sim.calls('POST', `/generate/custom/${model}`).slice(before)[0];
					expect(post.body).toMatchObject({
						duration: 5,
						resolution: '480p',
						generateAudio: false,
					});
					expect(
						sentAsset(model, 'image', before)?.bytes.equals(
							readFileSync(join(EXAMPLES, 'product.png')),
						),
					).toBe(true);
				},
				6 * 60_000,
			);

			describe('on a running server', () => {
				let server: N8nServer;
				beforeAll(async () => {
					server = await startN8nServer(n8n);
				}, 5 * 60_000);
				afterAll(async () => await server?.stop());

				/** One call of the model picker, as the editor makes it. */
				const pickerPage = async (
					node: string,
					methodName: string,
					more: { filter?: string; paginationToken?: string } = {},
				) =>
					await resourceLocatorResults(server.rest, {
						nodeType: `n8n-nodes-scenario.${node}`,
						methodName,
						path: 'parameters.model',
						currentNodeParameters: { model: { __rl: true, mode: 'list', value: '' } },
						credentials: CREDENTIAL,
						...more,
					});

				it('lists models in the searchable picker, one API page per scroll', async () => {
					const first = await pickerPage('scenarioCustomGenerate', 'searchModels');
					// Scenario's tools first (from its reference, no API call), then the account's own models.
					expect(first.results.map((r) => r.value)).toEqual([
						...SCENARIO_TOOLS.map((tool) => tool.id),
						'model_FIXTUREPRIVATEFLUXLORA01',
						'model_FIXTUREPRIVATEKONTEXT001',
						'model_FIXTUREPRIVATEQWENEDIT01',
					]);
					const second = await pickerPage('scenarioCustomGenerate', 'searchModels', {
						paginationToken: first.paginationToken as string,
					});
					expect(second.results.map((r) => r.value)).toEqual(
						expect.arrayContaining(['model_openai-gpt-image-2', 'model_google-gemini-3-1-flash']),
					);
					// A typed search reads on through the pages (the editor asks for one call only).
					const filtered = await pickerPage('scenarioImg2Img', 'searchImg2ImgModels', {
						filter: 'patina',
					});
					expect(filtered.results.map((r) => r.value).sort()).toEqual([
						'model_patina',
						'model_patina-material',
						'model_patina-material-extract',
					]);
				}, 60_000);

				it('loads a model’s own inputs as typed fields', async () => {
					const { fields } = await resourceMapperFields(server.rest, {
						nodeType: 'n8n-nodes-scenario.scenarioCustomGenerate',
						methodName: 'getModelInputs',
						path: 'parameters.inputs',
						currentNodeParameters: {
							model: { __rl: true, mode: 'id', value: 'model_google-gemini-3-1-flash' },
							inputs: {},
						},
						credentials: CREDENTIAL,
					});
					const byId = Object.fromEntries(fields.map((f) => [f.id, f]));
					expect(Object.keys(byId)).toEqual([
						'prompt',
						'referenceImages',
						'video',
						'videoFps',
						'aspectRatio',
						'resolution',
						'useGoogleSearch',
						'thinkingLevel',
						'numOutputs',
					]);
					expect(byId.prompt).toMatchObject({ required: true, type: 'string' });
					expect(byId.numOutputs).toMatchObject({ type: 'number', defaultValue: 1 });
					expect(byId.thinkingLevel).toMatchObject({ type: 'options' });
					expect(byId.thinkingLevel.options).toContainEqual(
						// The model's stated default is marked in its option's name.
						expect.objectContaining({ name: 'High - Best Reasoning (default)', value: 'HIGH' }),
					);

					const edit = await resourceMapperFields(server.rest, {
						nodeType: 'n8n-nodes-scenario.scenarioPromptEdit',
						methodName: 'getModelInputs',
						path: 'parameters.inputs',
						currentNodeParameters: {
							model: { __rl: true, mode: 'id', value: 'model_flux-kontext-editing' },
							inputs: {},
						},
						credentials: CREDENTIAL,
					});
					// Prompt, image and references are Prompt Edit's own fields; the rest come from the model.
					expect(edit.fields.map((f) => f.id)).toEqual([
						'loras',
						'lorasScale',
						'numOutputs',
						'aspectRatio',
						'quality',
						'guidanceScale',
					]);
				}, 60_000);

				it('runs the credential test against the API, and refuses a non-loopback http Base URL', async () => {
					const test = async (baseUrl: string, apiSecret = sim.apiSecret) =>
						await server.rest.post<{ status: string; message: string }>('/credentials/test', {
							credentials: {
								...CREDENTIAL.scenarioApi,
								type: 'scenarioApi',
								data: { apiKey: sim.apiKey, apiSecret, baseUrl, projectId: '' },
							},
						});
					const calls = sim.calls('GET', '/models').length;
					expect(await test(sim.baseUrl)).toMatchObject({ status: 'OK' });
					const sent = sim.calls('GET', '/models').slice(calls);
					expect(sent).toHaveLength(1);
					expect(sent[0].query).toMatchObject({ pageSize: '1' });
					expect(sent[0].headers.authorization).toBe(sim.authorization);
					expect(await test(sim.baseUrl, 'wrong-secret')).toMatchObject({ status: 'Error' });
					// Plain http to anything but loopback never carries the key: nothing reaches any server.
					const beforeRefused = sim.log.length;
					const refused = await test('http://scenario.example.com/v1');
					expect(refused.status).toBe('Error');
					// Sent to the discard port on loopback instead of the named host (which would fail in DNS):
					// n8n 2.x says ECONNREFUSED, 1.x its own text for that code.
					expect(refused.message).toMatch(
						n8nMajor(version) < 2 ? /^The service refused the connection/ : /ECONNREFUSED/,
					);
					expect(sim.log.length).toBe(beforeRefused);
				}, 60_000);
			});
		});

		describe("n8n's semantics in real n8n", () => {
			/** A user's own image host on loopback, with a path as Cloudinary-style CDNs write them. */
			const COMMA_PATH = '/image/upload/w_300,h_200,c_fill/photo.png';
			let host: Server;
			let hostUrl: string;
			const hostHits: string[] = [];

			beforeAll(async () => {
				host = createServer((req, res) => {
					hostHits.push(req.url ?? '');
					if (req.url !== COMMA_PATH) {
						res.writeHead(404).end();
						return;
					}
					const png = renderPicture('cloudinary-style', 48, 48);
					res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
					res.end(png);
				});
				await new Promise<void>((done) => host.listen(0, '127.0.0.1', done));
				hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
			});
			afterAll(async () => await new Promise((done) => host?.close(done)));

			let nextId = 0;
			/** A workflow of a manual trigger, then the given nodes one after another. */
			async function runChain(
				name: string,
				chain: Array<{
					name: string;
					type: string;
					parameters: object;
					onError?: string;
					typeVersion?: number;
				}>,
			) {
				const id = `ScenarioE2ESemantics${++nextId}`;
				const trigger = { name: 'Start', type: 'n8n-nodes-base.manualTrigger', parameters: {} };
				const nodes = [trigger, ...chain].map((node, index) => ({
					id: `00000000-0000-4000-8000-${String(nextId * 100 + index).padStart(12, '0')}`,
					typeVersion: node.type === 'n8n-nodes-base.code' ? 2 : 1,
					position: [index * 220, 0],
					...(node.type.startsWith('n8n-nodes-scenario.') ? { credentials: CREDENTIAL } : {}),
					...node,
				}));
				const connections = Object.fromEntries(
					nodes
						.slice(0, -1)
						.map((node, index) => [
							node.name,
							{ main: [[{ node: nodes[index + 1].name, type: 'main', index: 0 }]] },
						]),
				);
				await importWorkflow(n8n, { id, name, active: false, nodes, connections, settings: {} });
				return await executeWorkflow(n8n, id, { timeoutMs: 5 * 60_000 });
			}

			const items = (json: object[]) => ({
				name: 'Items',
				type: 'n8n-nodes-base.code',
				parameters: { jsCode: `return ${JSON.stringify(json.map((j) => ({ json: j })))};` },
			});
			const mapping = (value: Record<string, unknown>) => ({
				mappingMode: 'defineBelow',
				value,
				matchingColumns: [],
				schema: [],
			});
			const model = (value: string) => ({ __rl: true, mode: 'id', value });

			it(
				'"Continue (using error output)" sends the failed item to the error output: [1, 1]',
				async () => {
					const result = await runChain('Scenario e2e: error output', [
						items([{ model: 'model_openai-gpt-image-2' }, { model: 'model_nope' }]),
						{
							name: 'Generate',
							type: 'n8n-nodes-scenario.scenarioCustomGenerate',
							onError: 'continueErrorOutput',
							parameters: {
								model: model('={{ $json.model }}'),
								inputs: mapping({ prompt: 'a kite', numOutputs: 1 }),
								options: {},
							},
						},
					]);
					expect(result.ok).toBe(true);
					const outputs = result.runData.Generate[0].data!.main;
					expect(outputs.map((output) => output?.length ?? 0)).toEqual([1, 1]);
					expect(outputs[0]![0].json).toMatchObject({
						modelId: 'model_openai-gpt-image-2',
						jobId: expect.stringMatching(/^job_/),
					});
					const failed = outputs[1]![0];
					expect(failed.json.error).toMatch(/"model_nope" was not found on Scenario/);
					// n8n 1.x takes only `error` and `message` to its error output: the fields go under
					// `message` there, under `details` on 2.x (nodes/shared/execute/run-per-item.ts).
					const fieldsKey = n8nMajor(version) < 2 ? 'message' : 'details';
					expect(failed.json[fieldsKey]).toMatchObject({ modelId: 'model_nope' });
					expect(failed.json).not.toHaveProperty(fieldsKey === 'message' ? 'details' : 'message');
					// n8n puts the failed input's own fields beside ours.
					expect(failed.json.model).toBe('model_nope');
					expect(failed.pairedItem).toEqual({ item: 1 });
				},
				6 * 60_000,
			);

			it(
				'runs the long-job example: Check Once → Still Running → Wait → Check Once … → Done',
				async () => {
					// The example's Wait takes $json.suggestedWaitSeconds (at least 70 s, parked in n8n's
					// database: test/e2e/queue-mode/queue-crash.e2e.test.ts runs that); 1 s here, so the
					// loop turns in seconds, in n8n's process.
					sim.setJobDuration(2_500);
					try {
						const workflow = example('long-job-check-once-wait-loop.json');
						const wait = workflow.nodes.find((node) => node.type === 'n8n-nodes-base.wait')!;
						wait.parameters.amount = 1;
						await importWorkflow(n8n, workflow);
						const result = await executeWorkflow(n8n, workflow.id, { timeoutMs: 5 * 60_000 });
						if (!result.ok) throw new Error(`failed: ${result.error?.message}`);
						const [started] = nodeItems(result, 'Start Video');
						const checks = result.runData['Check Video'];
						expect(checks.length).toBeGreaterThanOrEqual(2);
						// Every run but the last sent the job to Still Running, with what the Wait node reads.
						for (const [runIndex] of checks.slice(0, -1).entries()) {
							expect(nodeItems(result, 'Check Video', { runIndex, output: 0 })).toEqual([]);
							const [running] = nodeItems(result, 'Check Video', { runIndex, output: 1 });
							expect(running.json).toMatchObject({
								jobId: started.json.jobId,
								checks: runIndex + 1,
								suggestedWaitSeconds: expect.any(Number),
							});
							expect(running.json.suggestedWaitSeconds as number).toBeGreaterThan(65);
						}
						expect(result.runData['Wait Before Next Check']).toHaveLength(checks.length - 1);
						// The last run: the video, at Done.
						const runIndex = checks.length - 1;
						expect(nodeItems(result, 'Check Video', { runIndex, output: 1 })).toEqual([]);
						const [done] = nodeItems(result, 'Check Video', { runIndex, output: 0 });
						expect(done.json).toMatchObject({
							jobId: started.json.jobId,
							status: 'success',
							kind: 'video',
							mimeType: 'video/mp4',
						});
						expect(mediaKindOf(readBinary(n8n, done.binary!.data))).toBe('video');
					} finally {
						sim.setJobDuration(600);
					}
				},
				6 * 60_000,
			);

			it(
				'Wait for Job failing on an unknown id leaves the real job it follows running',
				async () => {
					sim.setJobDuration(8_000);
					try {
						const cancels = sim.calls('POST', /^\/jobs\/[^/]+\/action$/).length;
						const result = await runChain('Scenario e2e: Wait for Job leaves jobs running', [
							{
								name: 'Start Generation',
								type: 'n8n-nodes-scenario.scenarioCustomGenerate',
								parameters: {
									model: model('model_openai-gpt-image-2'),
									inputs: mapping({ prompt: 'a long one', numOutputs: 1 }),
									options: { waitForCompletion: false },
								},
							},
							{
								name: 'Add Unknown Job',
								type: 'n8n-nodes-base.code',
								parameters: {
									jsCode: "return [...$input.all(), { json: { jobId: 'job_doesNotExist0000' } }];",
								},
							},
							{
								name: 'Wait for Job',
								type: 'n8n-nodes-scenario.scenarioWaitForJob',
								parameters: { jobId: '={{ $json.jobId }}', options: {} },
							},
						]);
						const [started] = nodeItems(result, 'Start Generation');
						const jobId = String(started.json.jobId);
						expect(result.ok).toBe(false);
						expect(result.error?.node?.name).toBe('Wait for Job');
						expect(result.error?.message).toMatch(/job_doesNotExist0000/);
						// The job that was started elsewhere is named as left running, and nothing canceled it.
						expect(result.error?.description).toContain(jobId);
						expect(sim.calls('POST', /^\/jobs\/[^/]+\/action$/).length).toBe(cancels);
						expect(isTerminal(sim.jobs.get(jobId)!.status)).toBe(false);
						// It runs on to its end on Scenario, where another run can collect it.
						while (!isTerminal(sim.jobs.get(jobId)!.status)) await sleep(250);
						expect(sim.jobs.get(jobId)!.status).toBe('success');
						expect(sim.calls('POST', /^\/jobs\/[^/]+\/action$/).length).toBe(cancels);
					} finally {
						sim.setJobDuration(600);
					}
				},
				6 * 60_000,
			);

			it(
				'a URL with commas in its path is one image, fetched from the user’s host',
				async () => {
					const before = sim.calls('POST', '/generate/custom/model_flux-kontext-editing').length;
					const result = await runChain('Scenario e2e: a URL with commas', [
						{
							name: 'Generate',
							type: 'n8n-nodes-scenario.scenarioCustomGenerate',
							parameters: {
								model: model('model_flux-kontext-editing'),
								inputs: mapping({ prompt: 'sharpen', referenceImages: `${hostUrl}${COMMA_PATH}` }),
								options: {},
							},
						},
					]);
					if (!result.ok) throw new Error(`failed: ${result.error?.message}`);
					expect(hostHits).toEqual([COMMA_PATH]);
					const [submission] = sim
						.calls('POST', '/generate/custom/model_flux-kontext-editing')
						.slice(before);
					const references = (submission.body as { referenceImages: string[] }).referenceImages;
					expect(references).toHaveLength(1);
					expect(
						sim.assets.get(references[0])?.bytes.equals(renderPicture('cloudinary-style', 48, 48)),
					).toBe(true);
					expectImage(nodeItems(result, 'Generate')[0] as never);
				},
				6 * 60_000,
			);

			it(
				'a video read from disk (Read/Write Files from Disk) goes up as a video, and the video model’s output comes back as an MP4 binary',
				async () => {
					const clip = mp4File('e2e clip from disk');
					writeFileSync(join(inputs, 'clip.mp4'), clip);
					const uploadsBefore = sim.calls('POST', '/uploads').length;
					const before = sim.calls(
						'POST',
						'/generate/custom/model_bytedance-seedance-2-0-mini',
					).length;
					const result = await runChain('Scenario e2e: a video from disk', [
						{
							name: 'Read Clip',
							type: 'n8n-nodes-base.readWriteFile',
							typeVersion: 1.1,
							parameters: { fileSelector: join(inputs, 'clip.mp4'), options: {} },
						},
						{
							name: 'Generate',
							type: 'n8n-nodes-scenario.scenarioCustomGenerate',
							parameters: {
								model: model('model_bytedance-seedance-2-0-mini'),
								inputs: mapping({ prompt: 'the same dance, at night', referenceVideos: 'data' }),
								options: {},
							},
						},
					]);
					if (!result.ok) throw new Error(`failed: ${result.error?.message}`);
					expect(nodeItems(result, 'Read Clip')[0].binary?.data.mimeType).toBe('video/mp4');
					// Not POST /assets (images only): a multipart upload of kind video.
					const uploads = sim
						.calls('POST', '/uploads')
						.slice(uploadsBefore)
						.filter((call) => call.path === '/v1/uploads');
					expect(uploads.map((call) => call.body)).toEqual([
						{
							fileName: 'clip.mp4',
							fileSize: clip.length,
							contentType: 'video/mp4',
							kind: 'video',
							parts: 1,
						},
					]);
					const [submission] = sim
						.calls('POST', '/generate/custom/model_bytedance-seedance-2-0-mini')
						.slice(before);
					const [video] = (submission.body as { referenceVideos: string[] }).referenceVideos;
					expect(sim.assets.get(video)).toMatchObject({ kind: 'video', mimeType: 'video/mp4' });
					expect(sim.assets.get(video)?.bytes.equals(clip)).toBe(true);
					const [out] = nodeItems(result, 'Generate');
					expect(out.json).toMatchObject({ kind: 'video', mimeType: 'video/mp4' });
					const binary = out.binary?.data;
					expect(binary).toMatchObject({ mimeType: 'video/mp4', fileExtension: 'mp4' });
					expect(binary?.fileName).toMatch(/^asset_\w+\.mp4$/);
					const bytes = readBinary(n8n, binary!);
					expect(mediaKindOf(bytes)).toBe('video');
					expect(out.json.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
				},
				6 * 60_000,
			);

			it('n8n reached nothing beyond loopback', () => {
				expect(n8n.guardViolations()).toEqual([]);
			});
		});
	});
}
