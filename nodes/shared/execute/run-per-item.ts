import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { ExecutionBaseError, NodeApiError, NodeOperationError } from 'n8n-workflow';

import { connectToScenario, type ScenarioConnection } from '../transport/connection';
import { forItem, redactError } from '../transport/errors';
import { Limiter } from '../transport/limiter';
import { ExecutionCanceledError } from '../transport/cancellation';
import { AssetBatcher } from '../files/asset-batch';
import { JobWatcher } from './job-watcher';
import type { CancelAnswer } from './job-polling';
import { readRequestBudget } from './parameters';

/** What a task learned about its item, so an error item can still carry the job id. */
export interface ItemState {
	jobId?: string;
	modelId?: string;
	/** Set once the node has asked Scenario to cancel this item's job (best effort). */
	cancel?: CancelAnswer;
	/** The job's final status, once the node has seen it end. */
	ended?: string;
}

export interface RunContext {
	conn: ScenarioConnection;
	/** Bounds concurrent uploads (they hold bytes in memory), so memory does not grow with the item count. */
	transfers: Limiter;
	/** Bounds the bytes of concurrent downloads (streamed into n8n's binary data). */
	downloads: Limiter;
	/**
	 * Aborted when the run stops early: an item failed without Continue On Fail, or the
	 * execution was canceled. `conn.signal` carries it too, so every upload, URL fetch and
	 * submission not yet sent stops there.
	 */
	stop: AbortSignal;
	/** Follows the run's jobs together, with few requests (job-watcher.ts). */
	watcher: JobWatcher;
	/** Looks the run's output assets up many at a time (asset-batch.ts). */
	assets: AssetBatcher;
}

/** An item's run with its own Request Timeout (an expression may differ per item). */
export const withRequestTimeout = (run: RunContext, requestTimeoutMs: number): RunContext => ({
	...run,
	conn: { ...run.conn, requestTimeoutMs },
});

/** A task's items for another output than the first (a node with several outputs). */
export interface RoutedItems {
	output: number;
	items: INodeExecutionData[];
}

type ItemTask = (
	itemIndex: number,
	state: ItemState,
	run: RunContext,
) => Promise<INodeExecutionData[] | RoutedItems>;

/** An error as a node error carries it: n8n's own (expression errors included) or ours. */
type NodeError = NodeApiError | NodeOperationError | ExecutionBaseError;

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
 * input order, one list per output (`outputCount`; error items go to the first). Every item yields output: its results, or (Continue On Fail) an error item with
 * its job id. Without Continue On Fail the first failure stops the run: no further item starts,
 * nothing more is uploaded or submitted, and that failure is thrown, naming the jobs it leaves
 * running on Scenario.
 */
export async function runPerItem(
	ctx: IExecuteFunctions,
	conn: ScenarioConnection,
	concurrency: number,
	task: ItemTask,
	outputCount = 1,
): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const limiter = new Limiter(Math.max(1, Math.floor(concurrency)));
	const stopper = new AbortController();
	const stop = conn.signal ? AbortSignal.any([conn.signal, stopper.signal]) : stopper.signal;
	const runConn = { ...conn, signal: stop };
	const run: RunContext = {
		conn: runConn,
		transfers: new Limiter(UPLOAD_CONCURRENCY),
		downloads: new Limiter(DOWNLOAD_BYTES_IN_FLIGHT),
		stop,
		watcher: new JobWatcher(runConn),
		assets: new AssetBatcher(runConn),
	};
	const continueOnFail = ctx.continueOnFail();
	let firstFailure: NodeError | undefined;
	const states: ItemState[] = [];

	const results = await Promise.all(
		items.map(
			async (_item, itemIndex) =>
				await limiter.run(async (): Promise<RoutedItems> => {
					const state: ItemState = (states[itemIndex] = {});
					try {
						if (stop.aborted) return { output: 0, items: [] };
						return paired(await task(itemIndex, state, run), itemIndex);
					} catch (caught) {
						const error = redacted(asNodeError(ctx, caught, itemIndex, state), conn);
						if (continueOnFail && !(caught instanceof ExecutionCanceledError)) {
							return { output: 0, items: [errorItem(ctx, error, itemIndex, state)] };
						}
						if (firstFailure === undefined && !(caught instanceof ExecutionCanceledError)) {
							firstFailure = error;
						}
						stopper.abort();
						return { output: 0, items: [] };
					}
				}),
		),
	);
	if (conn.signal?.aborted) throw new ExecutionCanceledError(conn.node);
	if (firstFailure !== undefined) throw withJobsLeftRunning(firstFailure, states);
	const outputs: INodeExecutionData[][] = Array.from({ length: outputCount }, () => []);
	for (const { output, items: routed } of results) outputs[output].push(...routed);
	return outputs;
}

