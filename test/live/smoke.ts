/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports, no-console -- developer tooling, run under Node.js; never shipped, never run inside n8n */
/**
 * `npm run smoke:live`: each route of the nodes once against the real Scenario API, through
 * n8n-core's engine (test/harness) with a real credential, keeping every answer, redacted, as a
 * fixture under test/fixtures/scenario-api/live/. A run with a key settles what the recordings
 * leave unknown (where a failed job puts its reason, when `billing` appears, how long signed
 * URLs last, what an upload answers …) and becomes a fixture.
 *
 *   SCENARIO_API_KEY=… SCENARIO_API_SECRET=… npm run smoke:live
 *
 * Optional: SCENARIO_PROJECT_ID, SCENARIO_BASE_URL, SCENARIO_SMOKE_ROUTES (comma-separated
 * route names, default all), SCENARIO_SMOKE_VIDEO (a small .mp4 for the video-input route;
 * without it that route first makes one from an image). It spends Creative Units (all routes
 * but the dry run). Never part of `npm test` or CI. `--simulator` runs the same routes against
 * the local simulator instead and writes to a temporary folder: a check of the script itself,
 * which `npm test` runs (test/package/smoke-scripts.mjs)
 * (the simulator's outputs are PNGs only, so there the video-input route's clip is refused as
 * "not a video asset": expected).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { cleanupHarness, runNode, type HarnessInputItem, type RunNodeResult } from '../harness';
import { padPng } from '../simulator/png';
import { ScenarioSimulator } from '../simulator/server';
import {
	credentialTypes,
	mapped,
	modelById,
	nodeTypes,
	pngImage,
	TYPES,
} from '../support/scenario-nodes';
import { RecordingProxy, type Exchange } from './recording-proxy';
import { leaks, redactForFixture, type Secrets } from './redact';

const LIVE_FIXTURES = resolve(__dirname, '../fixtures/scenario-api/live');
const DEFAULT_BASE_URL = 'https://api.cloud.scenario.com/v1';

interface RouteRun {
	type: keyof typeof TYPES;
	parameters: Record<string, unknown>;
	items: HarnessInputItem[];
}

interface Route {
	name: string;
	/** What the route exercises, saved with its answers. */
	what: string;
	/** Its node runs, in order: a later one may use what an earlier one made, or be skipped (undefined). */
	steps: Array<(earlier: RunNodeResult[]) => Promise<RouteRun | undefined> | RouteRun | undefined>;
}

const OPTIONS = { timeoutSeconds: 900 };
const photo = (seed: string, size: number): HarnessInputItem => ({
	json: {},
	binary: { data: { data: pngImage(seed, size), mimeType: 'image/png', fileName: `${seed}.png` } },
});
/** Prompt Edit of the item's `data` image with a model, as the edit routes run it. */
const promptEdit = (prompt: string, modelId: string, item: HarnessInputItem): RouteRun => ({
	type: 'promptEdit',
	parameters: {
		image: 'data',
		prompt,
		model: modelById(modelId),
		inputs: mapped({}),
		options: OPTIONS,
	},
	items: [item],
});

/** A video for the video-input route: the user's, or the one the route's first run makes. */
async function videoItem(earlier: RunNodeResult[]): Promise<HarnessInputItem> {
	const path = process.env.SCENARIO_SMOKE_VIDEO;
	if (path)
		return {
			json: {},
			binary: { video: { data: readFileSync(path), mimeType: 'video/mp4', fileName: 'clip.mp4' } },
		};
	const made = earlier[0]?.items[0];
	if (!made?.binary?.data) throw new Error('the image-to-video run produced no video to send back');
	return {
		json: {},
		binary: {
			video: {
				data: await earlier[0].binary(made, 'data'),
				mimeType: made.binary.data.mimeType,
				fileName: made.binary.data.fileName ?? 'clip.mp4',
			},
		},
	};
}

const SEEDANCE = 'model_bytedance-seedance-2-0-mini';
/** The cheapest Seedance 2.0 Mini clip its reference table allows. */
const SHORT_CLIP = { duration: 4, resolution: '480p', generateAudio: false };

