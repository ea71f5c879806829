/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/node-usable-as-tool -- benchmark code, run under Node.js; never shipped, never run inside n8n */
/**
 * What the benchmarks run through n8n-core: the package's real Custom Generate node, the
 * sequential baseline (a bench-only node on the same transport), and a source node that hands
 * large images from disk to the next node the way Read/Write Files from Disk does (streamed).
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, createReadStream, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';

import { BinaryDataConfig, BinaryDataService } from 'n8n-core';

import type {
	IBinaryData,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { ScenarioApi } from '../credentials/ScenarioApi.credentials';
import { ScenarioCustomGenerate } from '../nodes/ScenarioCustomGenerate/ScenarioCustomGenerate.node';
import type { GenerateResponse, ScenarioJob } from '../nodes/shared/model/api-types';
import { TERMINAL_STATUSES } from '../nodes/shared/model/api-types';
import { fetchAsset } from '../nodes/shared/files/download';
import { Limiter } from '../nodes/shared/transport/limiter';
import { pause } from '../nodes/shared/transport/cancellation';
import { connectToScenario } from '../nodes/shared/transport/connection';
import { scenarioRequest } from '../nodes/shared/transport/request';
import {
	runNode,
	runWorkflow,
	type HarnessBinaryMode,
	type HarnessInputItem,
	type RunNodeResult,
	type RunResult,
} from '../test/harness';
import { Container } from '../test/harness/n8n-internals';

export const CUSTOM_GENERATE = 'n8n-nodes-scenario.scenarioCustomGenerate';
export const SEQUENTIAL_BASELINE = 'bench.sequentialBaseline';
export const FILE_SOURCE = 'bench.fileSource';

/** Text-to-image model of the throughput runs; also takes reference images (memory run). */
export const MODEL_ID = 'model_openai-gpt-image-2';

/** How often the baseline checks a job, as Scenario's SDK does. */
export const BASELINE_POLL_MS = 3_000;

/**
 * The usual way: one item at a time, submitted, checked every 3 s until it ends, its images
 * downloaded, then the next. Same transport (connectToScenario, scenarioRequest, fetchAsset
 * with its retries), same n8n request helpers, only the order and the polling differ.
 */
export class SequentialBaseline implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Bench Sequential Baseline',
		name: SEQUENTIAL_BASELINE,
		group: ['transform'],
		version: 1,
		description:
			'Bench only: submits one item, polls it every 3 s until done, downloads, then the next',
		defaults: { name: 'Sequential Baseline' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'scenarioApi', required: true }],
		properties: [
			{ displayName: 'Model ID', name: 'modelId', type: 'string', default: MODEL_ID },
			{ displayName: 'Prompt', name: 'prompt', type: 'string', default: '' },
			{
				displayName: 'Poll Interval (Ms)',
				name: 'pollMs',
				type: 'number',
				default: BASELINE_POLL_MS,
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const conn = await connectToScenario(this, { requestsPerMinute: 0 });
		const downloads = new Limiter(1);
		const out: INodeExecutionData[] = [];
		const items = this.getInputData();
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			const modelId = this.getNodeParameter('modelId', itemIndex) as string;
			const prompt = this.getNodeParameter('prompt', itemIndex) as string;
			const pollMs = this.getNodeParameter('pollMs', itemIndex) as number;
			const submitted = await scenarioRequest<GenerateResponse>(conn, {
				method: 'POST',
				path: `/generate/custom/${encodeURIComponent(modelId)}`,
				body: { prompt },
				retry: 'paid',
				error: { itemIndex, action: 'Submitting' },
			});
			let job = submitted.job as ScenarioJob;
			while (!TERMINAL_STATUSES.has(job.status)) {
				await pause(conn.node, pollMs, conn.signal);
				job = (
					await scenarioRequest<{ job: ScenarioJob }>(conn, {
						method: 'GET',
						path: `/jobs/${encodeURIComponent(job.jobId)}`,
						retry: 'idempotent',
						error: { itemIndex, jobId: job.jobId, action: 'Checking the job' },
					})
				).job;
			}
			for (const assetId of job.metadata?.assetIds ?? []) {
				const fetched = await fetchAsset(
					this,
					conn,
					assetId,
					{ download: true, itemIndex, jobId: job.jobId },
					downloads,
				);
				const json: IDataObject = {
					jobId: job.jobId,
					assetId,
					status: job.status,
					sha256: fetched.sha256 ?? null,
				};
				out.push({
					json,
					...(fetched.binary ? { binary: { data: fetched.binary } } : {}),
					pairedItem: { item: itemIndex },
				});
			}
		}
		return [out];
	}
}

export interface SourceFile {
	path: string;
	json: IDataObject;
	mimeType: string;
}

/**
 * Emits one item per file as n8n binary data. In filesystem mode the file is placed into n8n's
 * binary store by a kernel copy (copy_file_range), as if an earlier node had stored it: the
 * images never pass through this process's memory, so the memory benchmark sees Custom Generate
 * alone. (Streaming them in with prepareBinaryData leaves tens of MB of freed chunks in the
 * heap, which the measured node would then reuse without growing.)
 */
