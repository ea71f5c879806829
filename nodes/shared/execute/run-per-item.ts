import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { GenerateResponse, ScenarioJob } from '../model/api-types';
import { fetchAsset } from '../files/upload';
import { readJobOptions } from '../descriptions/options';
import { Limiter } from '../transport/limiter';
import { redactError } from '../transport/errors';
import { JobTimeoutError, cancelJob, waitForJob } from './job-polling';
import { ModelCache } from '../model/model-cache';
import { ExecutionCanceledError, connectToScenario, detachFromCancel, scenarioRequest, type ScenarioConnection } from '../transport/request';

/** Options every generating node shares (the `generationOptions` collection in descriptions.ts). */
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

/** One item's generation, ready to send. */
export interface Submission {
	modelId: string;
	/** e.g. `/generate/custom/model_x` or `/generate/img2img`. */
	path: string;
	body: IDataObject;
}

/** What a task learned about its item, so an error item can still carry the job id. */
export interface ItemState {
	jobId?: string;
	modelId?: string;
}

export interface RunContext {
	conn: ScenarioConnection;
	/** Bounds concurrent uploads (they hold bytes in memory), so memory does not grow with the item count. */
	transfers: Limiter;
	/** Bounds the bytes of concurrent downloads (streamed into n8n's binary data). */
	downloads: Limiter;
	/** Aborted when the run stops early (an item failed without Continue On Fail). */
	stop: AbortSignal;
}

type ItemTask = (itemIndex: number, state: ItemState, run: RunContext) => Promise<INodeExecutionData[]>;

/**
 * Uploads hold bytes in memory (one multipart part of up to 8 MiB, or a whole small image and
 * its base64): one at a time keeps the node's memory flat whatever the item count (see
 * BENCHMARKS.md). A binary streamed from disk holds its slot only while its parts are sent.
 */
const UPLOAD_CONCURRENCY = 1;
/**
 * Downloads stream into n8n's binary store and hold next to nothing, but every chunk is garbage
 * the GC collects late: the bytes in flight are bounded instead of the count (weights in
 * fetchAsset), so small outputs come several at once to hide the CDN's latency, and large ones
 * one at a time.
 */
const DOWNLOAD_BYTES_IN_FLIGHT = 16 * 1024 * 1024;

/**
 * Runs one task per input item, at most `concurrency` at once, and returns their outputs in
 * input order. Every item yields output: its results, or (Continue On Fail) an error item with
 * its job id. Without Continue On Fail the first failure stops the run: items not started are
 * skipped, jobs in flight are canceled on Scenario, and that failure is thrown.
 */
export async function runPerItem(
	ctx: IExecuteFunctions,
	conn: ScenarioConnection,
	concurrency: number,
	task: ItemTask,
): Promise<INodeExecutionData[]> {
	const items = ctx.getInputData();
	const limiter = new Limiter(Math.max(1, Math.floor(concurrency)));
	const stopper = new AbortController();
	const run: RunContext = { conn, transfers: new Limiter(UPLOAD_CONCURRENCY), downloads: new Limiter(DOWNLOAD_BYTES_IN_FLIGHT), stop: stopper.signal };
	const continueOnFail = ctx.continueOnFail();
	let firstFailure: unknown;

	const outputs = await Promise.all(
		items.map(async (_item, itemIndex) =>
			await limiter.run(async (): Promise<INodeExecutionData[]> => {
				const state: ItemState = {};
				try {
					if (stopper.signal.aborted) return [];
					return paired(await task(itemIndex, state, run), itemIndex);
				} catch (caught) {
					const error = redactError(asNodeError(ctx, caught, itemIndex, state), conn.secrets ?? []);
					if (continueOnFail && !(caught instanceof ExecutionCanceledError)) {
						return [errorItem(error, itemIndex, state)];
					}
					if (firstFailure === undefined) {
						firstFailure = error;
						stopper.abort();
					}
					return [];
				}
			}),
		),
	);
	if (firstFailure !== undefined) throw firstFailure;
	return outputs.flat();
}

function paired(results: INodeExecutionData[], itemIndex: number): INodeExecutionData[] {
	return results.map((result) => ({ ...result, pairedItem: { item: itemIndex } }));
}

