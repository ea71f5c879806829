/* eslint-disable @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Reliability, "Every model of Scenario's reference": a sweep over all 437 model ids of Scenario's
 * model reference (docs/models/INDEX.md, pages copied in test/fixtures/scenario-api/reference). Each
 * model's parameter table becomes an `inputs[]` body (the parser that builds the reference
 * fixtures), and the node's model form must take it: every input maps to a field of the right type,
 * with options and a default the field can hold, and the defaults (plus a value for each required
 * input) convert into a request body the simulator's validation accepts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ModelInput, ScenarioModel } from '../../nodes/shared/model/api-types';
import { convertValue } from '../../nodes/shared/model/input-values';
import { mainImageInput, modelFields } from '../../nodes/shared/model/model-form';
import { planModelRequest } from '../../nodes/shared/model/request-plan';
import type { ModelRecord } from '../simulator/fixtures';
import { validateCustomBody } from '../simulator/validation';
import {
	REFERENCE_PAGES_DIR,
	readReferenceModels,
	referenceBody,
} from '../support/reference-models';
import { category } from './support';
import { nodeStub } from '../support/scenario-nodes';

const { test } = category('reference models');

const MODELS = readReferenceModels().map((reference) => ({
	page: reference.page,
	model: referenceBody(reference).model as unknown as ScenarioModel,
}));

const NODE = nodeStub();
/** An asset id of the kind a file input takes (the stub below answers with that kind). */
const assetFor = (input: ModelInput) => `asset_SWEEP_${input.kind ?? 'image'}`;
const PROMPT = 'a weathered bronze statue in a quiet garden, reference sweep';

/** The field type an input must get, derived here apart from the node's code. */
function expectedFieldType(input: ModelInput): string {
	const array = input.type.endsWith('_array');
	if (input.allowedValues?.length && !array) return 'options';
	if (input.type === 'number') return 'number';
	if (input.type === 'boolean') return 'boolean';
	if (input.type === 'file_array' || input.type === 'inputs_array') return 'string';
	if (array) return 'array';
	return 'string';
}

/** A value the user would give a required input that has no default. */
function sample(input: ModelInput): unknown {
	if (input.type === 'file' || input.type === 'file_array') return assetFor(input);
	if (input.allowedValues?.length)
		return input.type.endsWith('_array') ? [input.allowedValues[0]] : input.allowedValues[0];
	if (input.type === 'number') return input.min ?? input.max ?? 1;
	if (input.type === 'boolean') return false;
	if (input.type === 'inputs_array') return '[{}]';
	if (input.type.endsWith('_array')) return input.type === 'number_array' ? '1' : 'x';
	return PROMPT;
}

describe("the sweep covers Scenario's whole model reference", () => {
	test('437 distinct model ids, as docs/models/INDEX.md lists them', () => {
		const index = readFileSync(join(REFERENCE_PAGES_DIR, 'INDEX.md'), 'utf8');
		const indexed = [...index.matchAll(/^\| [\w-]+\.md \| `(model_[^`]+)`/gm)].map((m) => m[1]);
		expect(indexed).toHaveLength(437);
		expect(MODELS.map((row) => row.model.id).sort()).toEqual([...indexed].sort());
	});
});

describe('every model of the reference maps to fields and a valid request', () => {
	for (const { page, model } of MODELS) {
		const inputs = model.inputs ?? [];
		test(`${model.id} (${page}): ${inputs.length} inputs`, () => {
			const mainImage = mainImageInput(inputs)?.name;
			const fields = modelFields(model, { mainImage });
			expect(fields.map((field) => field.id)).toEqual(inputs.map((input) => input.name));
			const values: Record<string, unknown> = {};
			for (const [i, input] of inputs.entries()) {
				const field = fields[i];
				expect({ input: input.name, type: field.type }).toEqual({
					input: input.name,
					type: expectedFieldType(input),
				});
				if (field.type === 'options') {
					expect(field.options?.map((option) => option.value)).toEqual(input.allowedValues);
					// The editor shows the default as the chosen option: it must be one.
					if (field.defaultValue !== undefined)
						expect({ input: input.name, default: field.options?.map((o) => o.value) }).toEqual({
							input: input.name,
							default: expect.arrayContaining([field.defaultValue]),
						});
				}
				// The main image defaults to the incoming binary `data`: uploaded, it is an asset.
				if (input.name === mainImage) values[input.name] = assetFor(input);
				else if (field.defaultValue !== undefined) values[input.name] = field.defaultValue;
			}
			for (const input of inputs)
				if (input.required?.always && values[input.name] === undefined)
					values[input.name] = sample(input);

			const plan = planModelRequest(NODE, 0, model, values);
			const body: Record<string, unknown> = { ...plan.body };
			for (const { input, refs } of plan.files)
				body[input.name] = input.type === 'file' ? refs[0] : refs;
			// A list of objects goes out as one, not as the JSON text the field holds.
			for (const input of inputs)
				if (input.type === 'inputs_array' && body[input.name] !== undefined)
					expect(Array.isArray(body[input.name])).toBe(true);
			expect(() =>
				validateCustomBody(model as unknown as ModelRecord, body, {
					asset: (id) => ({ kind: id.slice('asset_SWEEP_'.length), size: 1 }),
					model: () => undefined,
				}),
			).not.toThrow();
		});
	}
});

describe('a list of objects (inputs_array, 34 inputs of the reference) is sent as a list', () => {
	const input: ModelInput = { name: 'keyframes', type: 'inputs_array', label: 'Keyframes' };
	test('from JSON text or a list, each item an object', () => {
		expect(convertValue(NODE, 0, input, '[{"timestamp": 0}, {"timestamp": 2}]')).toEqual([
			{ timestamp: 0 },
			{ timestamp: 2 },
		]);
		expect(convertValue(NODE, 0, input, [{ timestamp: 1 }])).toEqual([{ timestamp: 1 }]);
	});
	test('anything else is an error naming the input and the item', () => {
		for (const raw of ['keyframe one', '[1, 2]', '{"timestamp": 0}', 3])
			expect(() => convertValue(NODE, 3, input, raw)).toThrow(
				/^Model input "Keyframes" \(keyframes\): expected a JSON list of objects, .* \[item 3\]$/,
			);
	});
});
