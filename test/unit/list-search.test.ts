/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * The model picker's list (searchModels) offers a trained model only once it is usable: status
 * `trained`, as every recorded record has it. A record still training is the recorded private
 * copy with another of the OpenAPI file's statuses.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { IHttpRequestOptions, ILoadOptionsFunctions } from 'n8n-workflow';

import { isUsableModel, searchModels } from '../../nodes/shared/methods/list-search';
import type { ScenarioModel } from '../../nodes/shared/model/api-types';
import { SCENARIO_TOOLS } from '../../nodes/shared/methods/model-finder';
import { readReferenceModels } from '../support/reference-models';

const FIXTURES = join(__dirname, '..', 'fixtures', 'scenario-api');
const model = (file: string) =>
	(JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as { model: ScenarioModel }).model;
const publicRows = (
	JSON.parse(readFileSync(join(FIXTURES, 'models_list_page1.json'), 'utf8')) as {
		models: ScenarioModel[];
	}
).models;

/** The OpenAPI file's model statuses other than `trained`. */
const NOT_YET = ['new', 'training', 'failed', 'training-canceled', 'copying'];

const lora = model('derived/private/model_FIXTUREPRIVATEFLUXLORA01.json');
const kontext = model('derived/private/model_FIXTUREPRIVATEKONTEXT001.json');
const inTraining = NOT_YET.map((status, i) => ({
	...lora,
	id: `model_FIXTURETRAINING0${i}`,
	status,
}));

/** A load-options context whose GET /models answers the given pages. */
function pickerContext(pages: Record<string, ScenarioModel[]>): ILoadOptionsFunctions {
	return {
		getNode: () => ({ name: 'Scenario', type: 'scenarioCustomGenerate' }),
		getCredentials: async () => ({
			apiKey: 'key',
			apiSecret: 'secret',
			baseUrl: 'https://api.cloud.scenario.com/v1',
		}),
		helpers: {
			httpRequestWithAuthentication: async (_name: string, options: IHttpRequestOptions) => ({
				statusCode: 200,
				headers: {},
				body: { models: pages[String(options.qs?.privacy)] ?? [] },
			}),
		},
	} as unknown as ILoadOptionsFunctions;
}

describe('the model picker hides trained models that are not usable yet', () => {
	it('keeps every recorded record (status trained) and drops a trained model in any other status', () => {
		expect(lora.status).toBe('trained');
		expect([lora, kontext, ...publicRows].every(isUsableModel)).toBe(true);
		for (const record of inTraining) expect(isUsableModel(record)).toBe(false);
		// A custom model is not a trained one: its status does not hide it.
		expect(isUsableModel({ ...publicRows[0], status: 'training' })).toBe(true);
	});

	it('lists the usable ones only: Scenario’s tools, yours, then the public catalogue', async () => {
		const ctx = pickerContext({ private: [lora, ...inTraining, kontext], public: publicRows });
		const first = await searchModels(ctx, undefined, undefined);
		// Scenario's tools come first (from its reference, no API call), then yours.
		expect(first.results.map((r) => r.value)).toEqual([
			...SCENARIO_TOOLS.map((t) => t.id),
			lora.id,
			kontext.id,
		]);
		const second = await searchModels(ctx, undefined, first.paginationToken);
		expect(second.results.map((r) => r.value)).toEqual(publicRows.map((m) => m.id));
		const searched = await searchModels(ctx, 'FIXTURE', undefined);
		expect(searched.results.map((r) => r.value)).toEqual([lora.id, kontext.id]);
	});
});

/**
 * Finding a model by what it makes, over Scenario's whole model reference (docs/models: 437
 * models) served as GET /models?privacy=public pages of 50. The rows are built from the
 * reference (id, name, capabilities; NOT recorded): the reference gives no tags, so none is
 * featured here, and the search must find the models from names and capabilities alone.
 */
