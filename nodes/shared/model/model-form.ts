import type { FieldType, INode, INodePropertyOptions, ResourceMapperField } from 'n8n-workflow';

import type { ModelInput, ScenarioModel } from './api-types';
import { inputError } from '../transport/errors';

/**
 * A model's `inputs[]` (from GET /models/{id}) as n8n fields, and the same inputs as the
 * validator of what the user typed. One source of truth: the form shows what the validator
 * accepts.
 */

export const isFileInput = (input: ModelInput): boolean =>
	input.type === 'file' || input.type === 'file_array';
export const isArrayInput = (input: ModelInput): boolean => input.type.endsWith('_array');

/** A trained LoRA / composition record: it has no inputs and runs only through a base model. */
export function assertRunnableModel(
	node: INode,
	model: ScenarioModel,
	itemIndex: number,
): ModelInput[] {
	if (Array.isArray(model.inputs) && model.inputs.length > 0) return model.inputs;
	throw inputError(
		node,
		itemIndex,
		'Model',
		`"${model.id}" (${model.type}) has no inputs of its own: it is a trained LoRA that runs through a base model`,
		`Pick its base model (for example model_bfl-flux-1-dev for flux.1-lora, model_flux-kontext-editing for flux.1-kontext-lora) and put "${model.id}" in that model's "loras" (or "modelId") input.`,
	);
}

function fieldType(input: ModelInput): FieldType {
	if (input.allowedValues?.length && !isArrayInput(input)) return 'options';
	switch (input.type) {
		case 'number':
			return 'number';
		case 'boolean':
			return 'boolean';
		case 'string_array':
		case 'number_array':
		case 'model_array':
			return 'array';
		default:
			return 'string';
	}
}

function rangeText(input: ModelInput): string {
	const { min, max } = input;
	if (input.type !== 'number' && input.type !== 'number_array') return '';
	if (min !== undefined && max !== undefined) return ` (${min}–${max})`;
	if (min !== undefined) return ` (≥ ${min})`;
	if (max !== undefined) return ` (≤ ${max})`;
	return '';
}

function optionLabel(model: ScenarioModel, input: ModelInput, value: string | number): string {
	const label = model.uiConfig?.selects?.[input.name]?.[String(value)];
	return label ?? (value === '' ? '(none)' : String(value));
}

function defaultValue(input: ModelInput): string | number | boolean | null | undefined {
	const value = input.default;
	if (value === undefined || value === null) return undefined;
	if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
		return value;
	if (Array.isArray(value)) return value.length ? JSON.stringify(value) : undefined;
	return undefined;
}

export const isAlwaysRequired = (input: ModelInput): boolean => input.required?.always === true;

export interface FieldOptions {
	/** Inputs the node shows elsewhere (e.g. Prompt Edit's own Prompt and Image fields). */
	omit?: string[];
	/** Name of the file input that defaults to the incoming `data` binary. */
	mainImage?: string;
}

/** The model's inputs as resource-mapper fields, typed, with bounds and option labels. */
export function modelFields(
	model: ScenarioModel,
	options: FieldOptions = {},
): ResourceMapperField[] {
	const omit = new Set(options.omit ?? []);
	return (model.inputs ?? [])
		.filter((input) => !omit.has(input.name))
		.map((input): ResourceMapperField => {
			const label = input.label ?? input.name;
			const type = fieldType(input);
			const field: ResourceMapperField = {
				id: input.name,
				displayName: `${label}${rangeText(input)}${listHint(input)}`,
				required: isAlwaysRequired(input),
				defaultMatch: false,
				canBeUsedToMatch: false,
				display: true,
				type,
			};
			if (type === 'options') {
				field.options = (input.allowedValues ?? []).map(
					(value): INodePropertyOptions => ({
						name: optionLabel(model, input, value),
						value,
					}),
				);
			}
			const fallback =
				isFileInput(input) && input.name === options.mainImage ? 'data' : defaultValue(input);
			if (fallback !== undefined) field.defaultValue = fallback;
			return field;
		});
}

/** Kept short: the editor cuts long labels. How to give files is in the field's description. */
function listHint(input: ModelInput): string {
	if (input.type === 'inputs_array') return ' (JSON list)';
	if (input.type !== 'file_array') return '';
	return input.maxLength ? ` (up to ${input.maxLength})` : ' (list)';
}

/** The image input a node feeds by default: the first always-required image input. */
export function mainImageInput(inputs: ModelInput[]): ModelInput | undefined {
	return inputs.find(
		(input) => isFileInput(input) && input.kind === 'image' && isAlwaysRequired(input),
	);
}

