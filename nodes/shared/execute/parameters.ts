import type { IExecuteFunctions, ResourceMapperValue } from 'n8n-workflow';

import {
	concurrencyOption,
	requestBudgetOption,
	downloadOption,
	requestTimeoutOption,
	timeoutOption,
} from '../descriptions/options';
import { MODEL_ID_PATTERN } from '../model/model-cache';
import { describe } from '../model/input-values';
import { inputError } from '../transport/errors';

/**
 * The settings of one item's run. Each is read for its own item: an expression in Timeout or
 * Output Binary Property may give every item its own value.
 */
export interface ItemSettings {
	downloadImages: boolean;
	binaryProperty: string;
	timeoutMs: number;
	/** Per HTTP request ("Request Timeout (Seconds)"). */
	requestTimeoutMs: number;
}

/** Options every generating node shares (the `generationOptions` collection in descriptions/options.ts). */
export interface JobOptions extends ItemSettings {
	waitForCompletion: boolean;
	dryRun: boolean;
}

/** The model id of the `model` resource locator for one item, checked for shape. */
export function readModelId(
	ctx: IExecuteFunctions,
	itemIndex: number,
	parameter = 'model',
): string {
	const raw = ctx.getNodeParameter(parameter, itemIndex, '', { extractValue: true });
	if (raw !== null && raw !== undefined && typeof raw !== 'string') {
		throw inputError(
			ctx.getNode(),
			itemIndex,
			'Model',
			`expected a model id (model_…), got ${Array.isArray(raw) ? 'a list' : `${typeof raw} ${JSON.stringify(raw)}`}`,
		);
	}
	const modelId = typeof raw === 'string' ? raw.trim() : '';
	if (!new RegExp(MODEL_ID_PATTERN).test(modelId)) {
		throw inputError(
			ctx.getNode(),
			itemIndex,
			'Model',
			modelId ? `"${modelId}" is not a Scenario model id (model_…)` : 'no model chosen',
		);
	}
	return modelId;
}

/** A text parameter for one item, trimmed; empty is an error naming the field when `required` says why. */
export function readText(
	ctx: IExecuteFunctions,
	itemIndex: number,
	name: string,
	required?: { field: string; hint: string },
): string {
	const raw = ctx.getNodeParameter(name, itemIndex, '');
	if (raw !== null && raw !== undefined && typeof raw !== 'string' && typeof raw !== 'number') {
		throw inputError(
			ctx.getNode(),
			itemIndex,
			required?.field ?? name,
			`expected text, got ${describe(raw)}`,
		);
	}
	const text = String(raw ?? '').trim();
	if (!text && required)
		throw inputError(ctx.getNode(), itemIndex, required.field, `is empty: ${required.hint}`);
	return text;
}

/**
 * A multiple-value text field (e.g. Reference Images) for one item, trimmed, empties dropped. An
 * entry whose expression gives a list contributes each of its elements.
 */
export function readTextList(
	ctx: IExecuteFunctions,
	itemIndex: number,
	name: string,
	field: string,
): string[] {
	const raw = ctx.getNodeParameter(name, itemIndex, []) as unknown;
	const entries = (Array.isArray(raw) ? raw : [raw]).flat();
	return entries
		.map((entry) => {
			if (entry === null || entry === undefined) return '';
			if (typeof entry !== 'string' && typeof entry !== 'number') {
				throw inputError(ctx.getNode(), itemIndex, field, `expected text, got ${describe(entry)}`);
			}
			return String(entry).trim();
		})
		.filter(Boolean);
}

/** The values of the "Model Inputs" resource mapper for one item. */
export function readModelInputs(
	ctx: IExecuteFunctions,
	itemIndex: number,
	parameter = 'inputs',
): Record<string, unknown> {
	const mapped = ctx.getNodeParameter(parameter, itemIndex, {
		value: {},
	}) as ResourceMapperValue | null;
	return { ...(mapped?.value ?? {}) };
}

/** The Options collection of a node (or another collection), for one item. */
export const readOptions = (
	ctx: IExecuteFunctions,
	itemIndex: number,
	name = 'options',
): Record<string, unknown> => ctx.getNodeParameter(name, itemIndex, {}) as Record<string, unknown>;

/**
 * Max Concurrent Jobs, read once (for item 0) before any item starts: it shapes the whole run,
 * as its description says.
 */
export function readConcurrency(ctx: IExecuteFunctions, raw: Record<string, unknown>): number {
	return Math.max(
		1,
		Math.floor(numberOption(ctx, 0, raw.maxConcurrentJobs, concurrencyOption.displayName, 10)),
	);
}

/** API Requests Per Minute, read once (for item 0): the project's budget for the whole run. */
export function readRequestBudget(ctx: IExecuteFunctions): number {
	const raw = ctx.getNodeParameter('options', 0, {}) as Record<string, unknown>;
	const value = numberOption(ctx, 0, raw.requestsPerMinute, requestBudgetOption.displayName, 100);
	return Math.max(0, Math.floor(value));
}

/** One item's settings from a raw options record (read for that item). */
export function readItemSettings(
	ctx: IExecuteFunctions,
	itemIndex: number,
	raw: Record<string, unknown>,
): ItemSettings {
	const timeoutSeconds = numberOption(
		ctx,
		itemIndex,
		raw.timeoutSeconds,
		timeoutOption.displayName,
		600,
	);
	const requestSeconds = numberOption(
		ctx,
		itemIndex,
		raw.requestTimeoutSeconds,
		requestTimeoutOption.displayName,
		60,
	);
	return {
		downloadImages: booleanOption(
			ctx,
			itemIndex,
			raw.downloadImages,
			downloadOption.displayName,
			true,
		),
		binaryProperty: (typeof raw.binaryProperty === 'string' && raw.binaryProperty.trim()) || 'data',
		timeoutMs: Math.max(1, timeoutSeconds) * 1000,
		requestTimeoutMs: Math.min(600, Math.max(1, requestSeconds)) * 1000,
	};
}

/** The Options collection of a generating node, for one item. */
export function readJobOptions(ctx: IExecuteFunctions, itemIndex: number): JobOptions {
	const raw = readOptions(ctx, itemIndex);
	return {
		...readItemSettings(ctx, itemIndex, raw),
		waitForCompletion: booleanOption(
			ctx,
			itemIndex,
			raw.waitForCompletion,
			'Wait for Completion',
			true,
		),
		dryRun: booleanOption(ctx, itemIndex, raw.dryRun, 'Dry Run', false),
	};
}

/** A number option. An expression may give "10" for 10; anything else is an error naming the option. */
export function numberOption(
	ctx: IExecuteFunctions,
	itemIndex: number,
	value: unknown,
	field: string,
	fallback: number,
): number {
	if (value === undefined || value === null || value === '') return fallback;
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof number !== 'number' || !Number.isFinite(number)) {
		throw inputError(
			ctx.getNode(),
			itemIndex,
			field,
			`expected a number, got ${Array.isArray(value) ? 'a list' : `${typeof value} ${JSON.stringify(value)}`}`,
		);
	}
	return number;
}

/** A boolean option. An expression may give "false" for false (which Boolean() would make true). */
export function booleanOption(
	ctx: IExecuteFunctions,
	itemIndex: number,
	value: unknown,
	field: string,
	fallback: boolean,
): boolean {
	if (value === undefined || value === null || value === '') return fallback;
	if (typeof value === 'boolean') return value;
	if (value === 'true' || value === 'false') return value === 'true';
	throw inputError(
		ctx.getNode(),
		itemIndex,
		field,
		`expected true or false, got ${describe(value)}`,
	);
}