const ROUTES: Route[] = [
	{
		name: 'dry-run',
		what: 'Custom Generate with Dry Run: the estimate (HTTP 269), no job.',
		steps: [
			() => ({
				type: 'customGenerate',
				parameters: {
					model: modelById('model_openai-gpt-image-2'),
					inputs: mapped({ prompt: 'a red bicycle against a white wall', quality: 'low' }),
					options: { dryRun: true },
				},
				items: [{ json: {} }],
			}),
		],
	},
	{
		name: 'image-edit',
		what: 'Prompt Edit of a small PNG (inline POST /assets) with Flux Kontext: the job from submission to billing, its output asset and signed URL.',
		steps: [
			() =>
				promptEdit(
					'make it look like a watercolor painting',
					'model_flux-kontext-editing',
					photo('smoke-edit', 256),
				),
		],
	},
	{
		name: 'large-upload',
		what: 'Prompt Edit of a 6 MB PNG: the multipart route (POST /uploads, signed part PUTs, GET /uploads/{id} until imported).',
		steps: [
			() =>
				promptEdit('make it look like a pencil sketch', 'model_flux-kontext-editing', {
					json: {},
					binary: {
						data: {
							data: padPng(pngImage('smoke-large', 512), 6 * 1024 * 1024, 'smoke'),
							mimeType: 'image/png',
							fileName: 'large.png',
						},
					},
				}),
		],
	},
	{
		name: 'lora',
		what: 'Prompt Edit with a public Flux Kontext LoRA (recorded in contracts.json), run through its base model model_flux-kontext-editing with `loras`.',
		steps: [
			() =>
				promptEdit(
					'in the style of the LoRA',
					'model_hFh8M6nQbqGFSKJdP536GXhE',
					photo('smoke-lora', 256),
				),
		],
	},
	{
		name: 'video-input',
		what: 'A video as a model input: Seedance 2.0 Mini referenceVideos (uploaded with kind video). Without SCENARIO_SMOKE_VIDEO the clip is first made from an image (image-to-video, its output downloaded).',
		steps: [
			() =>
				process.env.SCENARIO_SMOKE_VIDEO
					? undefined
					: {
							type: 'customGenerate',
							parameters: {
								model: modelById(SEEDANCE),
								inputs: mapped({
									prompt: 'the camera slowly circles the object',
									image: 'data',
									...SHORT_CLIP,
								}),
								options: OPTIONS,
							},
							items: [photo('smoke-video', 512)],
						},
			async (earlier) => ({
				type: 'customGenerate',
				parameters: {
					model: modelById(SEEDANCE),
					inputs: mapped({
						prompt: 'the same motion, at night',
						referenceVideos: 'video',
						...SHORT_CLIP,
					}),
					options: OPTIONS,
				},
				items: [await videoItem(earlier)],
			}),
		],
	},
];

/** The exchanges worth keeping: every call, but a job or upload polled N times only where its status changed. */
function withoutRepeatedPolls(exchanges: Exchange[]): Exchange[] {
	const lastStatus = new Map<string, string>();
	return exchanges.filter((exchange) => {
		const polled = /^\/(jobs|uploads)\/[^/]+$/.test(exchange.path) && exchange.method === 'GET';
		if (!polled) return true;
		const body = exchange.responseBody as Record<string, { status?: string }> | undefined;
		const state = `${exchange.status} ${body?.job?.status ?? body?.upload?.status ?? ''}`;
		if (lastStatus.get(exchange.path) === state) return false;
		lastStatus.set(exchange.path, state);
		return true;
	});
}

