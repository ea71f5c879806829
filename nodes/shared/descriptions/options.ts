import type { INodeProperties } from 'n8n-workflow';

export const timeoutOption: INodeProperties = {
	displayName: 'Timeout (Seconds)',
	name: 'timeoutSeconds',
	type: 'number',
	typeOptions: { minValue: 1 },
	default: 600,
	description:
		'How long to wait for each job before giving up on it (the job itself keeps running on Scenario)',
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
	description:
		'Whether to download each output as binary data. Off: items carry the signed URL only.',
};

export const binaryPropertyOption: INodeProperties = {
	displayName: 'Output Binary Property',
	name: 'binaryProperty',
	type: 'string',
	default: 'data',
	description:
		'Name of the binary property each output file (image, video, audio, 3D model) is written to',
};

export const concurrencyOption: INodeProperties = {
	displayName: 'Max Concurrent Jobs',
	name: 'maxConcurrentJobs',
	type: 'number',
	typeOptions: { minValue: 1, maxValue: 100 },
	default: 10,
	description:
		'How many items are submitted and followed at the same time. Read once for the whole run (an expression sees the first item).',
};

export const requestBudgetOption: INodeProperties = {
	displayName: 'API Requests Per Minute',
	name: 'requestsPerMinute',
	type: 'number',
	typeOptions: { minValue: 0 },
	default: 100,
	description:
		'How many requests a minute the Scenario nodes may send for this project, shared by every Scenario node and run using the same credential. Scenario allows 100 a minute per project: keep that, lower it if other tools use the same project, raise it only if your plan allows more. 0 turns the pacing off.',
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
			description:
				'Whether to wait for the images. Off: one item per input with the job ID, for Scenario Wait for Job.',
		},
		downloadOption,
		binaryPropertyOption,
		concurrencyOption,
		timeoutOption,
		requestTimeoutOption,
		requestBudgetOption,
		{
			displayName: 'Dry Run',
			name: 'dryRun',
			type: 'boolean',
			default: false,
			description:
				'Whether to only ask Scenario what the generation would cost (Creative Units), starting no job. Files given as binaries or URLs are still uploaded, so that Scenario prices the request a real run would send; their asset IDs are listed in uploadedAssetIds.',
		},
	],
};
