import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { fetchAsset } from '../files/download';
import type { ScenarioJob } from '../model/api-types';
import type { JobOptions } from './parameters';
import type { RunContext } from './run-per-item';

/** A job followed to success, as its output items need it. */
export interface SucceededJob {
	itemIndex: number;
	jobId: string;
	job: ScenarioJob;
	/** jobSummary's fields, which every output item starts with. */
	summary: IDataObject;
}

/** One output asset as an item: the job's summary, what the asset is, and its bytes unless told not to. */
export async function assetItem(
	ctx: IExecuteFunctions,
	run: RunContext,
	done: SucceededJob,
	assetId: string,
	outputIndex: number,
	options: Pick<JobOptions, 'downloadImages' | 'binaryProperty'>,
): Promise<INodeExecutionData> {
	const { itemIndex, jobId, job, summary } = done;
	const fetched = await fetchAsset(
		ctx,
		run.conn,
		assetId,
		{ download: options.downloadImages, itemIndex, jobId },
		run.downloads,
		run.assets,
	);
	const { asset } = fetched;
	const width = asset.properties?.width ?? asset.metadata?.width ?? null;
	const height = asset.properties?.height ?? asset.metadata?.height ?? null;
	const seed = asset.metadata?.seed ?? (job.metadata?.input?.seed as string | number | undefined);
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
}
