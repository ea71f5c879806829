import type { IExecuteFunctions, INodeProperties, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { inputError } from '../transport/errors';
import type { JobOptions } from '../execute/run-per-item';
import { MODEL_ID_PATTERN } from '../model/model-cache';

/**
 * The parts of a node description all four nodes share. (Name, icon, subtitle and usableAsTool
 * stay literal in each node file, where n8n's lint rules look for them.)
 */
export const scenarioNodeCommon = {
	group: ['transform'],
	version: 1,
	inputs: [NodeConnectionTypes.Main],
	outputs: [NodeConnectionTypes.Main],
	credentials: [{ name: 'scenarioApi', required: true }],
} satisfies Partial<INodeTypeDescription>;

/** The model picker: a searchable list (one API page per scroll) or an id. */
export function modelLocator(options: {
	listMethod: string;
	description: string;
	default?: string;
	extraModes?: INodeProperties['modes'];
}): INodeProperties {
	return {
		displayName: 'Model',
		name: 'model',
		type: 'resourceLocator',
		required: true,
		default: { mode: options.default ? 'id' : 'list', value: options.default ?? '' },
		description: options.description,
		modes: [
			...(options.extraModes ?? []),
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: 'Select a model...',
				typeOptions: { searchListMethod: options.listMethod, searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'model_...',
				validation: [{ type: 'regex', properties: { regex: MODEL_ID_PATTERN, errorMessage: 'A model id looks like model_…' } }],
			},
		],
	};
}

/** Where an input image comes from: a binary property, an asset id or a URL. */
export function imageField(displayName: string): INodeProperties {
	return {
		displayName,
		name: 'image',
		type: 'string',
		required: true,
		default: 'data',
		description: 'A binary property of the incoming item, a Scenario asset ID (asset_…) or an image URL',
	};
}

/** The chosen model's own inputs, loaded from GET /models/{modelId}. */
export function modelInputsField(displayName = 'Model Inputs'): INodeProperties {
	return {
		displayName,
		name: 'inputs',
		type: 'resourceMapper',
		noDataExpression: true,
		description:
			'The chosen model’s own inputs. A file input takes a binary property of the incoming item (e.g. data), an asset ID (asset_…) or an image URL; a list takes several, comma-separated.',
		default: { mappingMode: 'defineBelow', value: null },
		required: true,
		typeOptions: {
			loadOptionsDependsOn: ['model.value'],
			resourceMapper: {
				resourceMapperMethod: 'getModelInputs',
				mode: 'add',
				valuesLabel: displayName,
				fieldWords: { singular: 'input', plural: 'inputs' },
				addAllFields: true,
				multiKeyMatch: false,
				supportAutoMap: false,
				noFieldsError: 'This model has no inputs of its own.',
			},
		},
	};
}

export const timeoutOption: INodeProperties = {
	displayName: 'Timeout (Seconds)',
	name: 'timeoutSeconds',
	type: 'number',
	typeOptions: { minValue: 1 },
	default: 600,
	description: 'How long to wait for each job before giving up on it (the job itself keeps running on Scenario)',
};

export const requestTimeoutOption: INodeProperties = {
	displayName: 'Request Timeout (Seconds)',
	name: 'requestTimeoutSeconds',
	type: 'number',
	typeOptions: { minValue: 1, maxValue: 600 },
	default: 60,
	description:
		'How long to wait for Scenario to answer one HTTP request. Reads that time out are retried; a generation request that times out is not (it may have started a job), and fails the item.',
};

export const downloadOption: INodeProperties = {
	displayName: 'Download Images',
	name: 'downloadImages',
	type: 'boolean',
	default: true,
	description: 'Whether to download each output as binary data. Off: items carry the signed URL only.',
};

export const binaryPropertyOption: INodeProperties = {
	displayName: 'Output Binary Property',
	name: 'binaryProperty',
	type: 'string',
	default: 'data',
	description: 'Name of the binary property the output image is written to',
};

export const concurrencyOption: INodeProperties = {
	displayName: 'Max Concurrent Jobs',
	name: 'maxConcurrentJobs',
	type: 'number',
	typeOptions: { minValue: 1, maxValue: 100 },
	default: 10,
	description: 'How many items are submitted and followed at the same time',
};

/** The Options collection of the generating nodes. */
export const generationOptions: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add option',
	default: {},
	options: [
		{
			displayName: 'Wait for Completion',
			name: 'waitForCompletion',
			type: 'boolean',
			default: true,
			description: 'Whether to wait for the images. Off: one item per input with the job ID, for Scenario Wait for Job.',
		},
		downloadOption,
		binaryPropertyOption,
		concurrencyOption,
		timeoutOption,
		requestTimeoutOption,
		{
			displayName: 'Dry Run',
			name: 'dryRun',
			type: 'boolean',
			default: false,
			description: 'Whether to only ask Scenario what the generation would cost (Creative Units), submitting nothing',
		},
	],
};

/** The settings every node's run shares, read (for item 0) from a raw options record. */
export type RunSettings = Pick<JobOptions, 'binaryProperty' | 'maxConcurrentJobs' | 'timeoutMs' | 'requestTimeoutMs'>;

export function readRunSettings(ctx: IExecuteFunctions, raw: Record<string, unknown>): RunSettings {
	return {
		binaryProperty: (typeof raw.binaryProperty === 'string' && raw.binaryProperty.trim()) || 'data',
		maxConcurrentJobs: Math.max(1, Math.floor(numberOption(ctx, raw.maxConcurrentJobs, concurrencyOption.displayName, 10))),
		timeoutMs: Math.max(1, numberOption(ctx, raw.timeoutSeconds, timeoutOption.displayName, 600)) * 1000,
		requestTimeoutMs: readRequestTimeoutMs(numberOption(ctx, raw.requestTimeoutSeconds, requestTimeoutOption.displayName, 60)),
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
export function numberOption(ctx: IExecuteFunctions, value: unknown, field: string, fallback: number): number {
	if (value === undefined || value === null || value === '') return fallback;
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof number !== 'number' || !Number.isFinite(number)) {
		throw inputError(ctx.getNode(), 0, field, `expected a number, got ${Array.isArray(value) ? 'a list' : `${typeof value} ${JSON.stringify(value)}`}`);
	}
	return number;
}

/** The per-request timeout from the "Request Timeout (Seconds)" option (default 60 s). */
export function readRequestTimeoutMs(seconds: unknown): number {
	return typeof seconds === 'number' && Number.isFinite(seconds) ? Math.min(600, Math.max(1, seconds)) * 1000 : 60_000;
}
