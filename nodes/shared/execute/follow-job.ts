import type { IDataObject, IExecuteFunctions, INodeExecutionData, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { fetchAsset } from '../files/download';
import type { ScenarioJob } from '../model/api-types';
import { detachFromCancel } from '../transport/connection';
import { scenarioMessage } from '../transport/errors';
import { ExecutionCanceledError } from '../transport/request';
import { JobTimeoutError, cancelJob, waitForJob } from './job-polling';
import type { JobOptions } from './parameters';
import type { ItemState, RunContext } from './run-per-item';

/**
 * What every node says of a job. Two costs, in Creative Units, because they can differ (a
 * recorded PATINA job: estimate 7.25, billed 6): `estimatedCost`, the submission's
 * `creativeUnitsCost` (null where the node did not submit the job, as in Wait for Job), and
 * `billedCost`, the job's `billing.cuCost` (null while the job carries none). Whether Scenario
 * sets `billing` before a job ends is unknown: it is read whenever present.
 */
export function jobSummary(
	job: ScenarioJob,
	modelId: string | undefined,
	estimatedCost: number | undefined,
): IDataObject {
	const billed = job.billing?.cuCost;
	return {
		jobId: job.jobId,
		modelId: modelId ?? (job.metadata?.input?.modelId as string | undefined) ?? null,
		status: job.status,
		progress: job.progress ?? null,
		estimatedCost: estimatedCost ?? null,
		billedCost: typeof billed === 'number' ? billed : null,
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
			const why = ctx.getExecutionCancelSignal()?.aborted ? 'canceled' : 'stopped';
			// Nobody will collect this job's images: stop paying for it, if it is ours to stop.
			if (follow.cancel?.(why)) {
				state.canceled = await cancelJob(detachFromCancel(run.conn), jobId, itemIndex);
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
	const modelId = state.modelId ?? (job.metadata?.input?.modelId as string | undefined);
	state.modelId = modelId;
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
	const summary = jobSummary(job, modelId, follow.estimatedCost);
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
	return await Promise.all(
		assetIds.map(async (assetId, outputIndex): Promise<INodeExecutionData> => {
			const fetched = await fetchAsset(
				ctx,
				run.conn,
				assetId,
				{ download: options.downloadImages, itemIndex, jobId },
				run.downloads,
			);
			const { asset } = fetched;
			const width = asset.properties?.width ?? asset.metadata?.width ?? null;
			const height = asset.properties?.height ?? asset.metadata?.height ?? null;
			const seed =
				asset.metadata?.seed ?? (job.metadata?.input?.seed as string | number | undefined);
			const json: IDataObject = {
				...summary,
				assetId,
				outputIndex,
				url: asset.url,
				kind: fetched.kind,
				type: fetched.type,
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