describe('the model list finds a model by what it makes (Scenario’s reference)', () => {
	const reference = readReferenceModels();
	const rows = reference.map(
		(m): ScenarioModel => ({
			id: m.id,
			name: m.name,
			type: 'custom',
			custom: true,
			privacy: 'public',
			status: 'trained',
			capabilities: m.capabilities,
		}),
	);

	/** GET /models answering the reference in pages of `pageSize`, counting the calls. */
	function catalogueContext(calls: string[]): ILoadOptionsFunctions {
		return {
			getNode: () => ({ name: 'Scenario', type: 'scenarioCustomGenerate' }),
			getCredentials: async () => ({
				apiKey: 'key',
				apiSecret: 'secret',
				baseUrl: 'https://api.cloud.scenario.com/v1',
			}),
			helpers: {
				httpRequestWithAuthentication: async (_name: string, options: IHttpRequestOptions) => {
					const qs = options.qs ?? {};
					calls.push(`${String(qs.privacy)}:${String(qs.paginationToken ?? '')}`);
					if (qs.privacy !== 'public')
						return { statusCode: 200, headers: {}, body: { models: [] } };
					const size = Number(qs.pageSize);
					const offset = Number(qs.paginationToken ?? 0);
					const next = offset + size < rows.length ? String(offset + size) : undefined;
					return {
						statusCode: 200,
						headers: {},
						body: {
							models: rows.slice(offset, offset + size),
							...(next ? { nextPaginationToken: next } : {}),
						},
					};
				},
			},
		} as unknown as ILoadOptionsFunctions;
	}

	async function search(filter: string, accept?: (m: ScenarioModel) => boolean) {
		const calls: string[] = [];
		const found = await searchModels(catalogueContext(calls), filter, undefined, accept);
		return { ids: found.results.map((r) => String(r.value)), found, calls };
	}

	const byName = (word: RegExp) => reference.filter((m) => word.test(m.name)).map((m) => m.id);
	const byOutput = (output: RegExp) =>
		reference.filter((m) => m.capabilities.some((c) => output.test(c))).map((m) => m.id);

	it('"background" finds the background removers and replacers, tools first', async () => {
		const { ids, calls } = await search('background');
		const expected = byName(/background/i);
		expect(expected).toEqual(
			expect.arrayContaining([
				'model_bria-remove-background',
				'model_photoroom-background-removal',
				'model_pixa-background-removal',
				'model_ideogram-remove-background',
				'model_851-labs-background-remover',
			]),
		);
		expect(new Set(ids)).toEqual(new Set(expected));
		expect(ids.slice(0, 2)).toEqual([
			'model_bria-remove-background',
			'model_photoroom-background-removal',
		]);
		// One call: the account's page, then the catalogue's 9 pages (437 models / 50).
		expect(calls).toHaveLength(10);
	});

	it('"upscale" finds the image and video upscalers', async () => {
		const { ids } = await search('upscale');
		const expected = reference
			.filter((m) => /upscal|enhance/i.test(`${m.id} ${m.name}`))
			.map((m) => m.id);
		expect(expected).toEqual(
			expect.arrayContaining([
				'model_upscale-v3',
				'model_scenario-gemini-upscale',
				'model_recraft-crisp-upscale',
				'model_topaz-image-upscale',
				'model_topazlabs-video-upscale',
			]),
		);
		expect(new Set(ids)).toEqual(new Set(expected));
		expect(ids.slice(0, 2)).toEqual(['model_upscale-v3', 'model_scenario-gemini-upscale']);
	});

	it('"video" finds every model that makes or takes video (capabilities), and names with video', async () => {
		const { ids } = await search('video');
		const expected = [
			...new Set([
				...byOutput(/video/),
				...byName(/video/i),
				...reference.filter((m) => /video/.test(m.id)).map((m) => m.id),
			]),
		];
		expect(byOutput(/2video$/).length).toBeGreaterThan(100);
		expect(new Set(ids)).toEqual(new Set(expected));
		expect(ids).toEqual(expect.arrayContaining(byOutput(/^img2video$/)));
	});

	it('"3D" finds every model that makes or takes 3D', async () => {
		const { ids } = await search('3D');
		const expected = [
			...new Set([
				...byOutput(/3d/),
				...reference.filter((m) => /3d/i.test(`${m.id} ${m.name}`)).map((m) => m.id),
			]),
		];
		expect(ids).toEqual(expect.arrayContaining(byOutput(/^img23d$/)));
		expect(ids).toEqual(
			expect.arrayContaining(['model_hunyuan-3d-v2-1', 'model_tripo-v3-1-image-to-3d']),
		);
		expect(new Set(ids)).toEqual(new Set(expected));
	});

	it('"vector" and "logo" find the vectorizers and SVG models', async () => {
		for (const word of ['vector', 'logo']) {
			const { ids } = await search(word);
			expect(ids).toEqual(
				expect.arrayContaining([
					'model_recraft-vectorize',
					'model_visioncortex-vtracer',
					'model_vecglypher-image-to-svg',
					'model_recraft-v4-1-svg',
				]),
			);
		}
	});

	it('each entry says what the model makes; Scenario’s tools are in the reference as listed', async () => {
		const { found } = await search('Hunyuan 3D 2.1');
		expect(found.results.find((r) => r.value === 'model_hunyuan-3d-v2-1')?.description).toBe(
			'image → 3D',
		);
		for (const tool of SCENARIO_TOOLS) {
			const m = reference.find((r) => r.id === tool.id);
			expect({ id: tool.id, name: m?.name, capabilities: m?.capabilities }).toEqual({
				id: tool.id,
				name: tool.name,
				capabilities: tool.capabilities,
			});
		}
	});

	it('featured models (tag sc:featured, as recorded) come first on their page, with or without tags', async () => {
		const recorded = [...publicRows].reverse(); // featured last, to see them moved up
		const ctx = pickerContext({ private: [], public: recorded });
		const page = await searchModels(ctx, undefined, 'public:');
		const featured = publicRows.filter((m) => m.tags?.includes('sc:featured')).map((m) => m.id);
		expect(featured).toEqual(['model_openai-gpt-image-2', 'model_google-gemini-3-1-flash']);
		expect(page.results.slice(0, 2).map((r) => r.value)).toEqual([...featured].reverse());
		expect(
			page.results.find((r) => r.value === 'model_bytedance-seedance-2-0')?.description,
		).toMatch(/^text → video, image → video, video → video · Seedance 2\.0 by ByteDance/);
		// Rows without tags are listed as they come.
		const untagged = pickerContext({
			private: [],
			public: recorded.map((m) => ({ ...m, tags: undefined })),
		});
		const plain = await searchModels(untagged, undefined, 'public:');
		expect(plain.results.map((r) => r.value)).toEqual(recorded.map((m) => m.id));
	});

	it('Img2Img’s list keeps its own filter: the tools it lists take an image', async () => {
		const { ids } = await search('video', (m) => m.capabilities?.includes('img2img') === true);
		expect(
			ids.every((id) => reference.find((m) => m.id === id)?.capabilities.includes('img2img')),
		).toBe(true);
	});
});
