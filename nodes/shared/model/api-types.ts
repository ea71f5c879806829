/**
 * The parts of Scenario's API bodies the nodes read. Field names follow the recorded
 * responses (test/fixtures/scenario-api) and the OpenAPI file; everything else passes through.
 */

export type ModelInputType =
	| 'boolean'
	| 'file'
	| 'file_array'
	/** A list of objects (Scenario's model reference: keyframes, elements, layers …). */
	| 'inputs_array'
	| 'model'
	| 'model_array'
	| 'number'
	| 'number_array'
	| 'string'
	| 'string_array';

/** `required` is a rule object, never a boolean: `{always: true}`, `{ifDefined: {other: {message}}}` … */
export interface RequiredRule {
	always?: boolean;
	ifDefined?: Record<string, { message?: string }>;
	ifNotDefined?: Record<string, { message?: string }>;
	[rule: string]: unknown;
}

export interface ModelInput {
	name: string;
	type: ModelInputType;
	label?: string;
	description?: string;
	hint?: string;
	default?: unknown;
	required?: RequiredRule;
	allowedValues?: Array<string | number>;
	min?: number;
	max?: number;
	step?: number;
	maxLength?: number;
	minLength?: number;
	maxSize?: number;
	kind?: 'image' | 'video' | 'audio' | '3d' | 'document' | 'image-hdr' | 'json';
	modelTypes?: string[];
	group?: string;
	prompt?: boolean;
}

export interface ScenarioModel {
	id: string;
	name?: string;
	type: string;
	privacy?: string;
	custom?: boolean;
	capabilities?: string[];
	shortDescription?: string;
	tags?: string[];
	status?: string;
	inputs?: ModelInput[];
	/** The LoRAs a trained model is made of, with their scales (a LoRA lists itself). */
	concepts?: Array<{ modelId: string; scale?: number }>;
	uiConfig?: { selects?: Record<string, Record<string, string>>; [key: string]: unknown };
}

export const JOB_STATUSES = [
	'pending',
	'queued',
	'warming-up',
	'in-progress',
	'finalizing',
	'success',
	'failure',
	'canceled',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['success', 'failure', 'canceled']);

export interface ScenarioJob {
	jobId: string;
	jobType?: string;
	status: JobStatus;
	progress?: number;
	metadata?: {
		input?: Record<string, unknown>;
		assetIds?: string[];
		error?: string;
		[key: string]: unknown;
	};
	/** REC job.json: `{cuCost: 6, cuDiscount: 0, cuCostDetails: {"quality-gate": 1.25}}`. */
	billing?: { cuCost?: number; cuDiscount?: number; cuCostDetails?: Record<string, number> };
	createdAt?: string;
	updatedAt?: string;
	/** Each status with when it began (recorded jobs/job.json). */
	statusHistory?: Array<{ status?: string; date?: string }>;
}

/** POST /generate/* answer; a dry run (HTTP 269) has the cost fields and no job. */
export interface GenerateResponse {
	job?: ScenarioJob;
	creativeUnitsCost?: number;
	creativeUnitsDiscount?: number;
	costDetails?: Record<string, number>;
}

export interface ScenarioAsset {
	id: string;
	url: string;
	mimeType?: string;
	kind?: string;
	status?: string;
	properties?: { width?: number; height?: number; size?: number; [key: string]: unknown };
	metadata?: {
		seed?: string | number;
		width?: number;
		height?: number;
		name?: string;
		[key: string]: unknown;
	};
}

export interface ScenarioUpload {
	id: string;
	status: 'pending' | 'validating' | 'validated' | 'complete' | 'imported' | 'failed';
	parts?: Array<{ number: number; url: string; expires?: string }>;
	entityId?: string;
	errorMessage?: string;
}
