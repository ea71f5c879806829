import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { ScenarioJob } from '../model/api-types';
import { detachFromCancel } from '../transport/connection';
import { ExecutionCanceledError } from '../transport/cancellation';
import { assetItem } from './asset-item';
import { jobModelId, jobOutcome } from './job-outcome';
import { JobTimeoutError, cancelJob } from './job-polling';
import type { JobOptions } from './parameters';
import type { ItemState, RunContext } from './run-per-item';

/**
 * Whether to cancel a job on Scenario when the node stops following it: `canceled`, the user
 * stopped the execution; `stopped`, another item failed. Absent: never (Wait for Job follows
 * jobs it did not start, which were started to outlive any one run and are paid for already).
 */
export type CancelPolicy = (why: 'canceled' | 'stopped') => boolean;

/** Waits for a job, then turns each output asset into an item (with its bytes unless told not to). */
export async function followJob(
	ctx: IExecuteFunctions,
	run: RunContext,
	itemIndex: number,
	state: ItemState,
	known: ScenarioJob | string,
	options: Pick<JobOptions, 'downloadImages' | 'binaryProperty' | 'timeoutMs'>,
	follow: { estimatedCost?: number; cancel?: CancelPolicy } = {},
): Promise<INodeExecutionData[]> {
	const jobId = typeof known === 'string' ? known : known.jobId;
	state.jobId = jobId;
	let job: ScenarioJob | undefined;
	let failure: unknown;
	try {
		job = await run.watcher.wait(run.conn, jobId, {
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
			const why = ctx.getExecutionCancelSignal()?.aborted ? 'canceled' : 'stopped';
			// Nobody will collect this job's images: ask Scenario to stop it, if it is ours to stop.
			// Best effort (custom jobs may not stop): what Scenario answered goes to n8n's log, and
			// to the error a failed run shows.
			if (follow.cancel?.(why)) {
				state.cancel = await cancelJob(detachFromCancel(run.conn), jobId, itemIndex);
				const { asked, status } = state.cancel;
				ctx.logger.info(
					`Asked Scenario to cancel job ${jobId} (execution ${ctx.getExecutionId()}, node "${ctx.getNode().name}", item ${itemIndex}): ${asked ? `Scenario answered ${status ?? 'with no status'}` : 'the request did not go through'}; it may still run and bill`,
					{ jobId, status, executionId: ctx.getExecutionId(), itemIndex },
				);
			}
		}
		if (failure instanceof JobTimeoutError) {
			throw new NodeOperationError(ctx.getNode(), failure.message, {
				itemIndex,
				description: 'Raise the Timeout option, or continue with Scenario Wait for Job.',
			});
		}
		throw failure;
	}
	state.ended = job.status;
	const modelId = state.modelId ?? jobModelId(job);
	state.modelId = modelId;
	const summary = jobOutcome(ctx, itemIndex, jobId, job, {
		modelId,
		estimatedCost: follow.estimatedCost,
	});
	const assetIds = job.metadata?.assetIds ?? [];
	if (assetIds.length === 0) {
		// Every input item yields output, even a job that succeeded with nothing to show.
		return [
			{
				json: {
					...summary,
					assetId: null,
					outputIndex: null,
					url: null,
					message: `Scenario job ${jobId} succeeded but returned no output assets`,
				},
			},
		];
	}
	const done = { itemIndex, jobId, job, summary };
	return await Promise.all(
		assetIds.map(
			async (assetId, outputIndex) =>
				await assetItem(ctx, run, done, assetId, outputIndex, options),
		),
	);
}
