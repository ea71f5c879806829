/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Prompt Edit's model list against Scenario's model reference (docs/models, copied verbatim in
 * test/fixtures/scenario-api/reference/docs/models): every id is real, and each label says what the
 * model's reference table says it takes (a list of images or one, how many, a mask or not).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
	EDITING_MODELS,
	MASK_MODEL,
	editingModelLabel,
} from '../../nodes/ScenarioPromptEdit/editing-models';
import { ScenarioPromptEdit } from '../../nodes/ScenarioPromptEdit/ScenarioPromptEdit.node';
import {
	maxLengthFromDescription,
	readReferenceModels,
	referenceModel,
	type ReferenceModel,
} from '../support/reference-models';

const REFERENCE = readReferenceModels();

/** What the reference table says a model takes, read here apart from the node's list. */
function takes(model: ReferenceModel): { images: string; mask: boolean } {
	const files = model.rows.filter((row) => row.type === 'file' || row.type === 'file_array');
	const image = files.find((row) => row.parameter === 'referenceImages') ?? files[0];
	const limit = maxLengthFromDescription(image.description);
	const images =
		image.type === 'file'
			? 'one image'
			: limit
				? `up to ${limit} images`
				: 'image + reference images';
	return { images, mask: files.some((row) => row.type === 'file' && /mask/i.test(row.parameter)) };
}

describe("Prompt Edit's editing models, checked against Scenario's model reference", () => {
	it('lists real ids only, each once, the default first', () => {
		const ids = EDITING_MODELS.map((m) => m.id);
		expect(new Set(ids).size).toBe(ids.length);
		for (const id of ids) expect(() => referenceModel(id, REFERENCE)).not.toThrow();
		expect(ids).not.toContain('model_qwen-image-editing');
		expect(ids[0]).toBe('model_google-gemini-2-5-flash-image-editing');
	});

	for (const listed of EDITING_MODELS) {
		it(`${listed.id}: "${editingModelLabel(listed)}"`, () => {
			const reference = referenceModel(listed.id, REFERENCE);
			expect(reference.capabilities).toContain('img2img');
			const label = editingModelLabel(listed);
			expect(label.startsWith(`${reference.name}`)).toBe(true);
			if (listed.aka) expect(reference.summary.toLowerCase()).toContain(listed.aka.toLowerCase());
			const { images, mask } = takes(reference);
			expect(label).toMatch(new RegExp(`: ${images.replace(/[+]/g, '\\+')}, `));
			expect(label.endsWith(mask ? ', mask' : ', no mask')).toBe(true);
		});
	}

	it('names a model with a mask input where it advises one', () => {
		expect(takes(referenceModel(MASK_MODEL, REFERENCE)).mask).toBe(true);
		expect(EDITING_MODELS.find((m) => m.id === MASK_MODEL)?.mask).toBe(true);
		const mask = new ScenarioPromptEdit().description.properties.find((p) => p.name === 'mask');
		expect(mask?.description).toContain(MASK_MODEL);
		// The error for a mask given to a model without one names the same model.
		const slots = readFileSync(
			join(__dirname, '..', '..', 'nodes', 'shared', 'model', 'image-slots.ts'),
			'utf8',
		);
		const advised = [...slots.matchAll(/pick a model with one \(e\.g\. (model_[\w.-]+)\)/g)];
		expect(advised.map((m) => m[1])).toEqual([MASK_MODEL]);
	});

	it('has a fixture for every listed model: recorded, or built from its reference table', () => {
		const fixtures = join(__dirname, '..', 'fixtures', 'scenario-api');
		const recorded: Record<string, string> = {
			'model_openai-gpt-image-2': 'models/model_openai-gpt-image-2.json',
			'model_flux-kontext-editing': 'models/trained/bases/model_flux-kontext-editing.json',
			'model_qwen-image-edit-2511': 'models/trained/bases/model_qwen-image-edit-2511.json',
		};
		for (const { id } of EDITING_MODELS) {
			const file = recorded[id] ?? `reference/${id}.json`;
			const body = JSON.parse(readFileSync(join(fixtures, file), 'utf8')) as {
				model: { id: string; inputs: Array<{ name: string }> };
			};
			expect(body.model.id).toBe(id);
			expect(body.model.inputs.some((input) => input.name === 'mask')).toBe(
				EDITING_MODELS.find((m) => m.id === id)?.mask,
			);
		}
	});
});
