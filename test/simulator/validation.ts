/**
 * Request-body validation.
 * - Custom generation: the body is checked against the model's recorded `inputs[]`.
 * - Legacy img2img / prompt-editing: checked against the OpenAPI request definitions.
 * Messages follow the recorded ones ("Input lorasScale must be at most 2", "Input loras must be
 * at most 6 items long", "Invalid model(s): X.\nAllowed model types: ...", "Model X not found",
 * contracts.json) and "Input prompt is required" (a reply in Scenario's own client tests, BLENDER
 * tests/unit/test_client.py); the others are marked `Our own (no source)` and use the same
 * "Input <name> ..." pattern, always naming the field.
 */
import type { ModelInput, ModelRecord } from './fixtures';
import { ApiError } from './http';
import { isDefined, isRecord } from './util';

export interface LookupContext {
	asset(id: string): { kind: string; size: number } | undefined;
	model(id: string): ModelRecord | undefined;
}

function fail(reason: string, status = 400): never {
	throw new ApiError(status, reason);
}

/** Present for required-rules: empty strings and empty arrays count as missing. */
function present(v: unknown): boolean {
	if (!isDefined(v)) return false;
	if (v === '') return false;
	if (Array.isArray(v) && v.length === 0) return false;
	return true;
}

const list = (values: unknown[]): string => values.map((v) => String(v)).join(', ');

/** Our own (no source): the text. */
function checkAllowed(name: string, value: unknown, allowed: unknown[] | undefined): void {
	if (allowed && !allowed.some((a) => a === value))
		fail(`Input ${name} must be one of: ${list(allowed)}`);
}

/** Recorded: "must be at most N items long" (contracts.json). Our own (no source): "must be an array". */
function checkArray(name: string, v: unknown, maxLength: number | undefined): unknown[] {
	if (!Array.isArray(v)) fail(`Input ${name} must be an array`);
	if (maxLength !== undefined && v.length > maxLength)
		fail(`Input ${name} must be at most ${maxLength} items long`);
	return v;
}

function checkNumberRange(
	name: string,
	v: number,
	min: number | undefined,
	max: number | undefined,
): void {
	// Our own (no source): "must be at least", by analogy with the recorded "must be at most".
	if (min !== undefined && v < min) fail(`Input ${name} must be at least ${min}`);
	// Recorded: contracts.json check_scale_above_max, "Input lorasScale must be at most 2".
	if (max !== undefined && v > max) fail(`Input ${name} must be at most ${max}`);
}

/** Our own (no source): the texts (kind and maxSize come from the recorded `inputs[]`). */
function checkAssets(name: string, ids: unknown[], input: ModelInput, ctx: LookupContext): void {
	for (const id of ids) {
		if (typeof id !== 'string') fail(`Input ${name} must contain asset ids`);
		const asset = ctx.asset(id);
		if (!asset) fail(`Input ${name}: asset ${id} not found`);
		if (input.kind && asset.kind !== input.kind)
			fail(`Input ${name}: asset ${id} is not a ${input.kind} asset`);
		if (input.maxSize !== undefined && asset.size > input.maxSize) {
			fail(`Input ${name}: asset ${id} is larger than ${input.maxSize} bytes`);
		}
	}
}

/**
 * Model references. Recorded replies (contracts.json) show two stages: ids whose type fits no
 * model input of the model are listed with the union of all inputs' modelTypes
 * ("flux.1-lora, flux.1-composition" for a flux.2 LoRA in `loras`), then ids that fit another
 * input but not this one are listed with this input's modelTypes ("flux.1-lora").
 */
