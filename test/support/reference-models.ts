/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest and ts-node under Node.js; never shipped, never run inside n8n */
/**
 * Scenario's model reference pages (docs.scenario.com, "auto-generated from model
 * configurations"), copied verbatim in test/fixtures/scenario-api/reference/docs/models, read as
 * data: each model's section and its parameter table (Parameter, Type, Required, Default, Min, Max,
 * Allowed Values, Description), and that table turned into a `GET /models/{id}`-shaped body.
 *
 * The body uses only the field names recorded bodies use for `inputs[]` (name, type, description,
 * required, default, min, max, allowedValues, kind, maxLength). The table does not give a file
 * input's `kind` nor a list's `maxLength`: they are inferred only where the input's description says
 * them plainly ("Image to upscale", "Up to 3 reference images"), and the body's `provenance` says
 * which were inferred. It gives no `label`, `modelTypes`, `maskFrom` or conditional `required`
 * rules either: those stay out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REFERENCE_DIR = join(__dirname, '..', 'fixtures', 'scenario-api', 'reference');
export const REFERENCE_PAGES_DIR = join(REFERENCE_DIR, 'docs', 'models');

/** The start of every built fixture's `shortDescription`: its origin is visible in API answers. */
export const REFERENCE_PREFIX =
	"Built from Scenario's model reference table (not a recorded Scenario response).";

/** One row of a model's parameter table, cells as written (markdown escapes removed). */
export interface ReferenceRow {
	parameter: string;
	type: string;
	required: string;
	default: string;
	min: string;
	max: string;
	allowedValues: string;
	description: string;
}

export interface ReferenceModel {
	/** The page, e.g. `openai-image-generation.md`. */
	page: string;
	/** The section heading: the model's name on the page. */
	name: string;
	id: string;
	/** The line under the heading. */
	summary: string;
	capabilities: string[];
	rows: ReferenceRow[];
}

/** An `inputs[]` entry built from a row (the recorded field names only). */
export interface ReferenceInput {
	name: string;
	type: string;
	description?: string;
	required?: { always: true };
	default?: unknown;
	min?: number;
	max?: number;
	allowedValues?: Array<string | number>;
	kind?: string;
	maxLength?: number;
}

export interface ReferenceProvenance {
	source: string;
	section: string;
	/** File inputs whose kind the description states, and that kind. */
	inferredKinds: Record<string, string>;
	/** File inputs whose description names no kind plainly: no `kind`. */
	kindUnknown: string[];
	/** Lists whose description states their largest length ("Up to 3 reference images"). */
	inferredMaxLength: Record<string, number>;
	notes: string[];
}

export interface ReferenceBody {
	model: {
		id: string;
		name: string;
		shortDescription: string;
		type: 'custom';
		privacy: 'public';
		capabilities: string[];
		status: 'trained';
		custom: true;
		inputs: ReferenceInput[];
		provenance: ReferenceProvenance;
	};
}

const unescape = (text: string): string => text.replace(/\\(.)/g, '$1').trim();
const codeSpans = (cell: string): string[] => [...cell.matchAll(/`([^`]*)`/g)].map((m) => m[1]);
const isNone = (cell: string): boolean => cell === '-' || cell === '';

/** Every model section of one page. */
export function parseReferencePage(page: string, text: string): ReferenceModel[] {
	const models: ReferenceModel[] = [];
	const sections = text.split(/^## /m).slice(1);
	for (const section of sections) {
		const lines = section.split('\n');
		const id = /\*\*Model ID:\*\* `([^`]+)`/.exec(section)?.[1];
		if (!id) continue;
		const capabilities = codeSpans(/\*\*Capabilities:\*\*(.*)/.exec(section)?.[1] ?? '');
		const summary = lines.slice(1).find((line) => line.trim() !== '') ?? '';
		const rows = lines
			.filter((line) => line.startsWith('| `'))
			.map((line): ReferenceRow => {
				const cells = line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|');
				if (cells.length !== 8) throw new Error(`${page} ${id}: a row of ${cells.length} cells`);
				const [parameter, type, required, dflt, min, max, allowedValues, description] = cells.map(
					(cell) => cell.trim(),
				);
				return {
					parameter: unescape(codeSpans(parameter)[0] ?? parameter),
					type: unescape(type),
					required,
					default: dflt,
					min,
					max,
					allowedValues,
					description: unescape(description),
				};
			});
		models.push({
			page,
			name: lines[0].trim(),
			id,
			summary: unescape(summary),
			capabilities,
			rows,
		});
	}
	return models;
}

