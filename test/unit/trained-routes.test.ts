/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Trained models run through their base model as the recorded contracts say
 * (test/fixtures/scenario-api/models/trained/contracts.json), and the legacy img2img endpoint is
 * sent what its OpenAPI definition asks for.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ScenarioModel } from '../../nodes/shared/model/api-types';
import { imageSlot, strengthSlot, withoutOwnInputs } from '../../nodes/shared/model/image-slots';
import { LEGACY_IMG2IMG_INPUTS } from '../../nodes/shared/model/legacy-img2img';
import {
	runnableModel,
	trainedOptionsView,
	trainedRouteFor,
} from '../../nodes/shared/model/trained-models';
import { nodeStub } from '../support/scenario-nodes';

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

const node = nodeStub('img2img', 'Scenario Img2Img');
const item = { node, itemIndex: 3 };
const loadBase = async (baseId: string) => baseFixture(baseId);

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
		// What the user gives in Model Options: the other LoRAs, and the recorded scales.
		const others = (run.body.loras as string[] | undefined)?.filter((lora) => lora !== id);
		const given = {
			...(others?.length ? { loras: others } : {}),
			...(run.body.lorasScale ? { lorasScale: run.body.lorasScale } : {}),
		};
		const { model: base, values } = await runnableModel(item, model, given, loadBase);
		expect(base.id).toBe(run.target);
		expect(base.inputs?.some((input) => input.name === route?.input)).toBe(true);
		// `model_id_lora`: a LoRA is also accepted as `modelId`; we send it in `loras` (`stack_one`).
		if (run.route === 'model_id') return;
		// The same ids and scales in the same inputs as the accepted recorded body.
		const named = Object.fromEntries(
			Object.entries(run.body).filter(([key]) => ['loras', 'lorasScale', 'modelId'].includes(key)),
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
		const runnable = await runnableModel(item, kontext, { prompt: 'x' }, async () => {
			throw new Error('no base to load');
		});
		expect(runnable).toEqual({ model: kontext, values: { prompt: 'x' } });
	});
});

describe('LoRA scales stay with their LoRA when the chosen LoRA goes first', () => {
	// Two recorded public Flux.1 LoRAs; each record names itself in `concepts` with scale 0.8.
	const chosen = trained(contracts.publicTrained.flux1_lora_a);
	const other = contracts.publicTrained.flux1_lora_b;
	const run = async (values: Record<string, unknown>, model = chosen) =>
		(await runnableModel(item, model, values, loadBase)).values;

	it('keeps a scale given per listed LoRA on that LoRA; the chosen one gets its own stated scale', async () => {
		expect(await run({ loras: [other], lorasScale: [0.5] })).toEqual({
			loras: [chosen.id, other],
			lorasScale: [0.8, 0.5],
		});
		expect(chosen.concepts).toEqual([{ modelId: chosen.id, scale: 0.8 }]);
	});

	it('takes one scale more, in front, as the chosen LoRA’s (contracts `stack_two`)', async () => {
		expect(await run({ loras: other, lorasScale: '0.3, 0.5' })).toEqual({
			loras: [chosen.id, other],
			lorasScale: ['0.3', '0.5'], // numbers later, checked against the base's lorasScale
		});
	});

	it('moves the chosen LoRA first with its own scale when the user listed it too', async () => {
		expect(await run({ loras: [other, chosen.id], lorasScale: [0.5, 1.2] })).toEqual({
			loras: [chosen.id, other],
			lorasScale: [1.2, 0.5],
		});
	});

	it('gives the chosen LoRA 1 when neither the base nor the LoRA states a scale', async () => {
		// The recorded LoRA without its `concepts`: the base's lorasScale states no default.
		const bare = { ...chosen, concepts: undefined };
		expect(
			baseFixture('model_bfl-flux-1-dev').inputs?.find((i) => i.name === 'lorasScale'),
		).not.toHaveProperty('default');
		expect(await run({ loras: [other], lorasScale: [0.5] }, bare)).toMatchObject({
			lorasScale: [1, 0.5],
		});
	});

	it('sends no scales when none are given (contracts `check_without_scale`)', async () => {
		expect(await run({ loras: [other] })).toEqual({ loras: [chosen.id, other] });
	});

	it('refuses a scale count that fits neither reading, naming the field and the item', async () => {
		await expect(run({ loras: [other], lorasScale: [0.5, 0.6, 0.7] })).rejects.toThrow(
			`Model Options → lorasScale: 3 scales for 1 LoRA in loras: give one scale per LoRA listed, or one more in front for ${chosen.id} (the LoRA chosen in Model, which goes first) [item 3]`,
		);
	});
});

