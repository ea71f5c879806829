import type { FieldType, INodePropertyOptions, ResourceMapperField } from 'n8n-workflow';

import type { ModelInput, ScenarioModel } from './api-types';

/**
 * A model's `inputs[]` (from GET /models/{id}) as n8n fields. The same inputs are the validator
 * of what the user typed (input-values.ts, request-plan.ts). One source of truth: the form shows
 * what the validator accepts.
 */

export const isFileInput = (input: ModelInput): boolean =>
	input.type === 'file' || input.type === 'file_array';
export const isArrayInput = (input: ModelInput): boolean => input.type.endsWith('_array');

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

/**
 * The field's label: Scenario's own `label` of the input. Bodies built from Scenario's reference
 * tables carry none (the tables give only the parameter name): then the name in words,
 * `preserveAlpha` → `Preserve Alpha`. Kept short, with no bounds or hints: n8n's resource mapper
 * has no per-field description or placeholder (ResourceMapperField in n8n-workflow 2.40.1), and
 * cuts long labels; the bounds are checked when the node runs, and the error says them.
 */
export function inputLabel(input: ModelInput): string {
	if (input.label?.trim()) return input.label.trim();
	const words = input.name
		.replace(/([a-z0-9])([A-Z])/g, '$1 $2')
		.replace(/[_-]+/g, ' ')
		.trim();
	return (
		words.charAt(0).toUpperCase() +
		words.slice(1).replace(/ (\w)/g, (_, c: string) => ` ${c.toUpperCase()}`)
	);
}

function optionLabel(model: ScenarioModel, input: ModelInput, value: string | number): string {
	const label = model.uiConfig?.selects?.[input.name]?.[String(value)];
	const shown = label ?? (value === '' ? '(none)' : String(value));
	// The model's own default, as its input states it.
	return input.default !== undefined && String(input.default) === String(value)
		? `${shown} (default)`
		: shown;
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
	const shown = (model.inputs ?? []).filter((input) => !omit.has(input.name));
	const fields = shown.map((input): ResourceMapperField => {
		const type = fieldType(input);
		const field: ResourceMapperField = {
			id: input.name,
			displayName: inputLabel(input),
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
	// The model's size presets, just before its width input.
	const presets = sizePresetField(model, shown);
	const widthAt = fields.findIndex((f) => f.id === sizePresets(model, shown)?.widthInput);
	if (presets.length) fields.splice(widthAt, 0, ...presets);
	return fields;
}

/** The image input a node feeds by default: the first always-required image input. */
export function mainImageInput(inputs: ModelInput[]): ModelInput | undefined {
	return inputs.find(
		(input) => isFileInput(input) && input.kind === 'image' && isAlwaysRequired(input),
	);
}

/** The id of the size-preset field (no Scenario input has it: see sizePresets). */
export const SIZE_PRESET_FIELD = 'sizePreset';

interface SizePreset {
	label: string;
	width?: number;
	height?: number;
}

/**
 * The size presets a model gives (`uiConfig.resolutionComponent`, recorded on GPT Image 2:
 * `{label, widthInput, heightInput, presets: [{label, width, height}]}`), when both inputs it
 * names are shown and no input is called SIZE_PRESET_FIELD; undefined otherwise.
 */
export function sizePresets(
	model: ScenarioModel,
	shown: ModelInput[],
): { label: string; widthInput: string; heightInput: string; presets: SizePreset[] } | undefined {
	const component = model.uiConfig?.resolutionComponent as
		| { label?: unknown; widthInput?: unknown; heightInput?: unknown; presets?: unknown }
		| undefined;
	if (!component || typeof component !== 'object') return undefined;
	const { widthInput, heightInput, presets } = component;
	if (typeof widthInput !== 'string' || typeof heightInput !== 'string') return undefined;
	if (!Array.isArray(presets)) return undefined;
	const names = new Set(shown.map((i) => i.name));
	if (!names.has(widthInput) || !names.has(heightInput) || names.has(SIZE_PRESET_FIELD))
		return undefined;
	const valid = presets.filter(
		(p): p is SizePreset =>
			typeof p === 'object' &&
			p !== null &&
			typeof (p as SizePreset).label === 'string' &&
			(((p as SizePreset).width === undefined && (p as SizePreset).height === undefined) ||
				(typeof (p as SizePreset).width === 'number' &&
					typeof (p as SizePreset).height === 'number')),
	);
	if (!valid.length) return undefined;
	const label = typeof component.label === 'string' ? component.label : 'Size';
	return { label, widthInput, heightInput, presets: valid };
}

/** The size-preset field: the model's presets by their labels, value `WIDTHxHEIGHT`. */
function sizePresetField(model: ScenarioModel, shown: ModelInput[]): ResourceMapperField[] {
	const found = sizePresets(model, shown);
	if (!found) return [];
	return [
		{
			id: SIZE_PRESET_FIELD,
			displayName: found.label,
			required: false,
			defaultMatch: false,
			canBeUsedToMatch: false,
			display: true,
			type: 'options',
			options: found.presets.map(
				(p): INodePropertyOptions => ({
					name: p.label,
					value: p.width !== undefined ? `${p.width}x${p.height}` : '',
					description:
						p.width !== undefined
							? `Sets ${found.widthInput} ${p.width} and ${found.heightInput} ${p.height}`
							: 'Sends no size: the model decides',
				}),
			),
		},
	];
}

/**
 * The user's values with a chosen size preset turned into the model's width and height inputs
 * (a width or height typed in their own fields wins). Without a preset: the values as given.
 */
export function applySizePreset(
	model: ScenarioModel,
	values: Record<string, unknown>,
): Record<string, unknown> {
	if (!(SIZE_PRESET_FIELD in values)) return values;
	const found = sizePresets(model, model.inputs ?? []);
	if (!found) return values; // a model with an input of that name: left to the checks
	const { [SIZE_PRESET_FIELD]: chosen, ...rest } = values;
	const match = typeof chosen === 'string' ? /^(\d+)x(\d+)$/.exec(chosen.trim()) : null;
	if (!match) return rest;
	const blank = (v: unknown) => v === undefined || v === null || v === '';
	return {
		...rest,
		...(blank(rest[found.widthInput]) ? { [found.widthInput]: Number(match[1]) } : {}),
		...(blank(rest[found.heightInput]) ? { [found.heightInput]: Number(match[2]) } : {}),
	};
}
