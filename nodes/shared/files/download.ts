import { createHash } from 'node:crypto';
import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';

import type { ScenarioAsset } from '../model/api-types';
import { canceled, pause } from '../transport/cancellation';
import { type ScenarioConnection } from '../transport/connection';
import { scenarioNetworkError, type ErrorContext } from '../transport/errors';
import type { Limiter } from '../transport/limiter';
import { backoffDelay } from '../transport/request';
import { callSignedUrl } from '../transport/signed-url';
import { getAsset, type AssetBatcher } from './asset-batch';
import { extensionFor, sniffMime } from './mime';

export interface FetchedAsset {
	asset: ScenarioAsset;
	mimeType: string;
	/** The asset's kind (image, video, audio, 3d …), null when Scenario gives none. */
	kind: string | null;
	/** Which output it is, Scenario's `metadata.type` (e.g. `texture-normal`), null when none. */
	type: string | null;
	/** The output as n8n binary data, when downloaded. */
	binary?: IBinaryData;
	sha256?: string;
}

/**
 * GET /assets/{id} (or its share of a bulk lookup), then (when downloading) its bytes from the signed CDN URL, fetched without
 * the Authorization header and streamed straight into n8n's binary data: on disk when n8n keeps
 * binaries there (filesystem mode), so an output is never whole in memory. Hashed on the way.
 */
export async function fetchAsset(
	ctx: IExecuteFunctions,
	conn: ScenarioConnection,
	assetId: string,
	options: { download: boolean; itemIndex: number; jobId?: string },
	/** Weighted in bytes (see downloadWeight). */
	downloads: Limiter,
	/** Looks assets up many at a time (POST /assets/get-bulk); without it, GET /assets/{id}. */
	lookup?: AssetBatcher,
): Promise<FetchedAsset> {
	const error = {
		itemIndex: options.itemIndex,
		jobId: options.jobId,
		action: `Fetching output asset ${assetId}`,
	};
	const asset = lookup ? await lookup.get(assetId, error) : await getAsset(conn, assetId, error);
	const declared = asset.mimeType ?? 'application/octet-stream';
	const labels = { kind: assetKind(asset), type: assetType(asset) };
	if (!options.download) return { asset, mimeType: declared, ...labels };
	return await downloads.run(async () => {
		const { binary, sha256, head } = await downloadToBinary(ctx, conn, asset, {
			...error,
			action: `Downloading output asset ${assetId}`,
		});
		// Without a type from Scenario, the bytes tell (a CDN may answer application/octet-stream).
		const sniffed = asset.mimeType ? undefined : sniffMime(head);
		if (sniffed && sniffed !== binary.mimeType) {
			binary.mimeType = sniffed;
			binary.fileExtension = extensionFor(sniffed);
			binary.fileName = outputFileName(asset, sniffed);
		}
		return { asset, binary, mimeType: binary.mimeType, sha256, ...labels };
	}, downloadWeight(asset));
}

const text = (value: unknown): string | null =>
	typeof value === 'string' && value.trim() ? value.trim() : null;

const assetKind = (asset: ScenarioAsset): string | null =>
	text(asset.kind) ?? text(asset.metadata?.kind);

const assetType = (asset: ScenarioAsset): string | null => text(asset.metadata?.type);

/**
 * `asset_….png`, with the output's type when Scenario names one (`asset_…-texture-normal.png`),
 * so a workflow can tell a job's outputs apart by file name, whatever their order.
 */
function outputFileName(asset: ScenarioAsset, mimeType: string): string {
	const type = assetType(asset)?.replace(/[^A-Za-z0-9._-]+/g, '-');
	return `${asset.id}${type ? `-${type}` : ''}.${extensionFor(mimeType)}`;
}

/** A download's share of the bytes-in-flight budget: its declared size, at least 1 MiB (at most 16 at once), 4 MiB when unknown. */
function downloadWeight(asset: ScenarioAsset): number {
	const size = asset.properties?.size;
	return typeof size === 'number' && size > 0 ? Math.max(size, 1024 * 1024) : 4 * 1024 * 1024;
}

interface StreamedBody {
	prependListener(event: 'data', listener: (chunk: Buffer) => void): unknown;
	destroy?: () => void;
}

/** GETs a signed URL and pipes the body into n8n's binary data, hashing it on the way; starts over when the body breaks off. */
async function downloadToBinary(
	ctx: IExecuteFunctions,
	conn: ScenarioConnection,
	asset: ScenarioAsset,
	error: ErrorContext,
): Promise<{ binary: IBinaryData; sha256: string; head: Buffer }> {
	for (let attempt = 1; ; attempt++) {
		const response = await callSignedUrl<StreamedBody>(
			conn,
			{
				method: 'GET',
				url: asset.url,
				encoding: 'stream',
				headers: { 'accept-encoding': 'identity' },
			},
			error,
		);
		const header = String(response.headers['content-type'] ?? '')
			.split(';')[0]
			.trim();
		const mimeType = asset.mimeType ?? (header || 'application/octet-stream');
		// Content-Length counts the bytes on the wire. The helper decodes a gzip or br answer and
		// drops its Content-Encoding, so more bytes than announced are a decoded body (identity is
		// asked for, but a CDN may compress anyway); fewer are a body cut short.
		const expected = Number(response.headers['content-length']);
		const hash = createHash('sha256');
		let head: Buffer | undefined;
		// A readable stream emits 'data' for every chunk it hands to any consumer (n8n writes it to
		// disk with an async iterator, or buffers it in memory). prependListener, unlike on(), does
		// not set the stream flowing before n8n's consumer is attached.
		response.body.prependListener('data', (chunk: Buffer) => {
			head ??= Buffer.from(chunk.subarray(0, 32));
			hash.update(chunk);
		});
		try {
			// n8n takes a stream here (typed as Buffer | Readable; nodes may not import node:stream).
			const binary = await ctx.helpers.prepareBinaryData(
				response.body as unknown as Buffer,
				outputFileName(asset, mimeType),
				mimeType,
			);
			if (Number.isFinite(expected) && binary.bytes !== undefined && binary.bytes < expected) {
				throw new Error(`received ${binary.bytes} of ${expected} bytes`);
			}
			return { binary, sha256: hash.digest('hex'), head: head ?? Buffer.alloc(0) };
		} catch (caught) {
			response.body.destroy?.();
			if (conn.signal?.aborted) throw canceled(conn.node);
			if (attempt >= conn.retry.maxAttempts) {
				throw scenarioNetworkError(
					conn.node,
					`The download broke off (${caught instanceof Error ? caught.message : String(caught)})`,
					error,
				);
			}
			await pause(conn.node, backoffDelay(attempt, conn.retry), conn.signal);
		}
	}
}