function asNodeError(ctx: IExecuteFunctions, caught: unknown, itemIndex: number, state: ItemState): NodeApiError | NodeOperationError {
	if (caught instanceof NodeApiError || caught instanceof NodeOperationError) {
		if (caught.context.itemIndex === undefined) caught.context.itemIndex = itemIndex;
		return caught;
	}
	const message = caught instanceof Error ? caught.message : String(caught);
	return new NodeOperationError(ctx.getNode(), state.jobId && !message.includes(state.jobId) ? `${message} [job ${state.jobId}]` : message, { itemIndex });
}

function errorItem(error: NodeApiError | NodeOperationError, itemIndex: number, state: ItemState): INodeExecutionData {
	const json: IDataObject = { error: error.message };
	if (error.description) json.description = error.description;
	if (error instanceof NodeApiError && error.httpCode) json.httpCode = error.httpCode;
	if (state.jobId) json.jobId = state.jobId;
	if (state.modelId) json.modelId = state.modelId;
	return { json, pairedItem: { item: itemIndex } };
}

/**
 * A failure before any item started (the credential, a refused Base URL) is every item's: with
 * Continue On Fail each input gets an error item carrying it (n8n itself would pass the inputs
 * through unchanged, as if they had been processed); without, it is thrown.
 */
export function everyItemFails(ctx: IExecuteFunctions, caught: unknown): INodeExecutionData[] {
	if (!ctx.continueOnFail()) throw caught;
	return ctx.getInputData().map((_item, itemIndex) => errorItem(asNodeError(ctx, caught, itemIndex, {}), itemIndex, {}));
}

export interface SubmissionTools {
	run: RunContext;
	/** Models fetched once per execution, whatever the number of items. */
	models: ModelCache;
	/** Set `state.modelId` early so an error item can name the model. */
	state: ItemState;
}

/**
 * The whole `execute` of a generating node: each item's submission, built by the node, is
 * sent and followed as the Options say, items running concurrently.
 */
export async function executeGenerations(
	ctx: IExecuteFunctions,
	buildSubmission: (itemIndex: number, tools: SubmissionTools) => Promise<Submission>,
): Promise<INodeExecutionData[][]> {
	let options: JobOptions;
	let conn: ScenarioConnection;
	try {
		options = readJobOptions(ctx);
		conn = await connectToScenario(ctx, { requestTimeoutMs: options.requestTimeoutMs });
	} catch (error) {
		return [everyItemFails(ctx, error)];
	}
	const models = new ModelCache(conn);
	const results = await runPerItem(ctx, conn, options.maxConcurrentJobs, async (itemIndex, state, run) => {
		const submission = await buildSubmission(itemIndex, { run, models, state });
		return await generate(ctx, run, itemIndex, state, submission, options);
	});
	return [results];
}

/** Submits one generation (or prices it, for a dry run) and follows it as the options say. */
export async function generate(
	ctx: IExecuteFunctions,
	run: RunContext,
	itemIndex: number,
	state: ItemState,
	submission: Submission,
	options: JobOptions,
): Promise<INodeExecutionData[]> {
	state.modelId = submission.modelId;
	const action = `Submitting the generation with ${submission.modelId}`;
	if (options.dryRun) {
		const estimate = await scenarioRequest<GenerateResponse>(run.conn, {
			method: 'POST',
			path: submission.path,
			qs: { dryRun: true },
			body: submission.body,
			retry: 'submission',
			error: { itemIndex, action: `Pricing the generation with ${submission.modelId}` },
		});
		return [
			{
				json: {
					dryRun: true,
					modelId: submission.modelId,
					cost: estimate.creativeUnitsCost ?? null,
					discount: estimate.creativeUnitsDiscount ?? null,
					costDetails: (estimate.costDetails ?? {}) as IDataObject,
					request: submission.body,
				},
			},
		];
	}
	const submitted = await scenarioRequest<GenerateResponse>(run.conn, {
		method: 'POST',
		path: submission.path,
		body: submission.body,
		retry: 'submission',
		error: { itemIndex, action },
	});
	const job = submitted.job;
	if (!job?.jobId) {
		throw new NodeApiError(ctx.getNode(), { message: 'no job in the answer' }, { message: `${action} failed: Scenario's answer has no job id`, itemIndex });
	}
	state.jobId = job.jobId;
	const cost = submitted.creativeUnitsCost;
	if (!options.waitForCompletion) return [{ json: jobSummary(job, submission.modelId, cost) }];
	return await followJob(ctx, run, itemIndex, state, job, options, cost);
}

