import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { resolveFileReference } from '../files/upload';
import type { GenerateResponse, ScenarioJob, ScenarioModel } from '../model/api-types';
import { ModelCache } from '../model/model-cache';
import { planModelRequest } from '../model/request-plan';
import { scenarioRequest } from '../transport/request';
import { followJob, type CancelPolicy } from './follow-job';
import { jobSummary } from './job-outcome';
import { getJob } from './job-polling';
import { readConcurrency, readJobOptions, readOptions, type JobOptions } from './parameters';
import { anotherTryFollows, startTry, type ItemRecord, type RunRecord } from './retry-record';
import {
	executePerItem,
	withRequestTimeout,
	type ItemState,
	type RunContext,
} from './run-per-item';

/** One item's generation, ready to send. */
export interface Submission {
	modelId: string;
	/** e.g. `/generate/custom/model_x` or `/generate/img2img`. */
	path: string;
	body: IDataObject;
	/** Asset ids of the files uploaded for it (binaries, URLs): a dry run says what it left on Scenario. */
	uploaded?: string[];
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
 * sent and followed as that item's Options say, items running concurrently. Under Retry On
 * Fail, a try reuses the jobs earlier tries created (retry-record.ts).
 */
export async function executeGenerations(
	ctx: IExecuteFunctions,
	buildSubmission: (itemIndex: number, tools: SubmissionTools) => Promise<Submission>,
): Promise<INodeExecutionData[][]> {
	const record = startTry(ctx);
	// Jobs this node started are canceled when the user stops the execution, and when another
	// item fails, unless n8n will try again: then the next try collects them.
	const retrying = anotherTryFollows(ctx, record);
	const cancel: CancelPolicy = (why) => why === 'canceled' || !retrying;
	let models: ModelCache | undefined;
	return await executePerItem(
		ctx,
		() => readConcurrency(ctx, readOptions(ctx, 0)),
		async (itemIndex, state, runOfAll) => {
			const options = readJobOptions(ctx, itemIndex);
			const run = withRequestTimeout(runOfAll, options.requestTimeoutMs);
			models ??= new ModelCache(run.conn);
			const earlier = record.items.get(itemIndex);
			if (earlier?.unanswered) throw unansweredAgain(ctx, itemIndex, earlier.unanswered);
			if (earlier?.jobId && !options.dryRun) {
				const resumed = await resumeJob(
					ctx,
					run,
					itemIndex,
					state,
					{ ...earlier, jobId: earlier.jobId },
					options,
					cancel,
				);
				if (resumed) return resumed;
			}
			const submission = await buildSubmission(itemIndex, { run, models, state });
			const submitted = await submit(ctx, run, itemIndex, state, submission, options, record);
			if ('estimate' in submitted) return [dryRunItem(submission, submitted.estimate)];
			const { job, estimatedCost } = submitted;
			if (!options.waitForCompletion)
				return [{ json: jobSummary(job, submission.modelId, estimatedCost) }];
			return await followJob(ctx, run, itemIndex, state, job, options, {
				estimatedCost,
				cancel,
			});
		},
	);
}

/**
 * A job an earlier try created for this item, followed instead of submitting again. One that
 * failed or was canceled on Scenario produced nothing: undefined, and the item is submitted anew
 * (what Retry On Fail is for).
 */
async function resumeJob(
	ctx: IExecuteFunctions,
	run: RunContext,
	itemIndex: number,
	state: ItemState,
	earlier: ItemRecord & { jobId: string },
	options: JobOptions,
	cancel: CancelPolicy,
): Promise<INodeExecutionData[] | undefined> {
	const { jobId, estimatedCost } = earlier;
	state.jobId = jobId;
	const job = await getJob(run.conn, jobId, itemIndex);
	if (job.status === 'failure' || job.status === 'canceled') {
		state.jobId = undefined;
		return undefined;
	}
	state.modelId ??= job.metadata?.input?.modelId as string | undefined;
	if (!options.waitForCompletion) return [{ json: jobSummary(job, state.modelId, estimatedCost) }];
	return await followJob(ctx, run, itemIndex, state, job, options, { estimatedCost, cancel });
}

/** What to do when an earlier try's submission got no answer: not send it again. */
function unansweredAgain(
	ctx: IExecuteFunctions,
	itemIndex: number,
	why: string,
): NodeOperationError {
	const message = `Not submitted again: an earlier try's submission for this item got no answer (${why})`;
	const error = new NodeOperationError(ctx.getNode(), message, {
		itemIndex,
		description: `${MAY_EXIST_HINT} Sending it again could charge twice.`,
	});
	// n8n rewrites a message that holds a network code (ECONNABORTED …): keep ours.
	error.message = message;
	return error;
}

/** Where to look for a job whose submission got no answer. */
const MAY_EXIST_HINT =
	'A job may have been created on Scenario: look for it among the jobs of your Scenario workspace (the app, or GET /jobs) and pass its id to Scenario Wait for Job instead of running this item again.';

/**
 * A dry run prices the request a real run would send, so the item's files are uploaded first:
 * Scenario checks a dry run's body like a real one (recorded: out-of-range values, too many
 * items and unknown model ids are refused with 400/404), whether it also checks asset ids is
 * unknown (no recording has a dry run with a bad one), and a price may depend on a file (a
 * video's length?, unknown too). A placeholder could be refused, an omitted required file
 * surely is. An upload starts no job (whether Scenario ever bills one: no source says); the
 * item lists the assets they made.
 */
function dryRunItem(submission: Submission, estimate: GenerateResponse): INodeExecutionData {
	return {
		json: {
			dryRun: true,
			modelId: submission.modelId,
			// Named as in the job items: what Scenario estimates; nothing is billed.
			estimatedCost: estimate.creativeUnitsCost ?? null,
			estimatedDiscount: estimate.creativeUnitsDiscount ?? null,
			estimatedCostDetails: (estimate.costDetails ?? {}) as IDataObject,
			request: submission.body,
			uploadedAssetIds: submission.uploaded ?? [],
		},
	};
}

/**
 * Submits one generation, or prices it for a dry run (its `estimate`). The
 * whole submission, rate-limit waits included, is bounded by the item's Timeout. The job id is
 * recorded the moment Scenario answers, for Retry On Fail; a submission that got no answer is
 * recorded too, and its error says a job may exist.
 */
async function submit(
	ctx: IExecuteFunctions,
	run: RunContext,
	itemIndex: number,
	state: ItemState,
	submission: Submission,
	options: JobOptions,
	record: RunRecord,
): Promise<{ job: ScenarioJob; estimatedCost?: number } | { estimate: GenerateResponse }> {
	state.modelId = submission.modelId;
	const deadline = Date.now() + options.timeoutMs;
	if (options.dryRun) {
		const estimate = await scenarioRequest<GenerateResponse>(run.conn, {
			method: 'POST',
			path: submission.path,
			qs: { dryRun: true },
			body: submission.body,
			retry: 'creates',
			deadline,
			error: { itemIndex, action: `Pricing the generation with ${submission.modelId}` },
		});
		return { estimate };
	}
	const action = `Submitting the generation with ${submission.modelId}`;
	let submitted: GenerateResponse;
	try {
		submitted = await scenarioRequest<GenerateResponse>(run.conn, {
			method: 'POST',
			path: submission.path,
			body: submission.body,
			retry: 'paid',
			deadline,
			error: { itemIndex, action },
		});
	} catch (error) {
		throw noteUnanswered(error, record, itemIndex);
	}
	const job = submitted.job;
	if (!job?.jobId) {
		record.items.set(itemIndex, { unanswered: "Scenario's answer had no job id" });
		throw new NodeApiError(
			ctx.getNode(),
			{ message: 'no job in the answer' },
			{
				message: `${action} failed: Scenario's answer has no job id`,
				description: MAY_EXIST_HINT,
				itemIndex,
			},
		);
	}
	state.jobId = job.jobId;
	record.items.set(itemIndex, { jobId: job.jobId, estimatedCost: submitted.creativeUnitsCost });
	// A paid job's id in n8n's log the moment it exists: a worker that dies mid-node takes the
	// execution's data with it (README: Running at scale), and this line is how to collect the job.
	// The message itself names the execution, node and item: n8n's default text log prints only it.
	ctx.logger.info(
		`Scenario job ${job.jobId} submitted (execution ${ctx.getExecutionId()}, node "${ctx.getNode().name}", item ${itemIndex})`,
		{
			jobId: job.jobId,
			modelId: submission.modelId,
			executionId: ctx.getExecutionId(),
			node: ctx.getNode().name,
			itemIndex,
		},
	);
	return { job, estimatedCost: submitted.creativeUnitsCost };
}

/** A failed submission's error; when it may have started a job, recorded and saying so. */
function noteUnanswered(error: unknown, record: RunRecord, itemIndex: number): unknown {
	if (error instanceof NodeApiError && mayHaveCreatedJob(error)) {
		record.items.set(itemIndex, { unanswered: error.message });
		error.description = MAY_EXIST_HINT;
	}
	return error;
}

/**
 * Whether a failed submission may still have started a job: no answer (a timeout, a reset, an
 * unreadable body), or a server error (a 503 too: whether it means nothing was taken, no source
 * says). A 4xx refusal, or a connection that was never made, took nothing.
 */
function mayHaveCreatedJob(error: NodeApiError): boolean {
	const status = Number(error.httpCode);
	if (Number.isFinite(status) && status > 0) return status >= 500;
	return !/ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(error.message);
}

/**
 * A `POST /generate/custom/{modelId}` submission from the user's values: checked against the
 * model's inputs first, then each file reference (binary property, asset id, URL) resolved to
 * an asset id, uploads included.
 */
export async function customSubmission(
	ctx: IExecuteFunctions,
	run: RunContext,
	itemIndex: number,
	model: ScenarioModel,
	values: Record<string, unknown>,
	/** References the user gave in the node's own fields, by value → that field's name (for errors). */
	ownFields: Map<string, string> = new Map(),
): Promise<Submission> {
	const plan = planModelRequest(ctx.getNode(), itemIndex, model, values);
	const body: IDataObject = { ...(plan.body as IDataObject) };
	const uploaded: string[] = [];
	// One file that fails fails the item: its other files, queued or on their way, stop there
	// instead of uploading for nothing.
	const itemStop = new AbortController();
	const conn = {
		...run.conn,
		signal: run.conn.signal ? AbortSignal.any([run.conn.signal, itemStop.signal]) : itemStop.signal,
	};
	let firstFailure: unknown;
	for (const { input, refs } of plan.files) {
		const modelField = `Model input "${input.label ?? input.name}" (${input.name})`;
		const assetIds = await Promise.all(
			refs.map(async (ref) => {
				const field = ownFields.get(ref) ?? modelField;
				const assetId = await resolveFileReference(
					conn,
					ctx,
					{ itemIndex, input, field },
					ref,
					run.transfers,
				).catch((error: unknown) => {
					firstFailure ??= error;
					itemStop.abort();
					return undefined;
				});
				// Every file of the item fails with the first failure, not a "canceled" it caused.
				if (assetId === undefined) throw firstFailure;
				if (assetId !== ref) uploaded.push(assetId);
				return assetId;
			}),
		);
		body[input.name] = input.type === 'file' ? assetIds[0] : assetIds;
	}
	return {
		modelId: model.id,
		path: `/generate/custom/${encodeURIComponent(model.id)}`,
		body,
		uploaded,
	};
}