/** Every model of every reference page, in page order. */
export function readReferenceModels(dir = REFERENCE_PAGES_DIR): ReferenceModel[] {
	return readdirSync(dir)
		.filter((file) => file.endsWith('.md') && file !== 'INDEX.md')
		.sort()
		.flatMap((page) => parseReferencePage(page, readFileSync(join(dir, page), 'utf8')));
}

export function referenceModel(id: string, models = readReferenceModels()): ReferenceModel {
	const found = models.find((model) => model.id === id);
	if (!found) throw new Error(`${id} is not in Scenario's model reference`);
	return found;
}

/** A cell value typed as the input's type says (numbers for number inputs). */
function typed(type: string, value: string): string | number | boolean {
	const base = type.replace(/_array$/, '');
	if (base === 'number' && value.trim() !== '' && Number.isFinite(Number(value)))
		return Number(value);
	if (base === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
	return value;
}

const KIND_WORDS: Array<[string, RegExp]> = [
	['image', /\b(images?|photo|picture|mask)\b/i],
	['video', /\b(videos?|clip)\b/i],
	['audio', /\b(audio|sound|music|voice|speech)\b/i],
	['3d', /\b(3d|mesh|glb|gltf|obj)\b/i],
];

/** The kind a file input's description names, when it names exactly one. */
export function kindFromDescription(description: string): string | undefined {
	const named = KIND_WORDS.filter(([, words]) => words.test(description)).map(([kind]) => kind);
	return named.length === 1 ? named[0] : undefined;
}

/** A list's largest length, when its description states it ("Up to 3", "List of 1-14 images"). */
export function maxLengthFromDescription(description: string): number | undefined {
	const stated =
		/\bup to (\d+)\b/i.exec(description) ?? /\b1\s*[-–]\s*(\d+)\s+images?\b/i.exec(description);
	return stated ? Number(stated[1]) : undefined;
}

/** One table row as an `inputs[]` entry; what was inferred is noted in `provenance`. */
export function referenceInput(row: ReferenceRow, provenance: ReferenceProvenance): ReferenceInput {
	const { type } = row;
	const input: ReferenceInput = { name: row.parameter, type };
	if (row.description) input.description = row.description;
	if (row.required === 'Yes') input.required = { always: true };
	if (row.default === '“') {
		// Where recorded bodies have `[]` (loras of model_flux-kontext-editing and
		// model_qwen-image-edit-2511) the table shows “.
		if (type.endsWith('_array')) input.default = [];
		else provenance.notes.push(`${row.parameter}: the table's default “ is left out`);
	} else if (!isNone(row.default)) {
		const values = codeSpans(row.default).map((value) => typed(type, value));
		if (type.endsWith('_array')) input.default = values;
		else if (values.length === 1) input.default = values[0];
	}
	if (!isNone(row.min) && Number.isFinite(Number(row.min))) input.min = Number(row.min);
	if (!isNone(row.max) && Number.isFinite(Number(row.max))) input.max = Number(row.max);
	const allowed = codeSpans(row.allowedValues).map((value) => typed(type, value));
	if (allowed.length) input.allowedValues = allowed as Array<string | number>;
	if (type === 'file' || type === 'file_array') {
		const kind = kindFromDescription(row.description);
		if (kind) {
			input.kind = kind;
			provenance.inferredKinds[row.parameter] = kind;
		} else provenance.kindUnknown.push(row.parameter);
	}
	if (type === 'file_array') {
		const maxLength = maxLengthFromDescription(row.description);
		if (maxLength !== undefined) {
			input.maxLength = maxLength;
			provenance.inferredMaxLength[row.parameter] = maxLength;
		}
	}
	return input;
}

/**
 * A `GET /models/{id}` body from the model's reference table. Fields the table does not give are
 * set as every recorded public custom model has them (`type: custom`, `custom: true`,
 * `status: trained`, `privacy: public`), since the reference pages document `/generate/custom`.
 */
export function referenceBody(model: ReferenceModel): ReferenceBody {
	const provenance: ReferenceProvenance = {
		source: `docs/models/${model.page}`,
		section: model.name,
		inferredKinds: {},
		kindUnknown: [],
		inferredMaxLength: {},
		notes: [],
	};
	const inputs = model.rows.map((row) => referenceInput(row, provenance));
	return {
		model: {
			id: model.id,
			name: model.name,
			shortDescription: `${REFERENCE_PREFIX} ${model.summary}`,
			type: 'custom',
			privacy: 'public',
			capabilities: model.capabilities,
			status: 'trained',
			custom: true,
			inputs,
			provenance,
		},
	};
}
