/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Reliability, "Every recorded model": a table-driven sweep over every recorded GET /models/{id}
 * body (the shared reference set, copied byte for byte in test/fixtures/scenario-api). For each:
 * every input maps to a field of the node's form, and a request built from the fields' defaults
 * (plus a prompt and an asset where required) passes the simulator's validation, run through
 * Scenario Custom Generate in n8n-core's engine. Trained LoRA / composition records (no inputs)
 * are refused on their own with a clear error, and pass validation through their recorded base.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

import type { ResourceMapperField } from 'n8n-workflow';

import type { ModelInput, ScenarioModel } from '../../nodes/shared/model/api-types';
import { mainImageInput, modelFields } from '../../nodes/shared/model/model-form';
import type { ScenarioSimulator } from '../simulator/server';
import { imageItem, mapped, modelById } from '../support/scenario-nodes';
import { category, run, startSimulator } from './support';

const { test } = category('recorded models');

const FIXTURES = join(__dirname, '..', 'fixtures', 'scenario-api');
/** The shared reference set the fixtures were copied from (present in the monorepo checkout). */
const SHARED_RECORDED = join(__dirname, '..', '..', '..', 'shared', 'scenario-api', 'recorded');

function walk(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true })
		.flatMap((entry) =>
			entry.isDirectory()
				? walk(join(dir, entry.name))
				: entry.name.endsWith('.json')
					? [join(dir, entry.name)]
					: [],
		)
		.sort();
}

/** Recorded files of the fixtures: everything but `derived/` and `reference/` (built, not recorded) and the job/dry-run copies. */
const recordedFixtureFiles = (): string[] =>
	walk(FIXTURES)
		.map((file) => relative(FIXTURES, file).split(sep).join('/'))
		.filter((file) => !file.startsWith('derived/') && !file.startsWith('reference/'));

/** A GET /models/{id} body: `{ model: { id, type, ... } }`. */
function modelBody(file: string): ScenarioModel | undefined {
	const body = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as { model?: ScenarioModel };
	return body.model && typeof body.model.id === 'string' ? body.model : undefined;
}

const RECORDED_MODELS = recordedFixtureFiles()
	.map((file) => ({ file, model: modelBody(file) }))
	.filter((row): row is { file: string; model: ScenarioModel } => row.model !== undefined);
const RUNNABLE = RECORDED_MODELS.filter(({ model }) => (model.inputs?.length ?? 0) > 0);
const TRAINED = RECORDED_MODELS.filter(({ model }) => !model.inputs?.length);

let sim: ScenarioSimulator;
beforeAll(async () => {
	sim = await startSimulator(100);
});
afterEach(() => sim.reset());
afterAll(async () => await sim.close());

describe('the sweep covers the whole recorded set', () => {
	test('every recorded model body is in the table (and the fixtures are byte-identical copies)', () => {
		expect(RECORDED_MODELS.length).toBeGreaterThanOrEqual(23);
		expect(RUNNABLE.length).toBeGreaterThanOrEqual(17);
		if (!existsSync(SHARED_RECORDED)) return; // a checkout without the shared reference set: the copies are the set
		const shared = walk(SHARED_RECORDED).map((file) =>
			relative(SHARED_RECORDED, file).split(sep).join('/'),
		);
		for (const file of shared) {
			expect({
				file,
				same: readFileSync(join(SHARED_RECORDED, file)).equals(readFileSync(join(FIXTURES, file))),
			}).toEqual({ file, same: true });
		}
		const sharedModels = shared.filter((file) => {
			const body = JSON.parse(readFileSync(join(SHARED_RECORDED, file), 'utf8')) as {
				model?: { id?: unknown };
			};
			return typeof body.model?.id === 'string';
		});
		expect(
			RECORDED_MODELS.map((row) => row.file).filter((file) => sharedModels.includes(file)),
		).toEqual(sharedModels);
	});
});

// ----- every input maps to a field -----

/** The field type an input must get, derived here independently of the node's code. */
function expectedFieldType(input: ModelInput): string {
	const array = input.type.endsWith('_array');
	if (input.allowedValues?.length && !array) return 'options';
	if (input.type === 'number') return 'number';
	if (input.type === 'boolean') return 'boolean';
	if (input.type === 'file_array') return 'string'; // comma-separated references
	if (array) return 'array';
	return 'string';
}