function checkModels(
	name: string,
	ids: unknown[],
	input: ModelInput,
	ctx: LookupContext,
	unionTypes: string[],
): void {
	const strings = ids.map((id) => {
		if (typeof id !== 'string') fail(`Input ${name} must contain model ids`);
		return id;
	});
	for (const id of strings) if (!ctx.model(id)) fail(`Model ${id} not found`, 404);
	const typeOf = (id: string): string => ctx.model(id)?.type ?? '';
	for (const allowed of [unionTypes, input.modelTypes ?? []]) {
		if (allowed.length === 0) continue;
		const invalid = strings.filter((id) => !allowed.includes(typeOf(id)));
		if (invalid.length > 0)
			fail(`Invalid model(s): ${invalid.join(', ')}.\nAllowed model types: ${allowed.join(', ')}`);
	}
}

/**
 * Our own (no source): the type texts ("must be a string", "… a number", "… an array of objects",
 * "… at most N characters long" …). The limits come from the recorded `inputs[]`.
 */
function checkInputValue(
	input: ModelInput,
	v: unknown,
	ctx: LookupContext,
	unionTypes: string[],
): void {
	const name = input.name;
	switch (input.type) {
		case 'string':
			if (typeof v !== 'string') fail(`Input ${name} must be a string`);
			checkAllowed(name, v, input.allowedValues);
			if (input.maxLength !== undefined && v.length > input.maxLength) {
				fail(`Input ${name} must be at most ${input.maxLength} characters long`);
			}
			return;
		case 'number':
			if (typeof v !== 'number' || !Number.isFinite(v)) fail(`Input ${name} must be a number`);
			checkAllowed(name, v, input.allowedValues);
			checkNumberRange(name, v, input.min, input.max);
			return;
		case 'boolean':
			if (typeof v !== 'boolean') fail(`Input ${name} must be a boolean`);
			return;
		case 'string_array':
			for (const item of checkArray(name, v, input.maxLength)) {
				if (typeof item !== 'string') fail(`Input ${name} must be an array of strings`);
				checkAllowed(name, item, input.allowedValues);
			}
			return;
		case 'number_array':
			for (const item of checkArray(name, v, input.maxLength)) {
				if (typeof item !== 'number' || !Number.isFinite(item))
					fail(`Input ${name} must be an array of numbers`);
				// Recorded quirk (contracts.json check_scale_below_min): lorasScale -0.5 with min 0 was
				// accepted (269) while 3.0 with max 2 was refused. Only `max` is enforced on items.
				checkNumberRange(name, item, undefined, input.max);
			}
			return;
		case 'file':
			if (typeof v !== 'string') fail(`Input ${name} must be an asset id`);
			checkAssets(name, [v], input, ctx);
			return;
		case 'file_array':
			checkAssets(name, checkArray(name, v, input.maxLength), input, ctx);
			return;
		case 'model':
			if (typeof v !== 'string') fail(`Input ${name} must be a model id`);
			if (v !== '') checkModels(name, [v], input, ctx, unionTypes); // recorded default is ""
			return;
		case 'model_array':
			checkModels(name, checkArray(name, v, input.maxLength), input, ctx, unionTypes);
			return;
		case 'inputs_array': {
			// "JSON array of objects" (Scenario's model reference: keyframes, elements, layers …).
			// Whether the API takes that array as JSON text too is unknown: both are accepted here.
			let list = v;
			if (typeof v === 'string') {
				try {
					list = JSON.parse(v) as unknown;
				} catch {
					fail(`Input ${name} must be an array of objects`);
				}
			}
			for (const item of checkArray(name, list, input.maxLength))
				if (!isRecord(item)) fail(`Input ${name} must be an array of objects`);
			return;
		}
		default:
			return; // unknown input types are accepted as-is
	}
}

/**
 * Validates a POST /generate/custom/{modelId} body against the model's inputs.
 * Order: unknown fields, then required rules, then each input's type/limits/references.
 * Models with no recorded `inputs` (list-only rows) are not field-checked.
 */
