import type { IDataObject, IExecuteFunctions, JsonObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import type { ScenarioJob } from '../model/api-types';
import { scenarioMessage } from '../transport/errors';

/** The model a job ran, as the job's own record names it. */
export const jobModelId = (job: ScenarioJob): string | undefined =>
	job.metadata?.input?.modelId as string | undefined;

/**
 * What every node says of a job, its costs in Creative Units as Scenario gives them:
 * `estimatedCost`, the submission's `creativeUnitsCost` (null where the node did not submit the
 * job, as in Wait for Job); `billedCost` and `billedCostDetails`, the job's `billing.cuCost` and
 * `billing.cuCostDetails` (null while the job carries none). A recorded PATINA job was estimated
 * at 7.25 and carries `cuCost: 6` with `cuCostDetails: {"quality-gate": 1.25}`: whether such fees
 * are inside `cuCost` or on top of it is unknown, so both are passed on as they are. Whether
 * Scenario sets `billing` before a job ends is unknown too: it is read whenever present.
 */
export function jobSummary(
	job: ScenarioJob,
	modelId: string | undefined,
	estimatedCost: number | undefined,
): IDataObject {
	const billed = job.billing?.cuCost;
	const details = job.billing?.cuCostDetails;
	return {
		jobId: job.jobId,
		modelId: modelId ?? jobModelId(job) ?? null,
		status: job.status,
		progress: job.progress ?? null,
		estimatedCost: estimatedCost ?? null,
		billedCost: typeof billed === 'number' ? billed : null,
		billedCostDetails:
			details && typeof details === 'object' && !Array.isArray(details)
				? (details as IDataObject)
				: null,
	};
}

/** A reason as text: a string, or the message inside an object. */
function reasonText(value: unknown): string | undefined {
	if (typeof value === 'string') return value.trim() || undefined;
	return value && typeof value === 'object' ? scenarioMessage(value) : undefined;
}

/**
 * Why a job failed, read from every place Scenario puts it, in the order Scenario's Blender
 * client reads them: top-level `error`, `errorMessage`, `failureReason`, `reason`, then
 * `metadata.error`; `metadata.hint` is the reason when nothing else is, and advice otherwise.
 * Which of these a failed job really carries is unknown beyond `metadata.error`.
 */
export function jobFailureReason(job: ScenarioJob): { reason?: string; hint?: string } {
	const top = job as unknown as Record<string, unknown>;
	const metadata = (job.metadata ?? {}) as Record<string, unknown>;
	const hint = reasonText(metadata.hint);
	const reason =
		[top.error, top.errorMessage, top.failureReason, top.reason, metadata.error]
			.map(reasonText)
			.find((text) => text !== undefined) ?? hint;
	return { reason, hint };
}

/**
 * A finished job's outcome: its summary when it succeeded; when it failed or was canceled on
 * Scenario, the error that fails its item, with Scenario's reason.
 */
export function jobOutcome(
	ctx: IExecuteFunctions,
	itemIndex: number,
	jobId: string,
	job: ScenarioJob,
	summary: { modelId: string | undefined; estimatedCost: number | undefined },
): IDataObject {
	if (job.status !== 'success') {
		// Spelled "cancelled" on purpose: n8n marks a whole execution 'canceled' (not 'error', so
		// no error workflow) when a node error's message contains "canceled".
		const canceled = job.status === 'canceled';
		const { reason: given, hint } = jobFailureReason(job);
		const reason =
			given ?? (canceled ? 'cancelled on Scenario before it finished' : 'no reason given');
		const text = canceled
			? `Scenario job ${jobId} was cancelled on Scenario before it finished${given ? `: ${given}` : ''}`
			: `Scenario job ${jobId} failed: ${reason}`;
		const response: IDataObject = { jobId, status: job.status, message: reason };
		if (hint) response.hint = hint;
		const error = new NodeApiError(ctx.getNode(), response as JsonObject, {
			message: text,
			description: [
				canceled
					? 'The job was canceled on Scenario before it finished.'
					: 'Scenario could not complete this generation; nothing was produced.',
				hint && hint !== given ? `Scenario's hint: ${hint}` : '',
			]
				.filter(Boolean)
				.join(' '),
			itemIndex,
		});
		// Scenario's reason verbatim, even if it holds a network error code n8n would rewrite.
		error.message = text;
		throw error;
	}
	return jobSummary(job, summary.modelId, summary.estimatedCost);
}
