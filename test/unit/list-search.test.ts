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

	it('lists the usable ones only, yours first, then the public catalogue', async () => {
		const ctx = pickerContext({ private: [lora, ...inTraining, kontext], public: publicRows });
		const first = await searchModels(ctx, undefined, undefined);
		expect(first.results.map((r) => r.value)).toEqual([lora.id, kontext.id]);
		const second = await searchModels(ctx, undefined, first.paginationToken);
		expect(second.results.map((r) => r.value)).toEqual(publicRows.map((m) => m.id));
		const searched = await searchModels(ctx, 'FIXTURE', undefined);
		expect(searched.results.map((r) => r.value)).toEqual([lora.id, kontext.id]);
	});
});
