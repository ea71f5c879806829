import type { IExecuteFunctions, ResourceMapperValue } from 'n8n-workflow';

import { concurrencyOption, requestTimeoutOption, timeoutOption } from '../descriptions/options';
import { MODEL_ID_PATTERN } from '../model/model-cache';
import { describe } from '../model/model-form';
import { inputError } from '../transport/errors';

/** Options every generating node shares (the `generationOptions` collection in descriptions/options.ts). */
export interface JobOptions {
	maxConcurrentJobs: number;
	waitForCompletion: boolean;
	downloadImages: boolean;
	binaryProperty: string;
	timeoutMs: number;
	/** Per HTTP request ("Request Timeout (Seconds)"). */
	requestTimeoutMs: number;
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

/** The settings every node's run shares, read (for item 0) from a raw options record. */
export type RunSettings = Pick<
	JobOptions,
	'binaryProperty' | 'maxConcurrentJobs' | 'timeoutMs' | 'requestTimeoutMs'
>;

export function readRunSettings(ctx: IExecuteFunctions, raw: Record<string, unknown>): RunSettings {
	return {
		binaryProperty: (typeof raw.binaryProperty === 'string' && raw.binaryProperty.trim()) || 'data',
		maxConcurrentJobs: Math.max(
			1,
			Math.floor(numberOption(ctx, raw.maxConcurrentJobs, concurrencyOption.displayName, 10)),
		),
		timeoutMs:
			Math.max(1, numberOption(ctx, raw.timeoutSeconds, timeoutOption.displayName, 600)) * 1000,
		requestTimeoutMs: readRequestTimeoutMs(
			numberOption(ctx, raw.requestTimeoutSeconds, requestTimeoutOption.displayName, 60),
		),
	};
}

/** Reads the Options collection of a generating node (item 0: these settings shape the whole run). */
export function readJobOptions(ctx: IExecuteFunctions, name = 'options'): JobOptions {
	const raw = ctx.getNodeParameter(name, 0, {}) as Record<string, unknown>;
	return {
		...readRunSettings(ctx, raw),
		waitForCompletion: Boolean(raw.waitForCompletion ?? true),
		downloadImages: Boolean(raw.downloadImages ?? true),
		dryRun: Boolean(raw.dryRun ?? false),
	};
}

/**
 * A number option (read for item 0: it shapes the whole run). An expression may give "10" for
 * 10; anything that is not a number is an error naming the option.
 */
export function numberOption(
	ctx: IExecuteFunctions,
	value: unknown,
	field: string,
	fallback: number,
): number {
	if (value === undefined || value === null || value === '') return fallback;
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof number !== 'number' || !Number.isFinite(number)) {
		throw inputError(
			ctx.getNode(),
			0,
			field,
			`expected a number, got ${Array.isArray(value) ? 'a list' : `${typeof value} ${JSON.stringify(value)}`}`,
		);
	}
	return number;
}

/** The per-request timeout from the "Request Timeout (Seconds)" option (default 60 s). */
export function readRequestTimeoutMs(seconds: unknown): number {
	return typeof seconds === 'number' && Number.isFinite(seconds)
		? Math.min(600, Math.max(1, seconds)) * 1000
		: 60_000;
}
