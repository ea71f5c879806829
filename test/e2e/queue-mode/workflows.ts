/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * The workflows of the queue-mode e2e, built for a node-type prefix (`n8n-nodes-scenario` for the
 * installed community package, `CUSTOM` for custom extensions). Webhook-triggered and active:
 * production executions are the ones n8n's queue mode hands to a worker.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CREDENTIAL = { scenarioApi: { id: 'scenarioApiCredential', name: 'Scenario API' } };
/** Image-input custom model (referenceImages) and the Prompt Edit model of the examples. */
export const GENERATE_MODEL = 'model_google-gemini-3-1-flash';
export const EDIT_MODEL = 'model_google-gemini-2-5-flash-image-editing';
/** Text-to-image model of the examples (and of bench/). */
export const TEXT_MODEL = 'model_openai-gpt-image-2';

export interface WorkflowNode {
	id: string;
	name: string;
	type: string;
	typeVersion: number;
	position: [number, number];
	parameters: Record<string, unknown>;
	credentials?: typeof CREDENTIAL;
	webhookId?: string;
	[key: string]: unknown;
}

export interface Workflow {
	id: string;
	name: string;
	active: boolean;
	nodes: WorkflowNode[];
	connections: Record<
		string,
		{ main: Array<Array<{ node: string; type: 'main'; index: number }>> }
	>;
	settings: Record<string, unknown>;
}

/** A fixed UUID per webhook path (n8n keys production webhooks by it). */
function uuidFrom(text: string): string {
	const h = createHash('sha256').update(text).digest('hex');
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Connects each node's first output to the next one. */
function chain(names: string[]): Workflow['connections'] {
	const connections: Workflow['connections'] = {};
	for (let i = 0; i + 1 < names.length; i++) {
		connections[names[i]] = { main: [[{ node: names[i + 1], type: 'main', index: 0 }]] };
	}
	return connections;
}

/**
 * A Webhook (POST /webhook/<path>): answering with the last node's items once all ran, or (for
 * executions that wait minutes) at once.
 */
function webhook(path: string, answer: 'lastNode' | 'onReceived' = 'lastNode'): WorkflowNode {
	return {
		id: `${path}-webhook`,
		name: 'Webhook',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, 0],
		webhookId: uuidFrom(path),
		parameters: {
			httpMethod: 'POST',
			path,
			responseMode: answer,
			...(answer === 'lastNode' && { responseData: 'allEntries' }),
			options: {},
		},
	};
}

function readImage(file: string): WorkflowNode {
	return {
		id: 'read-image',
		name: 'Read Image',
		type: 'n8n-nodes-base.readWriteFile',
		typeVersion: 1.1,
		position: [200, 0],
		parameters: { fileSelector: file, options: { dataPropertyName: 'data' } },
	};
}

/** Custom Generate on the image read from disk; `numOutputs` images per execution. */
/** A "Model Inputs" resource-mapper value as the editor stores it: values, and the fields shown. */
function modelInputs(
	value: Record<string, unknown>,
	fields: Array<{ id: string; displayName: string; type: string; required?: boolean }> = [],
) {
	return {
		mappingMode: 'defineBelow',
		value,
		matchingColumns: [],
		schema: fields.map((field) => ({
			required: false,
			display: true,
			defaultMatch: false,
			canBeUsedToMatch: false,
			removed: false,
			...field,
		})),
		attemptToConvertTypes: false,
		convertFieldsToString: true,
	};
}

function generate(
	prefix: string,
	options: { numOutputs: number; waitForCompletion: boolean; name?: string },
): WorkflowNode {
	return {
		id: 'generate',
		name: options.name ?? 'Generate',
		type: `${prefix}.scenarioCustomGenerate`,
		typeVersion: 1,
		position: [400, 0],
		credentials: CREDENTIAL,
		parameters: {
			model: { __rl: true, mode: 'id', value: GENERATE_MODEL },
			inputs: modelInputs(
				{
					// Each execution's own prompt, so its jobs can be told apart on the simulator.
					prompt: "={{ $('Webhook').item.json.body.prompt }}",
					referenceImages: 'data',
					aspectRatio: '1:1',
					numOutputs: options.numOutputs,
				},
				[
					{ id: 'prompt', displayName: 'Prompt', required: true, type: 'string' },
					{ id: 'referenceImages', displayName: 'Reference images', type: 'string' },
					{ id: 'aspectRatio', displayName: 'Aspect Ratio', type: 'string' },
					{ id: 'numOutputs', displayName: 'Image Count', type: 'number' },
				],
			),
			options: { waitForCompletion: options.waitForCompletion },
		},
	};
}