/** Unset, blank text (spaces only: an expression that found nothing) or an empty list. */
export const isEmpty = (value: unknown): boolean =>
	value === undefined ||
	value === null ||
	(typeof value === 'string' && value.trim() === '') ||
	(Array.isArray(value) && value.length === 0);

/** A JSON array given as text, or undefined. */
function jsonArray(text: string): unknown[] | undefined {
	if (!text.startsWith('[')) return undefined;
	try {
		const parsed: unknown = JSON.parse(text);
		return Array.isArray(parsed) ? parsed : undefined;
	} catch {
		return undefined; // not JSON: separated text
	}
}

const nonEmptyParts = (text: string, separator: RegExp): string[] =>
	text
		.split(separator)
		.map((part) => part.trim())
		.filter((part) => part !== '');

/** Splits a list given as an array, a JSON array text, or comma/newline separated text. */
export function toList(value: unknown): unknown[] {
	if (Array.isArray(value)) return value;
	if (typeof value !== 'string') return [value];
	const text = value.trim();
	return jsonArray(text) ?? nonEmptyParts(text, /[\n,]/);
}

/**
 * File references (binary property names, asset ids, URLs) given as an array, a JSON array
 * text, or one per line. A URL may hold commas (…/w_300,h_200,c_fill/photo.png), so commas
 * separate references only in a text that holds no URL.
 */