function jobSummary(job: ScenarioJob, modelId: string | undefined, cost: number | undefined): IDataObject {
	return {
		jobId: job.jobId,
		modelId: modelId ?? (job.metadata?.input?.modelId as string | undefined) ?? null,
		status: job.status,
		progress: job.progress ?? null,
		cost: cost ?? job.billing?.cuCost ?? null,
	};
}

/** Waits for a job, then turns each output asset into an item (with its bytes unless told not to). */
export async function followJob(
	ctx: IExecuteFunctions,
	run: RunContext,
	itemIndex: number,
	state: ItemState,
	known: ScenarioJob | string,
	options: Pick<JobOptions, 'downloadImages' | 'binaryProperty' | 'timeoutMs'>,
	submissionCost?: number,
): Promise<INodeExecutionData[]> {
	const jobId = typeof known === 'string' ? known : known.jobId;
	state.jobId = jobId;
	let job: ScenarioJob | undefined;
	let failure: unknown;
	try {
		job = await waitForJob(run.conn, jobId, {
			itemIndex,
			timeoutMs: options.timeoutMs,
			stop: run.stop,
			known: typeof known === 'string' ? undefined : known,
		});
	} catch (error) {
		failure = error;
	}
	if (!job) {
		if (failure instanceof ExecutionCanceledError || run.stop.aborted) {
			// Nobody will collect this job's images: stop paying for it.
			await cancelJob(detachFromCancel(run.conn), jobId, itemIndex);
		}
		if (failure instanceof JobTimeoutError) {
			throw new NodeOperationError(ctx.getNode(), failure.message, { itemIndex, description: 'Raise the Timeout option, or continue with Scenario Wait for Job.' });
		}
		throw failure;
	}
	const modelId = state.modelId ?? (job.metadata?.input?.modelId as string | undefined);
	state.modelId = modelId;
	if (job.status !== 'success') {
		// Spelled "cancelled" on purpose: n8n marks a whole execution 'canceled' (not 'error', so
		// no error workflow) when a node error's message contains "canceled".
		const canceled = job.status === 'canceled';
		const reason = job.metadata?.error ?? (canceled ? 'cancelled on Scenario before it finished' : 'no reason given');
		const text = canceled
			? `Scenario job ${jobId} was cancelled on Scenario before it finished${job.metadata?.error ? `: ${job.metadata.error}` : ''}`
			: `Scenario job ${jobId} failed: ${reason}`;
		const error = new NodeApiError(
			ctx.getNode(),
			{ jobId, status: job.status, message: String(reason) },
			{
				message: text,
				description: canceled ? 'The job was canceled on Scenario before it finished.' : 'Scenario could not complete this generation; nothing was produced.',
				itemIndex,
			},
		);
		// Scenario's reason verbatim, even if it holds a network error code n8n would rewrite.
		error.message = text;
		throw error;
	}
	const summary = jobSummary(job, modelId, submissionCost);
	const assetIds = job.metadata?.assetIds ?? [];
	return await Promise.all(
		assetIds.map(async (assetId, outputIndex): Promise<INodeExecutionData> => {
			const fetched = await fetchAsset(ctx, run.conn, assetId, { download: options.downloadImages, itemIndex, jobId }, run.downloads);
			const { asset } = fetched;
			const width = asset.properties?.width ?? asset.metadata?.width ?? null;
			const height = asset.properties?.height ?? asset.metadata?.height ?? null;
			const seed = asset.metadata?.seed ?? (job.metadata?.input?.seed as string | number | undefined);
			const json: IDataObject = {
				...summary,
				assetId,
				outputIndex,
				url: asset.url,
				mimeType: fetched.mimeType,
				width,
				height,
				seed: seed ?? null,
				sha256: fetched.sha256 ?? null,
			};
			if (!fetched.binary) return { json };
			return { json, binary: { [options.binaryProperty]: fetched.binary } };
		}),
	);
}
