/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/require-node-api-error -- test code, run by jest under Node.js; never shipped, never run inside n8n */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeOperationError } from 'n8n-workflow';

import type { ScenarioModel } from '../../nodes/shared/model/api-types';
import { modelFields, mainImageInput } from '../../nodes/shared/model/model-form';
import { planModelRequest } from '../../nodes/shared/model/request-plan';
import { imageSlot, placeImages } from '../../nodes/shared/model/image-slots';
import { nodeStub } from '../support/scenario-nodes';

const FIXTURES = join(__dirname, '..', 'fixtures', 'scenario-api');
const load = (path: string): ScenarioModel =>
	(JSON.parse(readFileSync(join(FIXTURES, path), 'utf8')) as { model: ScenarioModel }).model;

const node = nodeStub();

function errorOf(run: () => unknown): NodeOperationError {
	try {
		run();
	} catch (error) {
		if (error instanceof NodeOperationError) return error;
		throw error;
	}
	throw new Error('expected a NodeOperationError');
}

describe('model form from recorded GET /models bodies', () => {
	const gemini = load('models/model_google-gemini-3-1-flash.json');
	const gpt = load('models/model_openai-gpt-image-2.json');
	const kontext = load('models/trained/bases/model_flux-kontext-editing.json');
	const patinaExtract = load('models/model_patina-material-extract.json');

	it('types every input of Gemini 3.1 Flash, with bounds, option labels and defaults', () => {
		const fields = Object.fromEntries(modelFields(gemini).map((f) => [f.id, f]));
		expect(Object.keys(fields)).toEqual(gemini.inputs!.map((i) => i.name));
		expect(fields.prompt).toMatchObject({ type: 'string', required: true });
		expect(fields.numOutputs).toMatchObject({
			type: 'number',
			required: false,
			defaultValue: 1,
			// Scenario's own label, nothing appended: the editor cuts long labels.
			displayName: 'Image Count',
		});
		expect(fields.useGoogleSearch).toMatchObject({ type: 'boolean', defaultValue: false });
		expect(fields.thinkingLevel.type).toBe('options');
		// Labels come from uiConfig.selects where the model has them, else the value itself.
		expect(fields.thinkingLevel.options).toContainEqual(
			// The model's stated default is marked.
			expect.objectContaining({ name: 'High - Best Reasoning (default)', value: 'HIGH' }),
		);
		expect(fields.aspectRatio.options).toContainEqual(
			expect.objectContaining({ name: 'Auto (default)', value: 'auto' }),
		);
		expect(fields.aspectRatio.options).toContainEqual(
			expect.objectContaining({ name: '16:9', value: '16:9' }),
		);
		expect(fields.referenceImages.displayName).toBe('Reference images');
	});

	it('labels every field with Scenario’s label, or the name in words where a body has none', () => {
		for (const f of modelFields(gpt)) {
			const input = gpt.inputs!.find((i) => i.name === f.id);
			if (input) expect(f.displayName).toBe(input.label);
		}
		// Built from Scenario's reference table (no labels there): the name in words.
		const bria = load('reference/model_bria-remove-background.json');
		expect(modelFields(bria).map((f) => f.displayName)).toEqual(['Image', 'Preserve Alpha']);
		const gemini25 = load('reference/model_google-gemini-2-5-flash-image-editing.json');
		expect(modelFields(gemini25).map((f) => f.displayName)).toEqual([
			'Reference Images',
			'Prompt',
			'Aspect Ratio',
			'Num Outputs',
			'Seed',
		]);
	});

	it('offers the model’s size presets (uiConfig.resolutionComponent) and sends them as width and height', () => {
		const fields = modelFields(gpt);
		const ids = fields.map((f) => f.id);
		expect(ids.indexOf('sizePreset')).toBe(ids.indexOf('width') - 1);
		const preset = fields.find((f) => f.id === 'sizePreset')!;
		expect(preset.displayName).toBe('Dimensions');
		expect(preset.options).toContainEqual(
			expect.objectContaining({ name: '16:9 (2048x1152)', value: '2048x1152' }),
		);
		expect(preset.options).toContainEqual(expect.objectContaining({ name: 'Auto', value: '' }));
		const plan = planModelRequest(node, 0, gpt, { prompt: 'a fox', sizePreset: '2048x1152' });
		expect(plan.body).toEqual({ prompt: 'a fox', width: 2048, height: 1152 });
		// A width typed in its own field wins; Auto sends no size.
		expect(
			planModelRequest(node, 0, gpt, { prompt: 'a', sizePreset: '2048x1152', width: 1024 }).body,
		).toEqual({ prompt: 'a', width: 1024, height: 1152 });
		expect(planModelRequest(node, 0, gpt, { prompt: 'a', sizePreset: '' }).body).toEqual({
			prompt: 'a',
		});
		// A model without presets shows no such field.
		expect(modelFields(gemini).map((f) => f.id)).not.toContain('sizePreset');
	});

	it('maps string arrays with allowed values to list fields, and marks the main image', () => {
		const fields = Object.fromEntries(
			modelFields(patinaExtract, { mainImage: mainImageInput(patinaExtract.inputs!)?.name }).map(
				(f) => [f.id, f],
			),
		);
		expect(fields.maps).toMatchObject({ type: 'array' });
		expect(fields.image).toMatchObject({ required: true, defaultValue: 'data' });
		expect(fields.upscaleFactor).toMatchObject({ type: 'options' });
		expect(fields.upscaleFactor.options!.map((o) => o.value)).toEqual([0, 2, 4]);
	});

	it('converts values and leaves empty ones to the model', () => {
		const plan = planModelRequest(node, 0, gemini, {
			prompt: 'a red fox',
			numOutputs: '2',
			useGoogleSearch: 'true',
			aspectRatio: '16:9',
			resolution: '',
			referenceImages: 'data, asset_abc',
		});
		expect(plan.body).toEqual({
			prompt: 'a red fox',
			numOutputs: 2,
			useGoogleSearch: true,
			aspectRatio: '16:9',
		});
		expect(plan.files).toEqual([
			{ input: expect.objectContaining({ name: 'referenceImages' }), refs: ['data', 'asset_abc'] },
		]);
	});

	it.each([
		[{ prompt: 'x', numOutputs: 9 }, /numOutputs.*9 is above the maximum 4 \[item 3\]/],
		[{ prompt: 'x', aspectRatio: '7:3' }, /aspectRatio.*"7:3" is not one of the allowed values/],
		[{ prompt: 'x', numOutputs: 'many' }, /numOutputs.*expected a number/],
		[{ prompt: 'x', useGoogleSearch: 'yes' }, /useGoogleSearch.*expected true or false/],
		[{ numOutputs: 1 }, /prompt.*is required by this model/],
		[{ prompt: 'x', seed: 4 }, /"seed".*has no such input/],
		[
			{ prompt: 'x', referenceImages: Array.from({ length: 15 }, (_, i) => `asset_${i}`) },
			/referenceImages.*15 items, the model accepts at most 14/,
		],
	])('refuses %j naming the input and the item', (values, message) => {
		const error = errorOf(() => planModelRequest(node, 3, gemini, values));
		expect(error.message).toMatch(message);
		expect(error.context.itemIndex).toBe(3);
	});

	it('applies conditional required rules (a mask needs reference images on GPT Image 2)', () => {
		const error = errorOf(() =>
			planModelRequest(node, 0, gpt, { prompt: 'x', mask: 'asset_mask' }),
		);
		expect(error.message).toContain('A reference image is required when a mask is provided.');
	});

	it('refuses a LoRA record, which has no inputs, with the way to run it', () => {
		const lora = load('models/trained/public/model_hFh8M6nQbqGFSKJdP536GXhE.json');
		const error = errorOf(() => planModelRequest(node, 0, lora, { prompt: 'x' }));
		expect(error.message).toMatch(/trained LoRA/);
		expect(error.description).toMatch(/model_flux-kontext-editing/);
	});

	it('puts the image to edit first in referenceImages where the model takes it there', () => {
		expect(imageSlot(kontext.inputs!)?.name).toBe('referenceImages');
		const placed = placeImages(
			node,
			0,
			kontext,
			{ prompt: 'x' },
			{ image: 'data', references: ['asset_a', 'asset_b'] },
		);
		expect(placed.referenceImages).toEqual(['data', 'asset_a', 'asset_b']);
		const tooMany = errorOf(() =>
			placeImages(
				node,
				1,
				kontext,
				{},
				{ image: 'data', references: Array.from({ length: 10 }, (_, i) => `asset_${i}`) },
			),
		);
		expect(tooMany.message).toMatch(/Reference Images: 11 images .* at most 10/);
		const noMask = errorOf(() =>
			placeImages(node, 2, kontext, {}, { image: 'data', mask: 'mask' }),
		);
		expect(noMask.message).toMatch(/^Mask: model_flux-kontext-editing takes no mask.*\[item 2\]$/);
	});
});
