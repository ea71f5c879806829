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