export function toReferenceList(value: unknown): unknown[] {
	if (Array.isArray(value)) return value;
	if (typeof value !== 'string') return [value];
	const text = value.trim();
	return jsonArray(text) ?? nonEmptyParts(text, /:\/\//.test(text) ? /\n/ : /[\n,]/);
}

/** The references of a file input: a single-file input's text is one reference, never split. */
function fileReferences(input: ModelInput, raw: unknown): unknown[] {
	if (input.type === 'file' && typeof raw === 'string') return jsonArray(raw.trim()) ?? [raw];
	return toReferenceList(raw);
}

interface Checked {
	node: INode;
	itemIndex: number;
	input: ModelInput;
}

function fail({ node, itemIndex, input }: Checked, problem: string): never {
	throw inputError(
		node,
		itemIndex,
		`Model input "${input.label ?? input.name}" (${input.name})`,
		problem,
	);
}

function toNumber(check: Checked, raw: unknown): number {
	const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
	if (typeof value !== 'number' || !Number.isFinite(value)) {
		fail(check, `expected a number, got ${describe(raw)}`);
	}
	const { min, max } = check.input;
	if (min !== undefined && value < min) fail(check, `${value} is below the minimum ${min}`);
	if (max !== undefined && value > max) fail(check, `${value} is above the maximum ${max}`);
	return value;
}

function toBoolean(check: Checked, raw: unknown): boolean {
	if (typeof raw === 'boolean') return raw;
	if (raw === 'true' || raw === 'false') return raw === 'true';
	fail(check, `expected true or false, got ${describe(raw)}`);
}

function toText(check: Checked, raw: unknown): string {
	if (typeof raw !== 'string' && typeof raw !== 'number')
		fail(check, `expected text, got ${describe(raw)}`);
	const text = String(raw);
	const { maxLength } = check.input;
	if (maxLength !== undefined && text.length > maxLength) {
		fail(check, `is ${text.length} characters long, the model accepts at most ${maxLength}`);
	}
	return text;
}

/**
 * A list of objects (`inputs_array`: keyframes, elements, layers …), given as a list or as JSON
 * text. Scenario's reference says only "JSON array of objects": it goes out as a JSON list (whether
 * Scenario would also take the JSON text is unknown). The objects' fields are not described: they
 * go as given, so a file in them must be an asset id already.
 */
function toObjectList(check: Checked, raw: unknown): unknown[] {
	const list = Array.isArray(raw)
		? raw
		: typeof raw === 'string'
			? jsonArray(raw.trim())
			: undefined;
	const isObject = (item: unknown) =>
		typeof item === 'object' && item !== null && !Array.isArray(item);
	if (!list || !list.every(isObject))
		fail(check, `expected a JSON list of objects, e.g. [{"…": …}], got ${describe(raw)}`);
	const { maxLength } = check.input;
	if (maxLength !== undefined && list.length > maxLength)
		fail(check, `has ${list.length} items, the model accepts at most ${maxLength}`);
	return list;
}

/** A value as an error message names it: `a list`, `an object`, `number 42` … */
export function describe(value: unknown): string {
	if (Array.isArray(value)) return 'a list';
	if (value === null) return 'null';
	if (typeof value === 'object') return 'an object';
	return `${typeof value} ${JSON.stringify(value)}`;
}

function checkAllowed(check: Checked, value: string | number): string | number {
	const allowed = check.input.allowedValues;
	if (!allowed?.length) return value;
	// The form stores option values with their type; an expression may give "2" for 2.
	const match = allowed.find((candidate) => String(candidate) === String(value));
	if (match === undefined) {
		fail(
			check,
			`"${value}" is not one of the allowed values: ${allowed.map((v) => JSON.stringify(v)).join(', ')}`,
		);
	}
	return match;
}

/** One value, checked and converted to what the API expects for this input. */
export function convertValue(
	node: INode,
	itemIndex: number,
	input: ModelInput,
	raw: unknown,
): unknown {
	const check: Checked = { node, itemIndex, input };
	switch (input.type) {
		case 'number':
			return checkAllowed(check, toNumber(check, raw));
		case 'boolean':
			return toBoolean(check, raw);
		case 'string':
		case 'model':
		case 'file':
			return checkAllowed(check, toText(check, raw));
		case 'inputs_array':
			return toObjectList(check, raw);
		case 'string_array':
		case 'number_array':
		case 'model_array':
		case 'file_array': {
			const list = toList(raw);
			if (input.maxLength !== undefined && list.length > input.maxLength) {
				fail(check, `has ${list.length} items, the model accepts at most ${input.maxLength}`);
			}
			const item: ModelInput = {
				...input,
				type: input.type === 'number_array' ? 'number' : 'string',
				maxLength: undefined,
			};
			return list.map((entry) => convertValue(node, itemIndex, item, entry));
		}
		default:
			return raw;
	}
}

/** A file input's references as the user gave them: binary property names, asset ids or URLs. */
export interface FileReferences {
	input: ModelInput;
	refs: string[];
}

export interface ModelRequestPlan {
	/** Checked, converted values of every non-file input the user set. */
	body: Record<string, unknown>;
	/** File inputs still to resolve into asset ids (uploads happen after all checks pass). */
	files: FileReferences[];
}

/**
 * Checks the user's values against the model before any call: unknown inputs, missing required
 * inputs and values the model would refuse are errors naming the input and the item.
 */
export function planModelRequest(
	node: INode,
	itemIndex: number,
	model: ScenarioModel,
	values: Record<string, unknown>,
): ModelRequestPlan {
	const inputs = assertRunnableModel(node, model, itemIndex);
	const byName = new Map(inputs.map((input) => [input.name, input]));
	const plan: ModelRequestPlan = { body: {}, files: [] };
	for (const [name, raw] of Object.entries(values)) {
		if (isEmpty(raw)) continue;
		const input = byName.get(name);
		if (!input) {
			throw inputError(
				node,
				itemIndex,
				`Model input "${name}"`,
				`model ${model.id} has no such input (it takes: ${inputs.map((i) => i.name).join(', ')})`,
				'The field list may be stale: open the node and refresh the model inputs.',
			);
		}
		if (isFileInput(input)) {
			const refs = convertValue(
				node,
				itemIndex,
				{ ...input, type: 'file_array', maxLength: input.type === 'file' ? 1 : input.maxLength },
				fileReferences(input, raw),
			) as string[];
			plan.files.push({ input, refs });
		} else {
			plan.body[name] = convertValue(node, itemIndex, input, raw);
		}
	}
	const given = {
		...plan.body,
		...Object.fromEntries(plan.files.map((file) => [file.input.name, file.refs])),
	};
	checkRequired(node, itemIndex, inputs, given);
	return plan;
}

/** `required.always`, and the conditional rules (`ifDefined`, `ifNotDefined`) the API applies. */
export function checkRequired(
	node: INode,
	itemIndex: number,
	inputs: ModelInput[],
	body: Record<string, unknown>,
): void {
	const present = (name: string) => !isEmpty(body[name]);
	for (const input of inputs) {
		if (present(input.name)) continue;
		const label = `Model input "${input.label ?? input.name}" (${input.name})`;
		if (isAlwaysRequired(input))
			throw inputError(node, itemIndex, label, 'is required by this model');
		for (const [other, rule] of Object.entries(input.required?.ifDefined ?? {})) {
			if (present(other))
				throw inputError(
					node,
					itemIndex,
					label,
					rule?.message ?? `is required when ${other} is set`,
				);
		}
		const alternatives = Object.entries(input.required?.ifNotDefined ?? {});
		if (alternatives.length && alternatives.every(([other]) => !present(other))) {
			throw inputError(
				node,
				itemIndex,
				label,
				alternatives[0][1]?.message ?? `is required unless ${alternatives[0][0]} is set`,
			);
		}
	}
}