export function validateCustomBody(
	model: ModelRecord,
	body: Record<string, unknown>,
	ctx: LookupContext,
): void {
	const inputs = model.inputs;
	if (!inputs) return;
	const byName = new Map(inputs.map((i) => [i.name, i]));
	for (const key of Object.keys(body)) {
		// Our own (no source): refusing unknown keys, and the text.
		if (!byName.has(key)) fail(`Input ${key} is not allowed`);
	}
	for (const input of inputs) {
		const req = input.required;
		if (!req) continue;
		const here = present(body[input.name]);
		// BLENDER tests/unit/test_client.py: 400 {"reason": "Input prompt is required"}.
		if (req.always && !here) fail(`Input ${input.name} is required`);
		for (const [other, rule] of Object.entries(req.ifDefined ?? {})) {
			if (present(body[other]) && !here) fail(rule.message);
		}
		for (const [other, rule] of Object.entries(req.ifNotDefined ?? {})) {
			if (!present(body[other]) && !here) fail(rule.message);
		}
	}
	const unionTypes = [...new Set(inputs.flatMap((i) => i.modelTypes ?? []))];
	for (const input of inputs) {
		const v = body[input.name];
		if (isDefined(v)) checkInputValue(input, v, ctx, unionTypes);
	}
}

// ---------------------------------------------------------------------------------------------
// Legacy endpoints, driven by the OpenAPI request definitions.

interface FieldSpec {
	type: 'string' | 'number' | 'boolean' | 'array';
	enum?: readonly string[];
	min?: number;
	max?: number;
	multipleOf?: number;
	/** `seed` is a string in PostImg2imgInferencesRequest; integers are accepted too. */
	numericString?: boolean;
}

const SCHEDULERS = [
	'DDIMScheduler',
	'DDPMScheduler',
	'DEISMultistepScheduler',
	'DPMSolverMultistepScheduler',
	'DPMSolverSinglestepScheduler',
	'EulerAncestralDiscreteScheduler',
	'EulerDiscreteScheduler',
	'HeunDiscreteScheduler',
	'KDPM2AncestralDiscreteScheduler',
	'KDPM2DiscreteScheduler',
	'LCMScheduler',
	'LMSDiscreteScheduler',
	'PNDMScheduler',
	'TCDScheduler',
	'UniPCMultistepScheduler',
] as const;

/** PostImg2imgInferencesRequest (required: modelId, prompt). */
export const IMG2IMG_FIELDS: Record<string, FieldSpec> = {
	image: { type: 'string' },
	imageId: { type: 'string' },
	seed: { type: 'string', numericString: true },
	strength: { type: 'number', min: 0.01, max: 1 },
	modelId: { type: 'string' },
	modelEpoch: { type: 'string' },
	hideResults: { type: 'boolean' },
	negativePrompt: { type: 'string' },
	scheduler: { type: 'string', enum: SCHEDULERS },
	intermediateImages: { type: 'boolean' },
	concepts: { type: 'array' },
	guidance: { type: 'number', min: 0, max: 20 },
	numInferenceSteps: { type: 'number', min: 1, max: 150 },
	numSamples: { type: 'number', min: 1, max: 128 },
	width: { type: 'number', min: 64, max: 2048, multipleOf: 8 },
	height: { type: 'number', min: 64, max: 2048, multipleOf: 8 },
	imageParentId: { type: 'string' },
	negativePromptStrength: { type: 'number', min: 0, max: 10 },
	baseModelId: { type: 'string' },
	prompt: { type: 'string' },
	imageHide: { type: 'boolean' },
};

export const PROMPT_EDITING_MODELS = [
	'flux-kontext',
	'gemini-2.0-flash',
	'gemini-2.5-flash',
	'gpt-image-1',
	'runway-gen4-image',
	'seedream-4',
] as const;

