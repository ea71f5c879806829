import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { connectToScenario, type ScenarioConnection } from '../transport/connection';
import { redactError } from '../transport/errors';
import { Limiter } from '../transport/limiter';
import { ExecutionCanceledError } from '../transport/request';

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

type ItemTask = (
	itemIndex: number,
	state: ItemState,
	run: RunContext,
) => Promise<INodeExecutionData[]>;

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
	const run: RunContext = {
		conn,
		transfers: new Limiter(UPLOAD_CONCURRENCY),
		downloads: new Limiter(DOWNLOAD_BYTES_IN_FLIGHT),
		stop: stopper.signal,
	};
	const continueOnFail = ctx.continueOnFail();
	let firstFailure: unknown;

	const outputs = await Promise.all(
		items.map(
			async (_item, itemIndex) =>
				await limiter.run(async (): Promise<INodeExecutionData[]> => {
					const state: ItemState = {};
					try {
						if (stopper.signal.aborted) return [];
						return paired(await task(itemIndex, state, run), itemIndex);
					} catch (caught) {
						const error = redactError(
							asNodeError(ctx, caught, itemIndex, state),
							conn.secrets ?? [],
						);
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

function asNodeError(
	ctx: IExecuteFunctions,
	caught: unknown,
	itemIndex: number,
	state: ItemState,
): NodeApiError | NodeOperationError {
	if (caught instanceof NodeApiError || caught instanceof NodeOperationError) {
		if (caught.context.itemIndex === undefined) caught.context.itemIndex = itemIndex;
		return caught;
	}
	const message = caught instanceof Error ? caught.message : String(caught);
	return new NodeOperationError(
		ctx.getNode(),
		state.jobId && !message.includes(state.jobId) ? `${message} [job ${state.jobId}]` : message,
		{ itemIndex },
	);
}

function errorItem(
	error: NodeApiError | NodeOperationError,
	itemIndex: number,
	state: ItemState,
): INodeExecutionData {
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
	return ctx
		.getInputData()
		.map((_item, itemIndex) => errorItem(asNodeError(ctx, caught, itemIndex, {}), itemIndex, {}));
}

/** What every node's run needs to know before its first item. */
export interface RunShape {
	maxConcurrentJobs: number;
	requestTimeoutMs: number;
}

/**
 * The `execute` of every Scenario node: read the run's settings, connect, then run `task` for
 * each input item (runPerItem). A failure before any item starts is every item's (everyItemFails).
 */
export async function executePerItem<S extends RunShape>(
	ctx: IExecuteFunctions,
	readSettings: () => S,
	task: (
		itemIndex: number,
		state: ItemState,
		run: RunContext,
		settings: S,
	) => Promise<INodeExecutionData[]>,
): Promise<INodeExecutionData[][]> {
	let settings: S;
	let conn: ScenarioConnection;
	try {
		settings = readSettings();
		conn = await connectToScenario(ctx, { requestTimeoutMs: settings.requestTimeoutMs });
	} catch (error) {
		return [everyItemFails(ctx, error)];
	}
	return [
		await runPerItem(
			ctx,
			conn,
			settings.maxConcurrentJobs,
			async (itemIndex, state, run) => await task(itemIndex, state, run, settings),
		),
	];
}