function expectedDefault(input: ModelInput, mainImage: string | undefined): unknown {
	if (input.name === mainImage) return 'data';
	const value = input.default;
	if (value === undefined || value === null) return undefined;
	if (Array.isArray(value)) return value.length ? JSON.stringify(value) : undefined;
	return value;
}

const fieldsOf = (model: ScenarioModel): { fields: ResourceMapperField[]; mainImage?: string } => {
	const mainImage = mainImageInput(model.inputs ?? [])?.name;
	return { fields: modelFields(model, { mainImage }), mainImage };
};

describe('every input of every recorded model maps to a field', () => {
	for (const { file, model } of RUNNABLE) {
		test(`${model.id} (${file}): ${model.inputs!.length} inputs`, () => {
			const { fields, mainImage } = fieldsOf(model);
			expect(fields.map((field) => field.id)).toEqual(model.inputs!.map((input) => input.name));
			for (const [i, input] of model.inputs!.entries()) {
				const field = fields[i];
				expect({ input: input.name, type: field.type }).toEqual({
					input: input.name,
					type: expectedFieldType(input),
				});
				expect({ input: input.name, required: field.required }).toEqual({
					input: input.name,
					required: input.required?.always === true,
				});
				expect({ input: input.name, default: field.defaultValue }).toEqual({
					input: input.name,
					default: expectedDefault(input, mainImage),
				});
				expect(field.displayName.startsWith(input.label ?? input.name)).toBe(true);
				if (field.type === 'options')
					expect(field.options?.map((option) => option.value)).toEqual(input.allowedValues);
				if (field.type === 'number' && (input.min !== undefined || input.max !== undefined))
					expect(field.displayName).toMatch(/\(.*\d.*\)/);
			}
		});
	}
});

// ----- a request from the defaults passes validation -----

