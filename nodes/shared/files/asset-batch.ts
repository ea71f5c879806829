import { sleep } from 'n8n-workflow';

import type { ScenarioAsset } from '../model/api-types';
import type { ScenarioConnection } from '../transport/connection';
import type { ErrorContext } from '../transport/errors';
import { PRIORITY } from '../transport/request-budget';
import { scenarioRequest } from '../transport/request';

/** `POST /assets/get-bulk` takes at most 200 ids ("Limit of 200 assets": its docs page and the spec). */
export const BULK_LIMIT = 200;

/** How long a lookup waits for others to join its request: the outputs of jobs that end together. */
const GATHER_MS = 20;

interface Pending {
	assetId: string;
	error: ErrorContext;
	resolve: (asset: ScenarioAsset) => void;
	reject: (error: unknown) => void;
}

/** GET /assets/{id}: one asset, the lookup every asset falls back to. */
export async function getAsset(
	conn: ScenarioConnection,
	assetId: string,
	error: ErrorContext,
): Promise<ScenarioAsset> {
	const { asset } = await scenarioRequest<{ asset: ScenarioAsset }>(conn, {
		method: 'GET',
		path: `/assets/${assetId}`,
		retry: 'idempotent',
		priority: PRIORITY.finish,
		error,
	});
	return asset;
}

/**
 * Looks output assets up many at a time: the lookups asked within a few ms of each other go as
 * one `POST /assets/get-bulk {assetIds}` (up to 200). An asset the answer leaves out, or a bulk
 * request that fails, falls back to that asset's own `GET /assets/{id}` (which retries and
 * reports as before), so a bulk answer that differs from the spec loses nothing.
 */
export class AssetBatcher {
	private queue: Pending[] = [];

	private gathering?: Promise<void>;

	/** Whether bulk lookups work here: off after one is refused outright (then one by one). */
	private bulk = true;

	constructor(private readonly conn: ScenarioConnection) {}

	async get(assetId: string, error: ErrorContext): Promise<ScenarioAsset> {
		if (!this.bulk) return await getAsset(this.conn, assetId, error);
		return await new Promise<ScenarioAsset>((resolve, reject) => {
			this.queue.push({ assetId, error, resolve, reject });
			this.gathering ??= this.gather();
		});
	}

	private async gather(): Promise<void> {
		await sleep(GATHER_MS);
		this.gathering = undefined;
		const taken = this.queue;
		this.queue = [];
		for (let start = 0; start < taken.length; start += BULK_LIMIT)
			void this.send(taken.slice(start, start + BULK_LIMIT));
	}

	private async send(batch: Pending[]): Promise<void> {
		const fallback = (pending: Pending) =>
			void getAsset(this.conn, pending.assetId, pending.error).then(
				pending.resolve,
				pending.reject,
			);
		if (batch.length === 1) return fallback(batch[0]);
		let found: ScenarioAsset[] = [];
		try {
			const answer = await scenarioRequest<{ assets?: ScenarioAsset[] }>(
				{ ...this.conn, retry: { ...this.conn.retry, maxAttempts: 2 } },
				{
					method: 'POST',
					path: '/assets/get-bulk',
					body: { assetIds: [...new Set(batch.map((pending) => pending.assetId))] },
					retry: 'idempotent',
					priority: PRIORITY.finish,
					error: { ...batch[0].error, action: 'Fetching output assets' },
				},
			);
			found = Array.isArray(answer.assets) ? answer.assets : [];
		} catch (error) {
			if (this.conn.signal?.aborted) {
				for (const pending of batch) pending.reject(error);
				return;
			}
			// A route this account or gateway does not serve: stop trying it.
			const status = Number((error as { httpCode?: unknown }).httpCode);
			if (status === 403 || status === 404 || status === 405) this.bulk = false;
		}
		const byId = new Map(found.filter((a) => a && typeof a.id === 'string').map((a) => [a.id, a]));
		for (const pending of batch) {
			const asset = byId.get(pending.assetId);
			if (asset && typeof asset.url === 'string') pending.resolve(asset);
			else fallback(pending);
		}
	}
}
