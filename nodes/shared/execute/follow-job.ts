import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { fetchAsset } from '../files/download';
import type { ScenarioJob } from '../model/api-types';
import { detachFromCancel } from '../transport/connection';
import { ExecutionCanceledError } from '../transport/request';
import { JobTimeoutError, cancelJob, waitForJob } from './job-polling';
import type { JobOptions } from './parameters';
import type { ItemState, RunContext } from './run-per-item';

export function jobSummary(
	job: ScenarioJob,
	modelId: string | undefined,
	cost: number | undefined,
): IDataObject {
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
			throw new NodeOperationError(ctx.getNode(), failure.message, {
				itemIndex,
				description: 'Raise the Timeout option, or continue with Scenario Wait for Job.',
			});
		}
		throw failure;
	}
	const modelId = state.modelId ?? (job.metadata?.input?.modelId as string | undefined);
	state.modelId = modelId;
	if (job.status !== 'success') {
		// Spelled "cancelled" on purpose: n8n marks a whole execution 'canceled' (not 'error', so
		// no error workflow) when a node error's message contains "canceled".
		const canceled = job.status === 'canceled';
		const reason =
			job.metadata?.error ??
			(canceled ? 'cancelled on Scenario before it finished' : 'no reason given');
		const text = canceled
			? `Scenario job ${jobId} was cancelled on Scenario before it finished${job.metadata?.error ? `: ${job.metadata.error}` : ''}`
			: `Scenario job ${jobId} failed: ${reason}`;
		const error = new NodeApiError(
			ctx.getNode(),
			{ jobId, status: job.status, message: String(reason) },
			{
				message: text,
				description: canceled
					? 'The job was canceled on Scenario before it finished.'
					: 'Scenario could not complete this generation; nothing was produced.',
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