/** PostPromptEditingInferencesRequest (required: image, prompt). */
export const PROMPT_EDITING_FIELDS: Record<string, FieldSpec> = {
	image: { type: 'string' },
	referenceImages: { type: 'array' },
	seed: { type: 'number' },
	strength: { type: 'number' },
	guidanceScale: { type: 'number' },
	modelId: { type: 'string', enum: PROMPT_EDITING_MODELS },
	format: { type: 'string', enum: ['jpeg', 'png', 'webp'] },
	aspectRatio: {
		type: 'string',
		enum: ['16:9', '1:1', '21:9', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '9:21', 'auto'],
	},
	inputFidelity: { type: 'string', enum: ['high', 'low'] },
	quality: { type: 'string', enum: ['high', 'low', 'medium'] },
	concepts: { type: 'array' },
	// "Maximum depends on the subscription tier". Our own (no source): the simulator caps it at 16.
	numSamples: { type: 'number', min: 1, max: 16 },
	compression: { type: 'number', min: 0, max: 100 },
	prompt: { type: 'string' },
	mask: { type: 'string' },
};

/** Additional reference images per prompt-editing model (OpenAPI referenceImages description). */
export const PROMPT_EDITING_REFERENCE_LIMITS: Record<string, number> = {
	'gemini-2.0-flash': 5,
	'gemini-2.5-flash': 5,
	'gpt-image-1': 5,
	'flux-kontext': 3,
	'runway-gen4-image': 2,
};

/** Limits from the SPEC (the FIELDS above). Our own (no source): the texts, and refusing unknown keys. */
export function validateFields(
	fields: Record<string, FieldSpec>,
	body: Record<string, unknown>,
): void {
	for (const [name, v] of Object.entries(body)) {
		const spec = fields[name];
		if (!spec) fail(`Input ${name} is not allowed`);
		if (!isDefined(v)) continue;
		switch (spec.type) {
			case 'string':
				if (spec.numericString && typeof v === 'number' && Number.isInteger(v)) break;
				if (typeof v !== 'string') fail(`Input ${name} must be a string`);
				if (spec.numericString && !/^\d+$/.test(v))
					fail(`Input ${name} must be a string of digits`);
				checkAllowed(name, v, spec.enum ? [...spec.enum] : undefined);
				break;
			case 'number':
				if (typeof v !== 'number' || !Number.isFinite(v)) fail(`Input ${name} must be a number`);
				checkNumberRange(name, v, spec.min, spec.max);
				if (spec.multipleOf && v % spec.multipleOf !== 0)
					fail(`Input ${name} must be a multiple of ${spec.multipleOf}`);
				break;
			case 'boolean':
				if (typeof v !== 'boolean') fail(`Input ${name} must be a boolean`);
				break;
			case 'array':
				if (!Array.isArray(v)) fail(`Input ${name} must be an array`);
				break;
		}
	}
}

/** "is required": BLENDER tests/unit/test_client.py. Our own (no source): "must be a string". */
export function requireString(body: Record<string, unknown>, name: string): string {
	const v = body[name];
	if (!present(v)) fail(`Input ${name} is required`);
	if (typeof v !== 'string') fail(`Input ${name} must be a string`);
	return v;
}

/**
 * `concepts: [{modelId*, scale*}]` with scale in [-2, 2]; models must exist (SPEC).
 * Our own (no source): the texts.
 */
export function validateConcepts(body: Record<string, unknown>, ctx: LookupContext): void {
	const concepts = body.concepts;
	if (!Array.isArray(concepts)) return;
	for (const c of concepts) {
		if (!isRecord(c) || typeof c.modelId !== 'string')
			fail('Input concepts must contain objects with a modelId');
		if (typeof c.scale !== 'number')
			fail('Input concepts must contain objects with a numeric scale');
		checkNumberRange('concepts.scale', c.scale, -2, 2);
		if (!ctx.model(c.modelId)) fail(`Model ${c.modelId} not found`, 404);
	}
}

export interface DataUrl {
	mimeType: string;
	bytes: Buffer;
}

export function parseDataUrl(value: string): DataUrl | undefined {
	const m = /^data:([\w.+/-]+);base64,(.*)$/s.exec(value);
	if (!m) return undefined;
	return { mimeType: m[1], bytes: Buffer.from(m[2], 'base64') };
}