export class FileSource implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Bench File Source',
		name: FILE_SOURCE,
		group: ['input'],
		version: 1,
		description: 'Bench only: emits one item per file',
		defaults: { name: 'File Source' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	execute: (this: IExecuteFunctions) => Promise<INodeExecutionData[][]>;

	constructor(files: SourceFile[]) {
		this.execute = async function (this: IExecuteFunctions) {
			const service = Container.get(BinaryDataService);
			const onDisk = Container.get(BinaryDataConfig).mode === 'filesystem';
			const out: INodeExecutionData[] = [];
			for (const file of files) {
				const fileName = basename(file.path);
				let binary: IBinaryData;
				if (onDisk) {
					const id = `filesystem-v2:workflows/${this.getWorkflow().id}/executions/${this.getExecutionId()}/binary_data/${randomUUID()}`;
					const target = service.getPath(id);
					mkdirSync(dirname(target), { recursive: true });
					copyFileSync(file.path, target);
					const bytes = statSync(target).size;
					writeFileSync(
						`${target}.metadata`,
						JSON.stringify({ fileName, mimeType: file.mimeType, fileSize: bytes }),
					);
					binary = {
						id,
						data: 'filesystem-v2',
						mimeType: file.mimeType,
						fileName,
						fileExtension: extname(fileName).slice(1),
						bytes,
						fileSize: `${(bytes / 1048576).toFixed(1)} MB`,
					};
				} else {
					binary = await this.helpers.prepareBinaryData(
						createReadStream(file.path),
						fileName,
						file.mimeType,
					);
				}
				out.push({ json: { ...file.json }, binary: { data: binary }, pairedItem: { item: 0 } });
			}
			return [out];
		};
	}
}

export const credentialTypes = { scenarioApi: new ScenarioApi() };

const customGenerate = new ScenarioCustomGenerate();
const sequentialBaseline = new SequentialBaseline();

/** A resource-mapper value as the editor stores it. */
export const mapped = (value: Record<string, unknown>) => ({
	mappingMode: 'defineBelow',
	value,
	matchingColumns: [],
	schema: [],
});
export const modelById = (id: string) => ({ __rl: true, mode: 'id', value: id });

export interface Timed<T> {
	result: T;
	wallMs: number;
}

async function timed<T>(fn: () => Promise<T>): Promise<Timed<T>> {
	const start = performance.now();
	const result = await fn();
	return { result, wallMs: performance.now() - start };
}

/** Custom Generate over `items`, one prompt per item (`$json.prompt`), through n8n-core. */
export async function runCustomGenerate(
	credentials: { scenarioApi: Record<string, string> },
	items: HarnessInputItem[],
	options: {
		maxConcurrentJobs: number;
		continueOnFail?: boolean;
		binaryMode?: HarnessBinaryMode;
		extraInputs?: Record<string, unknown>;
		/**
		 * API Requests Per Minute. Default 0 (not paced): the simulator of sections 1–4 has no
		 * budget; section 6 (budget.ts) gives both the figure.
		 */
		requestsPerMinute?: number;
		/** Another build of the node (section 6: today's code, from the main branch). */
		nodeType?: INodeType;
	},
): Promise<Timed<RunNodeResult>> {
	return await timed(
		async () =>
			await runNode({
				nodeTypes: { [CUSTOM_GENERATE]: options.nodeType ?? customGenerate },
				credentialTypes,
				credentials,
				node: {
					type: CUSTOM_GENERATE,
					typeVersion: 1,
					parameters: {
						model: modelById(MODEL_ID),
						inputs: mapped({ prompt: '={{ $json.prompt }}', ...options.extraInputs }),
						options: {
							maxConcurrentJobs: options.maxConcurrentJobs,
							requestsPerMinute: options.requestsPerMinute ?? 0,
						},
					} as never,
					continueOnFail: options.continueOnFail,
				},
				items,
				binaryMode: options.binaryMode ?? 'filesystem',
			}),
	);
}

/** The sequential baseline over `items` through n8n-core. */
export async function runSequentialBaseline(
	credentials: { scenarioApi: Record<string, string> },
	items: HarnessInputItem[],
): Promise<Timed<RunNodeResult>> {
	return await timed(
		async () =>
			await runNode({
				nodeTypes: { [SEQUENTIAL_BASELINE]: sequentialBaseline },
				credentialTypes,
				credentials,
				node: {
					type: SEQUENTIAL_BASELINE,
					typeVersion: 1,
					parameters: {
						modelId: MODEL_ID,
						prompt: '={{ $json.prompt }}',
						pollMs: BASELINE_POLL_MS,
					},
				},
				items,
				binaryMode: 'filesystem',
			}),
	);
}

/** File Source → Custom Generate (the file goes in as the reference image), binaries on disk. */
export async function runFilesThroughCustomGenerate(
	credentials: { scenarioApi: Record<string, string> },
	files: SourceFile[],
	options: { maxConcurrentJobs: number },
): Promise<Timed<RunResult>> {
	return await timed(
		async () =>
			await runWorkflow({
				nodeTypes: { [CUSTOM_GENERATE]: customGenerate, [FILE_SOURCE]: new FileSource(files) },
				credentialTypes,
				credentials,
				binaryMode: 'filesystem',
				startNode: 'File Source',
				nodes: [
					{
						id: 'source',
						name: 'File Source',
						type: FILE_SOURCE,
						typeVersion: 1,
						position: [0, 0],
						parameters: {},
					},
					{
						id: 'generate',
						name: 'Generate',
						type: CUSTOM_GENERATE,
						typeVersion: 1,
						position: [200, 0],
						parameters: {
							model: modelById(MODEL_ID),
							inputs: mapped({ prompt: '={{ $json.prompt }}', referenceImages: 'data' }),
							options: { maxConcurrentJobs: options.maxConcurrentJobs, requestsPerMinute: 0 },
						} as never,
						credentials: { scenarioApi: { id: 'scenarioApi-id', name: 'Scenario (bench)' } },
					},
				],
				connections: {
					'File Source': {
						main: [[{ node: 'Generate', type: NodeConnectionTypes.Main, index: 0 }]],
					},
				},
			}),
	);
}

export const promptItems = (count: number, tag: string): HarnessInputItem[] =>
	Array.from({ length: count }, (_, i) => ({ json: { prompt: `${tag} item ${i}` } }));
