/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Trained models run through their base model as the recorded contracts say
 * (test/fixtures/scenario-api/models/trained/contracts.json), and the legacy img2img endpoint is
 * sent what its OpenAPI definition asks for.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ScenarioModel } from '../../nodes/shared/model/api-types';
import { LEGACY_IMG2IMG_INPUTS } from '../../nodes/shared/model/legacy-img2img';
import { runnableModel, trainedRouteFor } from '../../nodes/shared/model/trained-models';

const FIXTURES = join(__dirname, '..', 'fixtures', 'scenario-api');
const read = <T>(file: string): T => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as T;

interface Contracts {
	publicTrained: Record<string, string>;
	dryRuns: Array<{ case: string; route: string; target: string; body: Record<string, unknown> }>;
}
const contracts = read<Contracts>('models/trained/contracts.json');
const trained = (id: string) =>
	read<{ model: ScenarioModel }>(`models/trained/public/${id}.json`).model;

/** A base model's fixture: recorded, or built from its reference table. */
function baseFixture(id: string): ScenarioModel {
	const file = [`models/trained/bases/${id}.json`, `reference/${id}.json`].find((f) =>
		existsSync(join(FIXTURES, f)),
	);
	if (!file) throw new Error(`no fixture for ${id}`);
	return read<{ model: ScenarioModel }>(file).model;
}

describe('trained models run through their base model, as recorded', () => {
	const accepted = contracts.dryRuns.filter((run) =>
		['stack', 'model_id', 'composition'].includes(run.route),
	);

	it.each(accepted.map((run) => [run.case, run] as const))('%s', async (_case, run) => {
		// The trained model the recorded body names: in `modelId`, else first in `loras`.
		const id = (run.body.modelId as string | undefined) ?? (run.body.loras as string[])[0];
		const model = trained(id);
		const route = trainedRouteFor(model);
		expect(route?.base).toBe(run.target);
		const others = (run.body.loras as string[] | undefined)?.filter((lora) => lora !== id);
		const { model: base, values } = await runnableModel(
			model,
			others?.length ? { loras: others } : {},
			async (baseId) => baseFixture(baseId),
		);
		expect(base.id).toBe(run.target);
		expect(base.inputs?.some((input) => input.name === route?.input)).toBe(true);
		// `model_id_lora`: a LoRA is also accepted as `modelId`; we send it in `loras` (`stack_one`).
		if (run.route === 'model_id') return;
		// The same ids in the same inputs as the accepted recorded body.
		const named = Object.fromEntries(
			Object.entries(run.body).filter(([key]) => key === 'loras' || key === 'modelId'),
		);
		expect(values).toEqual(named);
	});

	it('covers every public trained record of the recording', () => {
		for (const id of Object.values(contracts.publicTrained))
			expect({ id, route: trainedRouteFor(trained(id)) !== undefined }).toEqual({
				id,
				route: true,
			});
	});

	it('leaves a model with inputs as it is', async () => {
		const kontext = baseFixture('model_flux-kontext-editing');
		expect(trainedRouteFor(kontext)).toBeUndefined();
		const runnable = await runnableModel(kontext, { prompt: 'x' }, async () => {
			throw new Error('no base to load');
		});
		expect(runnable).toEqual({ model: kontext, values: { prompt: 'x' } });
	});
});

describe('the legacy /generate/img2img fields (OpenAPI PostImg2imgInferencesRequest)', () => {
	const field = (name: string) => LEGACY_IMG2IMG_INPUTS.find((input) => input.name === name);

	it('takes strength from 0.01 to 1, and numSamples with a default (the endpoint would make 4)', () => {
		expect(field('strength')).toMatchObject({ min: 0.01, max: 1 });
		expect(field('numSamples')).toMatchObject({ min: 1, max: 128, default: 1 });
	});
});