function promptEdit(prefix: string): WorkflowNode {
	return {
		id: 'prompt-edit',
		name: 'Prompt Edit',
		type: `${prefix}.scenarioPromptEdit`,
		typeVersion: 1,
		position: [600, 0],
		credentials: CREDENTIAL,
		parameters: {
			image: 'data',
			prompt: 'Put the product on a sunny beach, keep its shape and colours',
			model: { __rl: true, mode: 'id', value: EDIT_MODEL },
			referenceImages: [],
			mask: '',
			inputs: modelInputs({}),
			options: {},
		},
	};
}

function waitForJob(prefix: string, timeoutSeconds = 600): WorkflowNode {
	return {
		id: 'wait-for-job',
		name: 'Wait for Job',
		type: `${prefix}.scenarioWaitForJob`,
		typeVersion: 1,
		position: [600, 0],
		credentials: CREDENTIAL,
		parameters: {
			jobId: '={{ $json.jobId }}',
			timeoutSeconds,
			downloadImages: true,
			options: {},
		},
	};
}

/** The answer carries each image's bytes (base64 in `png`), next to the node's JSON. */
function imagesOut(): WorkflowNode {
	return {
		id: 'images-out',
		name: 'Images Out',
		type: 'n8n-nodes-base.extractFromFile',
		typeVersion: 1,
		position: [800, 0],
		parameters: {
			operation: 'binaryToPropery',
			binaryPropertyName: 'data',
			destinationKey: 'png',
			options: { keepSource: 'json' },
		},
	};
}

function workflow(id: string, name: string, nodes: WorkflowNode[]): Workflow {
	return {
		id,
		name,
		active: false,
		nodes,
		connections: chain(nodes.map((n) => n.name)),
		// Progress saved after every node (the crash test reads the job ids it holds before the kill).
		// Set here rather than as EXECUTIONS_DATA_SAVE_ON_PROGRESS: it travels with the workflow and
		// wins over the instance default. A worker's crash does not keep it: main overwrites it with
		// an empty run, so n8n's retry has nothing to start from (queue-crash.e2e.test.ts).
		settings: { executionOrder: 'v1', saveExecutionProgress: true },
	};
}

/** Webhook → image from disk → Custom Generate (2 outputs) → Prompt Edit on each → images out. */
export function generateAndEditWorkflow(prefix: string, imageFile: string): Workflow {
	return workflow('wfQueueEdit00001', 'queue mode: generate and edit', [
		webhook('queue-generate-edit'),
		readImage(imageFile),
		generate(prefix, { numOutputs: 2, waitForCompletion: true }),
		promptEdit(prefix),
		imagesOut(),
	]);
}

/**
 * The crash workflows, for a worker killed while a node runs:
 * - `followInNode`: Custom Generate with Wait for Completion on (the node submits and follows);
 * - `splitWait`: Custom Generate with Wait for Completion off, then Wait for Job (saved progress
 *   holds the job ids once Custom Generate has finished).
 */
export function crashWorkflow(
	prefix: string,
	imageFile: string,
	kind: 'followInNode' | 'splitWait',
): Workflow {
	if (kind === 'followInNode') {
		return workflow('wfQueueCrashIn01', 'queue mode: crash while Custom Generate follows', [
			webhook('queue-crash-in-node'),
			readImage(imageFile),
			generate(prefix, { numOutputs: 2, waitForCompletion: true }),
			imagesOut(),
		]);
	}
	return workflow('wfQueueCrashWait', 'queue mode: crash while Wait for Job follows', [
		webhook('queue-crash-wait'),
		readImage(imageFile),
		generate(prefix, { numOutputs: 2, waitForCompletion: false }),
		waitForJob(prefix),
		imagesOut(),
	]);
}

