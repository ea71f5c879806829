import type { IExecuteFunctions } from 'n8n-workflow';

/**
 * What the earlier tries of one node run left, for Retry On Fail. n8n-core calls `execute` again
 * on the same input items after a failed try, with a new context but the same IExecuteData
 * object (WorkflowExecute runs every try of a node run with it): so a try finds, per input item,
 * the job an earlier try created, and submits nothing twice. Held in memory only, and gone with
 * the execution (a WeakMap): a new execution starts afresh.
 */
export interface RunRecord {
	/** How many tries of this node run have started, this one included. */
	tries: number;
	items: Map<number, ItemRecord>;
}

export interface ItemRecord {
	/** The job this item's submission created. */
	jobId?: string;
	/** The submission's estimate (creativeUnitsCost) for that job, reported again by a later try. */
	estimatedCost?: number;
	/** Why this item's submission got no answer: a job may exist, so it is not sent again. */
	unanswered?: string;
}

const records = new WeakMap<object, RunRecord>();

/** Starts a try of this node run: its record, with the earlier tries' jobs. */
export function startTry(ctx: IExecuteFunctions): RunRecord {
	const key = ctx.getExecuteData();
	let record = records.get(key);
	if (!record) records.set(key, (record = { tries: 0, items: new Map() }));
	record.tries++;
	return record;
}

/** Whether n8n will try the node again if this try fails (Retry On Fail with tries left). */
export function anotherTryFollows(ctx: IExecuteFunctions, record: RunRecord): boolean {
	const node = ctx.getNode();
	if (node.retryOnFail !== true) return false;
	// n8n-core's own bounds (WorkflowExecute.getRetryParams): 2 to 5 tries, 3 when unset.
	const maxTries = Math.min(5, Math.max(2, node.maxTries || 3));
	return record.tries < maxTries;
}
