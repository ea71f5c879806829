/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Reliability, "Every recorded model": a table-driven sweep over every recorded GET /models/{id}
 * body (the shared reference set, copied byte for byte in test/fixtures/scenario-api). For each:
 * every input maps to a field of the node's form, and a request built from the fields' defaults
 * (plus a prompt where required, and every file input fed a binary of its kind, uploaded by the
 * node itself) passes the simulator's validation, run through Scenario Custom Generate in
 * n8n-core's engine. Trained LoRA / composition records (no inputs)
 * are refused on their own with a clear error, and pass validation through their recorded base.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

import type { ResourceMapperField } from 'n8n-workflow';

import type { ModelInput, ScenarioModel } from '../../nodes/shared/model/api-types';
import {
	inputLabel,
	mainImageInput,
	modelFields,
	SIZE_PRESET_FIELD,
} from '../../nodes/shared/model/model-form';
import type { ScenarioSimulator } from '../simulator/server';
import type { HarnessInputItem } from '../harness';
import { mediaFile } from '../simulator/media';
import { mapped, modelById, pngImage } from '../support/scenario-nodes';
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

describe('the sweep feeds files of every kind', () => {
	test('the recorded file inputs take images, videos, audio and 3D models, each fed below as a binary', () => {
		const kinds = RUNNABLE.flatMap(({ model }) =>
			(model.inputs ?? []).filter(isFile).map((input) => input.kind ?? 'image'),
		);
		expect([...new Set(kinds)].sort()).toEqual(['3d', 'audio', 'image', 'video']);
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
			const { fields: all, mainImage } = fieldsOf(model);
			// The size-preset field (uiConfig.resolutionComponent) is the form's, not an input.
			const fields = all.filter((field) => field.id !== SIZE_PRESET_FIELD);
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
				// Scenario's own label, nothing appended (the editor cuts long labels).
				expect({ input: input.name, label: field.displayName }).toEqual({
					input: input.name,
					label: input.label ?? inputLabel(input),
				});
				if (field.type === 'options')
					expect(field.options?.map((option) => option.value)).toEqual(input.allowedValues);
			}
		});
	}
});

// ----- a request from the defaults passes validation -----

const isFile = (input: ModelInput) => input.type === 'file' || input.type === 'file_array';
const PROMPT = 'a weathered bronze statue in a quiet garden, recorded-model sweep';

/** A real file of a kind (a PNG, an MP4, a WAV, a GLB), as an upstream node would hand it over. */
function sampleFile(kind: string, name: string) {
	if (kind === 'image')
		return { data: pngImage(`sweep ${name}`), mimeType: 'image/png', fileName: `${name}.png` };
	const media = mediaFile(kind, `sweep ${name}`);
	if (!media) throw new Error(`no sample file for kind ${kind}`);
	return { data: media.bytes, mimeType: media.mimeType, fileName: `${name}.${media.extension}` };
}

interface SweepRun {
	values: Record<string, unknown>;
	/** The incoming item: one binary per file input of the model, of that input's kind. */
	item: HarnessInputItem;
	/** Binary property → the file input it feeds. */
	files: Map<string, ModelInput>;
}

/**
 * The values the editor holds once the model is picked: every field's default, a prompt where
 * one is required, and every file input fed from a binary of the incoming item, of the input's
 * kind (so each goes through the node's own upload: POST /assets for images, /uploads for
 * the rest).
 */
function sweepRun(model: ScenarioModel): SweepRun {
	const { fields } = fieldsOf(model);
	const values: Record<string, unknown> = {};
	for (const field of fields)
		if (field.defaultValue !== undefined) values[field.id] = field.defaultValue;
	const item: HarnessInputItem = { json: {}, binary: {} };
	const files = new Map<string, ModelInput>();
	for (const input of model.inputs ?? []) {
		if (isFile(input)) {
			const property = `file_${input.name}`;
			item.binary![property] = sampleFile(input.kind ?? 'image', `${model.id}-${input.name}`);
			values[input.name] = property;
			files.set(property, input);
			continue;
		}
		const present = values[input.name] !== undefined && values[input.name] !== '';
		if (input.required?.always !== true || present) continue;
		if (input.name === 'prompt' || input.type === 'string') values[input.name] = PROMPT;
		else
			throw new Error(
				`${model.id}: no sample value for required ${input.type} input ${input.name}`,
			);
	}
	return { values, item, files };
}

/** Every file input went up the way its kind goes, and the body names an asset of that kind. */
function expectFilesUploaded(model: ScenarioModel, run: SweepRun, body: Record<string, unknown>) {
	const names = (path: string) =>
		sim
			.calls('POST', path)
			.filter((call) => call.path === `/v1${path}`)
			.map(
				(call) =>
					(call.body as { name?: string; fileName?: string }).name ??
					(call.body as { fileName: string }).fileName,
			);
	const inline = names('/assets');
	const multipart = sim
		.calls('POST', '/uploads')
		.filter((call) => call.path === '/v1/uploads')
		.map((call) => call.body as { fileName: string; kind: string; contentType: string });
	for (const [property, input] of run.files) {
		const kind = input.kind ?? 'image';
		const sent = run.item.binary![property];
		if (kind === 'image')
			expect({ input: input.name, inline: inline.includes(sent.fileName!) }).toEqual({
				input: input.name,
				inline: true,
			});
		else
			expect({
				input: input.name,
				upload: multipart.find((u) => u.fileName === sent.fileName),
			}).toEqual({
				input: input.name,
				upload: expect.objectContaining({ kind, contentType: sent.mimeType }),
			});
		const value = body[input.name];
		const ids = input.type === 'file' ? [value] : (value as unknown[]);
		expect({ input: input.name, ids: ids.length }).toEqual({ input: input.name, ids: 1 });
		const asset = sim.assets.get(String(ids[0]));
		expect({ input: input.name, kind: asset?.kind, same: asset?.bytes.equals(sent.data) }).toEqual({
			input: input.name,
			kind,
			same: true,
		});
	}
	expect(inline.length + multipart.length).toBe(run.files.size);
	if (model.inputs?.some(isFile)) expect(run.files.size).toBeGreaterThan(0);
}

describe('a request built from the defaults, every file input fed a binary of its kind, passes the simulator’s validation', () => {
	for (const { file, model } of RUNNABLE) {
		test(`${model.id} (${file})`, async () => {
			const sweep = sweepRun(model);
			const { values } = sweep;
			const result = await run(sim, {
				type: 'customGenerate',
				parameters: {
					model: modelById(model.id),
					inputs: mapped(values),
					options: { timeoutSeconds: 15 },
				},
				items: [sweep.item],
			});
			expect(result.error?.message).toBeUndefined();
			const posts = sim.calls('POST', '/generate/');
			expect(posts.map((post) => `${post.path} ${post.status}`)).toEqual([
				`/v1/generate/custom/${model.id} 200`,
			]);
			const body = posts[0].body as Record<string, unknown>;
			const names = new Set((model.inputs ?? []).map((input) => input.name));
			expect(Object.keys(body).filter((key) => !names.has(key))).toEqual([]);
			expectFilesUploaded(model, sweep, body);
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
			const sweep = sweepRun(base);
			const values = { ...sweep.values, [via.input]: model.id };
			const result = await run(sim, {
				type: 'customGenerate',
				parameters: {
					model: modelById(base.id),
					inputs: mapped(values),
					options: { timeoutSeconds: 15 },
				},
				items: [sweep.item],
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