/**
 * examples/long-job-check-once-wait-loop.json as users get it (Custom Generate without waiting,
 * Wait for Job in Check Once mode, Still Running looped through n8n's Wait node), started by a
 * Webhook instead of the Manual Trigger so that its execution is a production one, run by a worker.
 */
export function longJobExample(): Workflow {
	const file = join(__dirname, '..', '..', '..', 'examples', 'long-job-check-once-wait-loop.json');
	const example = JSON.parse(readFileSync(file, 'utf8')) as Workflow;
	const trigger = example.nodes.find((n) => n.type === 'n8n-nodes-base.manualTrigger')!;
	const hook = { ...webhook('queue-long-job', 'onReceived'), position: trigger.position };
	example.nodes = example.nodes.map((n) => (n === trigger ? hook : n));
	example.connections[hook.name] = example.connections[trigger.name];
	delete example.connections[trigger.name];
	return example;
}

/**
 * The same job as longJobExample() followed inside the node (for bench/queue.ts --slot-time):
 * Webhook → the example's Start Video with Wait for Completion on, so the execution holds its
 * worker slot until the job ends. `timeoutSeconds` must exceed the job's duration.
 */
export function longJobInNode(timeoutSeconds: number): Workflow {
	const start = longJobExample().nodes.find((n) => n.name === 'Start Video')!;
	const follow = {
		...start,
		parameters: {
			...start.parameters,
			options: { waitForCompletion: true, timeoutSeconds },
		},
	};
	return {
		...workflow('wfQueueLongInNod', 'queue mode: long job followed in the node', [
			webhook('queue-long-in-node', 'onReceived'),
			follow,
		]),
		settings: { executionOrder: 'v1' },
	};
}

/**
 * For bench/queue.ts: Webhook with `{ prompts: [{ prompt }, …] }` → one item per prompt (Split
 * Out) →
 * Custom Generate text to image, one image per item, all items at once (Max Concurrent Jobs =
 * `concurrency`); the answer is the items' JSON (the images stay in n8n's binary data).
 */
export function textToImageWorkflow(prefix: string, concurrency: number): Workflow {
	return workflow('wfQueueBench0001', 'queue mode: text to image, many items', [
		webhook('queue-bench'),
		{
			id: 'split',
			name: 'One Item per Prompt',
			type: 'n8n-nodes-base.splitOut',
			typeVersion: 1,
			position: [200, 0],
			parameters: { fieldToSplitOut: 'body.prompts', include: 'noOtherFields', options: {} },
		},
		{
			id: 'generate',
			name: 'Generate',
			type: `${prefix}.scenarioCustomGenerate`,
			typeVersion: 1,
			position: [400, 0],
			credentials: CREDENTIAL,
			parameters: {
				model: { __rl: true, mode: 'id', value: TEXT_MODEL },
				inputs: modelInputs({ prompt: '={{ $json.prompt }}', numOutputs: 1, quality: 'medium' }, [
					{ id: 'prompt', displayName: 'Prompt', required: true, type: 'string' },
					{ id: 'numOutputs', displayName: 'Image Count', type: 'number' },
					{ id: 'quality', displayName: 'Quality', type: 'string' },
				]),
				options: { maxConcurrentJobs: concurrency },
			},
		},
	]);
}

/**
 * The recovery after a crash that lost an execution's job ids (README, Running at scale): the user
 * takes the ids from the dead worker's log (the nodes log `Scenario job job_… submitted (…)`) and
 * hands them to Wait for Job, which submits nothing.
 * Webhook `{ jobs: [{ jobId }, …] }` → one item per job → Wait for Job → images out.
 */
export function recoveryWorkflow(prefix: string): Workflow {
	return workflow('wfQueueRecover01', 'queue mode: collect known jobs', [
		webhook('queue-recover'),
		{
			id: 'split',
			name: 'One Item per Job',
			type: 'n8n-nodes-base.splitOut',
			typeVersion: 1,
			position: [200, 0],
			parameters: { fieldToSplitOut: 'body.jobs', include: 'noOtherFields', options: {} },
		},
		waitForJob(prefix),
		imagesOut(),
	]);
}