function paired(results: INodeExecutionData[] | RoutedItems, itemIndex: number): RoutedItems {
	const routed = Array.isArray(results) ? { output: 0, items: results } : results;
	return {
		output: routed.output,
		items: routed.items.map((result) => ({ ...result, pairedItem: { item: itemIndex } })),
	};
}

/**
 * The jobs of a stopped run, named in its error so none is lost: those left running on Scenario
 * (Wait for Job never cancels a job it did not start; a generating node keeps its jobs for Retry
 * On Fail), those it asked Scenario to cancel (best effort: they may still run and bill), and
 * those that finished but whose outputs the failed run does not return.
 */
function withJobsLeftRunning(error: NodeError, states: ItemState[]): NodeError {
	const failedItem = error.context.itemIndex;
	const others = states
		.map((state, itemIndex) => ({ state, itemIndex }))
		.filter(({ state, itemIndex }) => state.jobId && itemIndex !== failedItem);
	const named = (list: typeof others) =>
		list.map(({ state, itemIndex }) => `${state.jobId} (item ${itemIndex})`).join(', ');
	const answered = (list: typeof others) =>
		list
			.map(({ state, itemIndex }) => {
				const { asked, status } = state.cancel!;
				const said = !asked
					? 'the request did not go through'
					: status
						? `Scenario answered ${status}`
						: 'Scenario gave no status';
				return `${state.jobId} (item ${itemIndex}, ${said})`;
			})
			.join(', ');
	const askedToCancel = others.filter(({ state }) => state.cancel !== undefined);
	const running = others.filter(({ state }) => !state.cancel && state.ended === undefined);
	const finished = others.filter(({ state }) => !state.cancel && state.ended === 'success');
	const notes = [
		running.length ? `Still running on Scenario, not canceled: ${named(running)}.` : '',
		askedToCancel.length
			? `Asked Scenario to cancel, which is best effort, so these may still run and bill: ${answered(askedToCancel)}.`
			: '',
		finished.length ? `Finished on Scenario, outputs not returned: ${named(finished)}.` : '',
	].filter(Boolean);
	if (notes.length === 0) return error;
	const note = `${notes.join(' ')} Pass their ids to Scenario Wait for Job to collect them.`;
	error.description = error.description ? `${error.description} ${note}` : note;
	return error;
}

function redacted(error: NodeError, conn: ScenarioConnection): NodeError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		return redactError(error, conn.secrets ?? []);
	}
	return error;
}

/**
 * One of n8n's errors (NodeApiError, NodeOperationError, ExpressionError …). Told by shape, not
 * instanceof: n8n-core may bring its own copy of n8n-workflow, whose classes are not ours.
 */
const isExecutionError = (error: unknown): error is ExecutionBaseError =>
	error instanceof ExecutionBaseError ||
	(error instanceof Error &&
		typeof (error as { context?: unknown }).context === 'object' &&
		(error as { context?: unknown }).context !== null &&
		/Error$/.test(error.name));

/**
 * n8n's own errors pass through as they are, so the editor keeps their context (an expression
 * error's parameter and item); anything else becomes a NodeOperationError for its item.
 */
