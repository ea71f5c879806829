import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { TERMINAL_STATUSES, type ScenarioJob } from '../model/api-types';
import { followJob } from './follow-job';
import { jobModelId, jobSummary } from './job-outcome';
import { getJob } from './job-polling';
import type { ItemSettings } from './parameters';
import type { ItemState, RoutedItems, RunContext } from './run-per-item';

/** Outputs of Wait for Job in Check Once mode. */
export const DONE_OUTPUT = 0;
export const STILL_RUNNING_OUTPUT = 1;

/** Longest wait suggested, so an estimate from a slow start never parks a job for hours. */
const LONGEST_SUGGESTED_WAIT_S = 3600;

export interface CheckOnceOptions extends ItemSettings {
	/** Floor of the suggested wait; n8n parks an execution in its database only past 65 s. */
	shortestWaitSeconds: number;
	/** Checks after which a job still running fails its item; 0: no limit. */
	maxChecks: number;
	/** Checks made before this one, read from the incoming item (a Wait node loop). */
	checksSoFar: number;
	/** The submission's estimate, when the incoming item carries it (a generating node's item). */
	estimatedCost?: number;
}

/**
 * Looks at a job once. Finished: its outputs go to Done, as Wait Until Done would give them.
 * Still running: one item goes to Still Running with what a Wait node needs to loop back, so the
 * wait happens in n8n (an execution parked in the database holds no worker and survives a restart),
 * not inside this node.
 */
export async function checkJobOnce(
	ctx: IExecuteFunctions,
	run: RunContext,
	itemIndex: number,
	state: ItemState,
	jobId: string,
	options: CheckOnceOptions,
): Promise<RoutedItems> {
	state.jobId = jobId;
	const job = await getJob(run.conn, jobId, itemIndex);
	if (TERMINAL_STATUSES.has(job.status)) {
		const items = await followJob(ctx, run, itemIndex, state, job, options, {
			estimatedCost: options.estimatedCost,
		});
		return { output: DONE_OUTPUT, items };
	}
	const checks = options.checksSoFar + 1;
	if (options.maxChecks > 0 && checks >= options.maxChecks) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Scenario job ${jobId} is still ${job.status} after ${checks} checks`,
			{
				itemIndex,
				description:
					'The job keeps running on Scenario (it was not canceled): pass its jobId to Scenario Wait for Job later, or raise Max Checks.',
			},
		);
	}
	const json: IDataObject = {
		// The job's own model before the item's: the order Still Running has always given.
		...jobSummary(job, jobModelId(job) ?? state.modelId, options.estimatedCost),
		checks,
		suggestedWaitSeconds: suggestedWait(job, options.shortestWaitSeconds),
	};
	return { output: STILL_RUNNING_OUTPUT, items: [{ json }] };
}

/**
 * Seconds until the job likely ends: from its progress over the time it has been running, as
 * Scenario reports both; without progress, the shortest wait.
 */
export function suggestedWait(job: ScenarioJob, shortestSeconds: number, now = Date.now()): number {
	const progress = typeof job.progress === 'number' ? job.progress : 0;
	const started = runningSince(job);
	let estimate = 0;
	if (progress > 0 && progress < 1 && started !== undefined && now > started) {
		estimate = ((now - started) / 1000) * ((1 - progress) / progress);
	}
	return Math.ceil(Math.min(LONGEST_SUGGESTED_WAIT_S, Math.max(shortestSeconds, estimate)));
}

/** When the job started running: its first `in-progress` in statusHistory, else its creation. */
function runningSince(job: ScenarioJob): number | undefined {
	const history = Array.isArray(job.statusHistory) ? job.statusHistory : [];
	const inProgress = history.find((entry) => entry?.status === 'in-progress')?.date;
	const at = Date.parse(inProgress ?? job.createdAt ?? '');
	return Number.isFinite(at) ? at : undefined;
}

/**
 * What Wait for Job reads from its incoming item besides the job id: our own `checks` in a Wait
 * node loop (anything else, a fresh item from a generating node or a hand-made one, starts at
 * 0), and the submission's `estimatedCost` a generating node put there, so the outputs keep it.
 */
export function fromIncomingItem(json: IDataObject): {
	checksSoFar: number;
	estimatedCost?: number;
} {
	const { checks, estimatedCost } = json;
	return {
		checksSoFar: typeof checks === 'number' && Number.isInteger(checks) && checks >= 0 ? checks : 0,
		estimatedCost:
			typeof estimatedCost === 'number' && Number.isFinite(estimatedCost)
				? estimatedCost
				: undefined,
	};
}