async function main(): Promise<void> {
	const onSimulator = process.argv.includes('--simulator');
	const sim = onSimulator ? await ScenarioSimulator.start({ jobDurationMs: 300 }) : undefined;
	const secrets: Secrets = sim
		? { apiKey: sim.apiKey, apiSecret: sim.apiSecret }
		: { apiKey: process.env.SCENARIO_API_KEY, apiSecret: process.env.SCENARIO_API_SECRET };
	if (!secrets.apiKey || !secrets.apiSecret) {
		console.log(
			[
				'npm run smoke:live runs each route once against the real Scenario API and saves the answers',
				'(redacted) under test/fixtures/scenario-api/live/. It needs a Scenario API key:',
				'  SCENARIO_API_KEY=… SCENARIO_API_SECRET=… npm run smoke:live',
				'optional: SCENARIO_PROJECT_ID, SCENARIO_BASE_URL, SCENARIO_SMOKE_ROUTES=dry-run,image-edit,…,',
				'SCENARIO_SMOKE_VIDEO=clip.mp4. It spends Creative Units. Nothing was run.',
			].join('\n'),
		);
		process.exitCode = 2;
		return;
	}
	const upstream = sim?.baseUrl ?? process.env.SCENARIO_BASE_URL ?? DEFAULT_BASE_URL;
	const wanted = process.env.SCENARIO_SMOKE_ROUTES?.split(',').map((name) => name.trim());
	const routes = ROUTES.filter((route) => !wanted || wanted.includes(route.name));
	const unknownRoutes = wanted?.filter((name) => !ROUTES.some((route) => route.name === name));
	if (unknownRoutes?.length) {
		console.log(
			`Unknown route(s): ${unknownRoutes.join(', ')}; routes: ${ROUTES.map((r) => r.name).join(', ')}`,
		);
		process.exitCode = 2;
		return;
	}
	const folder = sim ? mkdtempSync(join(tmpdir(), 'scenario-smoke-')) : LIVE_FIXTURES;
	mkdirSync(folder, { recursive: true });
	const proxy = await RecordingProxy.start(upstream);
	console.log(
		`${sim ? 'Simulator' : 'Real Scenario API'} at ${upstream}, through ${proxy.baseUrl}`,
	);
	let failures = 0;
	try {
		for (const route of routes) {
			proxy.route = route.name;
			const from = proxy.exchanges.length;
			const results: RunNodeResult[] = [];
			const runs: Array<{
				node: string;
				parameters: unknown;
				outputs: unknown[];
				error?: unknown;
			}> = [];
			for (const step of route.steps) {
				const run = await step(results);
				if (!run) continue;
				const result = await runNode({
					nodeTypes,
					credentialTypes,
					credentials: {
						scenarioApi: {
							apiKey: secrets.apiKey,
							apiSecret: secrets.apiSecret,
							baseUrl: proxy.baseUrl,
							projectId: sim ? '' : (process.env.SCENARIO_PROJECT_ID ?? ''),
						},
					},
					node: { type: TYPES[run.type], typeVersion: 1, parameters: run.parameters as never },
					items: run.items,
					binaryMode: 'filesystem',
				});
				results.push(result);
				runs.push({
					node: TYPES[run.type],
					parameters: run.parameters,
					outputs: result.items.map((item) => item.json),
					error: result.error
						? { message: result.error.message, description: result.error.description }
						: undefined,
				});
				if (result.error) break;
			}
			const failed = results.find((result) => result.error);
			const fixture = redactForFixture(
				{
					source: sim
						? 'the local simulator (npm run smoke:live -- --simulator): not a recording'
						: 'live Scenario API, recorded by npm run smoke:live (test/live/smoke.ts); secrets, account ids and URL signatures redacted',
					recordedAt: new Date().toISOString(),
					upstream,
					route: route.name,
					what: route.what,
					runs,
					exchanges: withoutRepeatedPolls(proxy.exchanges.slice(from)),
				},
				secrets,
			);
			const text = `${JSON.stringify(fixture, null, '\t')}\n`;
			const leaked = leaks(text, secrets);
			if (leaked.length)
				throw new Error(`refusing to write ${route.name}: still holds ${leaked.join(', ')}`);
			const file = join(folder, `${route.name}.json`);
			writeFileSync(file, text);
			if (failed) failures++;
			console.log(
				`${failed ? '✗' : '✓'} ${route.name}: ${failed?.error?.message ?? 'ok'} → ${file}`,
			);
		}
	} finally {
		await proxy.close();
		await sim?.close();
		cleanupHarness();
	}
	if (failures) {
		console.log(`${failures} route(s) failed; their answers are saved all the same.`);
		process.exitCode = 1;
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