describe('a composition is its base model’s modelId', () => {
	const composition = trained(contracts.publicTrained.flux1_composition);

	it('refuses another modelId in Model Options instead of replacing it silently', async () => {
		await expect(
			runnableModel(item, composition, { modelId: 'model_YQrES2iPys22nYwh3YhVfMh8' }, loadBase),
		).rejects.toThrow(
			`Model Options → modelId: model_YQrES2iPys22nYwh3YhVfMh8 would replace ${composition.id}, the composition chosen in Model, which runs as model_bfl-flux-1-dev's modelId: leave modelId empty [item 3]`,
		);
	});

	it('accepts its own id there', async () => {
		const { values } = await runnableModel(
			item,
			composition,
			{ modelId: composition.id },
			loadBase,
		);
		expect(values).toEqual({ modelId: composition.id });
	});
});

describe('Model Options of a trained model: its base model’s inputs', () => {
	const view = async (id: string) => {
		const shown = await trainedOptionsView(trained(id), loadBase);
		return Object.fromEntries((shown?.inputs ?? []).map((input) => [input.name, input.label]));
	};

	it('leaves out the modelId a composition fills', async () => {
		const inputs = await view(contracts.publicTrained.flux1_composition);
		expect(inputs).not.toHaveProperty('modelId');
		expect(inputs).toMatchObject({ loras: 'Flux LoRA', lorasScale: 'LoRA Scale' });
	});

	it('says a Flux.1 LoRA goes first in loras, and LoRA Scale is per LoRA listed', async () => {
		expect(await view(contracts.publicTrained.flux1_lora_a)).toMatchObject({
			modelId: 'LoRA or Composition Model',
			loras: 'Flux LoRA after the chosen one',
			lorasScale: 'LoRA Scale per LoRA listed',
		});
	});

	it('leaves out the loras a Kontext LoRA fills alone (FLUX Kontext Edit takes one)', async () => {
		const inputs = await view(contracts.publicTrained.kontext_lora);
		expect(inputs).not.toHaveProperty('loras');
		expect(inputs).toMatchObject({ lorasScale: 'LoRA Scale' });
	});

	it('is undefined for a model with inputs of its own', async () => {
		expect(await trainedOptionsView(baseFixture('model_bfl-flux-1-dev'), loadBase)).toBeUndefined();
	});
});

describe('withoutOwnInputs (both nodes’ Model Options)', () => {
	it('leaves out the prompt and the inputs the node shows as its own fields', () => {
		const base = baseFixture('model_bfl-flux-1-dev');
		const names = (base.inputs ?? []).map((input) => input.name);
		const shown = withoutOwnInputs(base, [imageSlot, strengthSlot]).inputs?.map((i) => i.name);
		expect(shown).toEqual(names.filter((name) => !['prompt', 'image', 'strength'].includes(name)));
	});
});

describe('the legacy /generate/img2img fields (OpenAPI PostImg2imgInferencesRequest)', () => {
	const field = (name: string) => LEGACY_IMG2IMG_INPUTS.find((input) => input.name === name);

	it('takes strength from 0.01 to 1, and numSamples with a default (the endpoint would make 4)', () => {
		expect(field('strength')).toMatchObject({ min: 0.01, max: 1 });
		expect(field('numSamples')).toMatchObject({ min: 1, max: 128, default: 1 });
	});
});
