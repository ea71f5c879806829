import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { GenerateResponse, ScenarioJob } from './api-types';
import { fetchAsset, extensionFor } from './binary-data';
import { readJobOptions } from './descriptions';
import { Limiter } from './concurrency';
import { JobTimeoutError, cancelJob, waitForJob } from './job-polling';
import { ModelCache } from './models';
import { ExecutionCanceledError, connectToScenario, detachFromCancel, scenarioRequest, type ScenarioConnection } from './transport';

/** Options every generating node shares (see `jobOptions` in descriptions.ts). */
export interface JobOptions {
	maxConcurrentJobs: number;
	waitForCompletion: boolean;
	downloadImages: boolean;
	binaryProperty: string;
	timeoutMs: number;
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
	/** Bounds concurrent uploads and downloads, so memory does not grow with the item count. */
	transfers: Limiter;
	/** Aborted when the run stops early (an item failed without Continue On Fail). */
	stop: AbortSignal;
}

type ItemTask = (itemIndex: number, state: ItemState, run: RunContext) => Promise<INodeExecutionData[]>;

const TRANSFER_CONCURRENCY = 2;

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
	const run: RunContext = { conn, transfers: new Limiter(TRANSFER_CONCURRENCY), stop: stopper.signal };
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
					const error = asNodeError(ctx, caught, itemIndex, state);
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
	const conn = await connectToScenario(ctx);
	const options = readJobOptions(ctx);
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
		const reason = job.metadata?.error ?? (job.status === 'canceled' ? 'the job was canceled' : 'no reason given');
		throw new NodeApiError(
			ctx.getNode(),
			{ jobId, status: job.status, message: String(reason) },
			{
				message: `Scenario job ${jobId} ${job.status === 'canceled' ? 'was canceled' : 'failed'}: ${reason}`,
				description: job.status === 'canceled' ? 'The job was canceled on Scenario before it finished.' : 'Scenario could not complete this generation; nothing was produced.',
				itemIndex,
			},
		);
	}
	const summary = jobSummary(job, modelId, submissionCost);
	const assetIds = job.metadata?.assetIds ?? [];
	return await Promise.all(
		assetIds.map(async (assetId, outputIndex): Promise<INodeExecutionData> => {
			const fetched = await fetchAsset(run.conn, assetId, { download: options.downloadImages, itemIndex, jobId }, run.transfers);
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
			if (!fetched.bytes) return { json };
			const fileName = `${assetId}.${extensionFor(fetched.mimeType)}`;
			const binary = await ctx.helpers.prepareBinaryData(fetched.bytes, fileName, fetched.mimeType);
			return { json, binary: { [options.binaryProperty]: binary } };
		}),
	);
}
