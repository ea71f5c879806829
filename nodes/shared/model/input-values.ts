import type { INode } from 'n8n-workflow';

import type { ModelInput } from './api-types';
import { inputError } from '../transport/errors';

/**
 * What the user typed for a model input, checked against the input and converted to what the API
 * expects; a value the model would refuse is an error naming the input and the item.
 */

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
export function fileReferences(input: ModelInput, raw: unknown): unknown[] {
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