function asNodeError(
	ctx: IExecuteFunctions,
	caught: unknown,
	itemIndex: number,
	state: ItemState,
): NodeError {
	if (isExecutionError(caught)) {
		caught.context.itemIndex ??= itemIndex;
		// Our own errors name their item; n8n's (an expression's, say) pass through as n8n made them.
		if (caught.name === 'NodeApiError' || caught.name === 'NodeOperationError') {
			caught.message = forItem(caught.message, caught.context.itemIndex as number);
		}
		return caught;
	}
	const message = caught instanceof Error ? caught.message : String(caught);
	const text = forItem(
		state.jobId && !message.includes(state.jobId) ? `${message} [job ${state.jobId}]` : message,
		itemIndex,
	);
	const error = new NodeOperationError(ctx.getNode(), text, { itemIndex });
	error.message = text; // n8n rewrites a message that holds a network code
	return error;
}

/**
 * Whether the running n8n moves an item whose json holds `error` and `details` to the error
 * output. n8n-core's WorkflowExecute.handleNodeErrorOutput decides, item by item (an item with
 * `item.error` set goes there too on every line, but n8n then replaces its json by
 * `{ error: message }`, which would drop the job id):
 * - n8n 2.x (2.36.0, backported to 2.34.6 and 2.35.3: n8n-io/n8n#35939; 2.40.7 and 2.41.1 tested):
 *   `json.error` is set and every key of json is `error`, `message` or `details`;
 * - n8n 1.x (1.123.x: n8n-core 1.122.48, dist/execution-engine/workflow-execute.js):
 *   `json.error` is set and json holds `error` alone, or `error` and a truthy `message`.
 * A node cannot ask which rule applies, so the line is told by its node context: n8n 2.x's has
 * `isNodeFeatureEnabled` (n8n-io/n8n#22950), 1.x's does not. `{ error, message }` goes to the
 * error output under both rules, so a wrong guess can only change the shape, never the routing.
 */
export function errorOutputTakesDetails(ctx: IExecuteFunctions): boolean {
	return typeof (ctx as Partial<IExecuteFunctions>).isNodeFeatureEnabled === 'function';
}

/**
 * The error item of an input (Continue On Fail). With "Continue (using error output)" our fields
 * go where n8n still counts the item as an error item (errorOutputTakesDetails): under `details`
 * on n8n 2.x, under `message` on n8n 1.x; with "Continue" they sit beside `error`, where a
 * workflow reads them. `error` is the message on every line.
 */
function errorItem(
	ctx: IExecuteFunctions,
	error: NodeError,
	itemIndex: number,
	state: ItemState,
): INodeExecutionData {
	const fields: IDataObject = {};
	if (error.description) fields.description = error.description;
	if (error instanceof NodeApiError && error.httpCode) fields.httpCode = error.httpCode;
	if (state.jobId) fields.jobId = state.jobId;
	if (state.modelId) fields.modelId = state.modelId;
	let json: IDataObject;
	if (ctx.getNode().onError !== 'continueErrorOutput') json = { error: error.message, ...fields };
	else if (errorOutputTakesDetails(ctx)) json = { error: error.message, details: fields };
	else json = { error: error.message, message: fields };
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
		.map((_item, itemIndex) =>
			errorItem(ctx, asNodeError(ctx, caught, itemIndex, {}), itemIndex, {}),
		);
}

/**
 * The `execute` of every Scenario node: connect, then run `task` for each input item
 * (runPerItem). `readConcurrency` is read once, before any item: it shapes the whole run. A
 * failure before any item starts is every item's (everyItemFails).
 */
export async function executePerItem(
	ctx: IExecuteFunctions,
	readConcurrency: () => number,
	task: ItemTask,
	outputCount = 1,
): Promise<INodeExecutionData[][]> {
	// An execution stopped between two tries of Retry On Fail starts nothing more.
	if (ctx.getExecutionCancelSignal()?.aborted) throw new ExecutionCanceledError(ctx.getNode());
	let concurrency: number;
	let conn: ScenarioConnection;
	try {
		concurrency = readConcurrency();
		conn = await connectToScenario(ctx, { requestsPerMinute: readRequestBudget(ctx) });
	} catch (error) {
		const outputs: INodeExecutionData[][] = Array.from({ length: outputCount }, () => []);
		outputs[0] = everyItemFails(ctx, error);
		return outputs;
	}
	return await runPerItem(ctx, conn, concurrency, task, outputCount);
}