/** An asset of a file input's kind, created the way a user's file would be (multipart upload). */
async function assetOfKind(kind: string): Promise<string> {
	if (kind === 'image') return 'asset_FIXTUREREFERENCE00000000';
	const files: Record<string, { name: string; type: string }> = {
		video: { name: 'clip.mp4', type: 'video/mp4' },
		audio: { name: 'voice.mp3', type: 'audio/mpeg' },
		'3d': { name: 'character.glb', type: 'model/gltf-binary' },
	};
	const spec = files[kind];
	if (!spec) throw new Error(`no sample asset for kind ${kind}`);
	const bytes = Buffer.from(`sample ${kind} bytes for the recorded-model sweep`);
	const api = async (path: string, body?: unknown) => {
		const response = await fetch(`${sim.baseUrl}${path}`, {
			method: body === undefined ? 'GET' : 'POST',
			headers: { authorization: sim.authorization, 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		expect(response.status).toBe(200);
		return (await response.json()) as {
			upload: { id: string; status: string; entityId?: string; parts?: Array<{ url: string }> };
		};
	};
	const { upload } = await api('/uploads', {
		fileName: spec.name,
		fileSize: bytes.length,
		kind,
		contentType: spec.type,
		parts: 1,
	});
	expect((await fetch(upload.parts![0].url, { method: 'PUT', body: bytes })).status).toBe(200);
	await api(`/uploads/${upload.id}/action`, { action: 'complete' });
	for (let i = 0; i < 10; i++) {
		const { upload: current } = await api(`/uploads/${upload.id}`);
		if (current.status === 'imported' && current.entityId) return current.entityId;
		await new Promise((resolve) => setTimeout(resolve, 60));
	}
	throw new Error(`upload of a ${kind} sample was not imported`);
}

const isFile = (input: ModelInput) => input.type === 'file' || input.type === 'file_array';
const PROMPT = 'a weathered bronze statue in a quiet garden, recorded-model sweep';

/**
 * The values the editor holds once the model is picked: every field's default, then what the
 * user must add: the prompt, and an asset for a required file input without a default (for a pair
 * of inputs each required unless the other is set, the first).
 */
async function valuesFromDefaults(model: ScenarioModel): Promise<Record<string, unknown>> {
	const { fields } = fieldsOf(model);
	const values: Record<string, unknown> = {};
	for (const field of fields)
		if (field.defaultValue !== undefined) values[field.id] = field.defaultValue;
	const present = (name: string) => values[name] !== undefined && values[name] !== '';
	for (const input of model.inputs ?? []) {
		const alternatives = Object.keys(input.required?.ifNotDefined ?? {});
		const needed =
			input.required?.always === true ||
			(alternatives.length > 0 && alternatives.every((other) => !present(other)));
		if (!needed || present(input.name)) continue;
		if (input.name === 'prompt' || input.type === 'string') values[input.name] = PROMPT;
		else if (isFile(input)) values[input.name] = await assetOfKind(input.kind ?? 'image');
		else
			throw new Error(
				`${model.id}: no sample value for required ${input.type} input ${input.name}`,
			);
	}
	return values;
}

describe('a request built from the defaults passes the simulator’s validation', () => {
	for (const { file, model } of RUNNABLE) {
		test(`${model.id} (${file})`, async () => {
			const values = await valuesFromDefaults(model);
			const result = await run(sim, {
				type: 'customGenerate',
				parameters: {
					model: modelById(model.id),
					inputs: mapped(values),
					options: { timeoutSeconds: 15 },
				},
				items: [imageItem(`sweep-${model.id}`)],
			});
			expect(result.error?.message).toBeUndefined();
			const posts = sim.calls('POST', '/generate/');
			expect(posts.map((post) => `${post.path} ${post.status}`)).toEqual([
				`/v1/generate/custom/${model.id} 200`,
			]);
			const body = posts[0].body as Record<string, unknown>;
			const names = new Set((model.inputs ?? []).map((input) => input.name));
			expect(Object.keys(body).filter((key) => !names.has(key))).toEqual([]);
			// Non-file values went out as the defaults (converted to the input's type).
			for (const input of model.inputs ?? []) {
				if (isFile(input) || values[input.name] === undefined || values[input.name] === '')
					continue;
				const sent = body[input.name];
				const given = values[input.name];
				const expected =
					typeof given === 'string' && given.startsWith('[') ? JSON.parse(given) : given;
				expect({ input: input.name, sent }).toEqual({ input: input.name, sent: expected });
			}
			expect(result.items.length).toBeGreaterThan(0);
			for (const item of result.items)
				expect(item.json).toMatchObject({
					status: 'success',
					modelId: model.id,
					assetId: expect.stringMatching(/^asset_/),
				});
		});
	}
});

// ----- trained records: no inputs of their own -----

/** Recorded base models taking each trained type, and the input that takes it. */
const BASES: Record<string, { base: string; input: 'loras' | 'modelId' }> = {
	'flux.1-lora': { base: 'model_bfl-flux-1-dev', input: 'loras' },
	'flux.1-composition': { base: 'model_bfl-flux-1-dev', input: 'modelId' },
	'flux.1-kontext-lora': { base: 'model_flux-kontext-editing', input: 'loras' },
};

describe('trained LoRA and composition records', () => {
	for (const { file, model } of TRAINED) {
		const via = BASES[model.type];
		test(`${model.id} (${model.type}, ${file}): refused on its own${via ? `, accepted through ${via.base}` : ''}`, async () => {
			const alone = await run(sim, {
				type: 'customGenerate',
				parameters: { model: modelById(model.id), inputs: mapped({ prompt: PROMPT }) },
				items: [{ json: {} }],
			});
			expect(alone.error?.name).toBe('NodeOperationError');
			expect(alone.error?.message).toMatch(
				new RegExp(
					`^Model: "${model.id}" \\(${model.type.replace(/\./g, '\\.')}\\) has no inputs of its own: it is a trained LoRA that runs through a base model \\[item 0\\]$`,
				),
			);
			expect(sim.calls('POST', '/generate/')).toEqual([]);
			if (!via) return;

			sim.reset();
			const base = RECORDED_MODELS.find((row) => row.model.id === via.base)!.model;
			const values = {
				...(await valuesFromDefaults(base)),
				[via.input]: via.input === 'loras' ? model.id : model.id,
			};
			const result = await run(sim, {
				type: 'customGenerate',
				parameters: {
					model: modelById(base.id),
					inputs: mapped(values),
					options: { timeoutSeconds: 15 },
				},
				items: [imageItem('sweep-lora')],
			});
			expect(result.error?.message).toBeUndefined();
			const [post] = sim.calls('POST', '/generate/');
			expect(post.status).toBe(200);
			expect((post.body as Record<string, unknown>)[via.input]).toEqual(
				via.input === 'loras' ? [model.id] : model.id,
			);
		});
	}
});
