import { NodeApiError } from 'n8n-workflow';

import type { ScenarioUpload } from '../model/api-types';
import { ExecutionCanceledError, pause } from '../transport/cancellation';
import { type ScenarioConnection } from '../transport/connection';
import { inputError, type ErrorContext } from '../transport/errors';
import type { Limiter } from '../transport/limiter';
import { backoffDelay, scenarioRequest } from '../transport/request';
import { callSignedUrl } from '../transport/signed-url';
import { uploadError, type FileCheck, type FilePlan } from './file-plan';

/** Multipart part size (S3-style uploads want ≥ 5 MiB parts but the last). */
export const UPLOAD_PART_SIZE = 8 * 1024 * 1024;
/**
 * Waiting for an upload's import, as Scenario's SDK does (`upload.wait()`: every 2 s, up to
 * 300 s). The first checks come sooner and back off to 2 s: a small file is often through
 * validation within a second, and tests need no hook to stay quick.
 */
export const UPLOAD_POLL_FIRST_MS = 250;
export const UPLOAD_POLL_MAX_MS = 2_000;
export const UPLOAD_WAIT_MS = 300_000;

/**
 * Cuts a stream (opened on the first part asked for) into parts of `size` bytes, the last
 * shorter. Every part is copied into ONE buffer of `size` bytes (taken from `spare`, given back
 * at the end), reused: an upload holds one part in memory whatever the file size. So a part
 * must be sent before the next is asked for, as uploadMultipart does.
 */
export async function* partsOf(
	open: () => Promise<AsyncIterable<Buffer> | NodeJS.ReadableStream>,
	size: number,
	total: number,
	spare: Buffer[],
): AsyncGenerator<Buffer> {
	const buffer = spare.pop() ?? Buffer.allocUnsafe(size);
	const part = buffer.subarray(0, Math.max(1, Math.min(size, total)));
	try {
		let filled = 0;
		for await (const chunk of (await open()) as AsyncIterable<Buffer>) {
			for (let offset = 0; offset < chunk.length; ) {
				const copied = chunk.copy(
					part,
					filled,
					offset,
					Math.min(chunk.length, offset + part.length - filled),
				);
				filled += copied;
				offset += copied;
				if (filled === part.length) {
					yield part;
					filled = 0;
				}
			}
		}
		if (filled > 0) yield part.subarray(0, filled);
	} finally {
		spare.push(buffer);
	}
}

/**
 * Part buffers of a run's uploads, kept for its next upload (keyed by the run's upload limiter,
 * so they go when the run ends): no 8 MiB of garbage per image for the GC to catch up with.
 */
const spareParts = new WeakMap<Limiter, Buffer[]>();

export function sparePartsOf(transfers: Limiter): Buffer[] {
	let spare = spareParts.get(transfers);
	if (!spare) spareParts.set(transfers, (spare = []));
	return spare;
}

export interface MultipartSource {
	fileName: string;
	plan: FilePlan;
	size: number;
	parts: AsyncIterable<Buffer>;
}

/**
 * POST /uploads, PUT each part to its signed URL (no Authorization), complete, wait for the
 * import. With `transfers`, only the parts hold a transfer slot (Scenario's import moves no bytes).
 */
export async function uploadMultipart(
	conn: ScenarioConnection,
	check: FileCheck,
	source: MultipartSource,
	transfers?: Limiter,
): Promise<string> {
	const error = uploadError(check);
	const partCount = Math.max(1, Math.ceil(source.size / UPLOAD_PART_SIZE));
	const { upload } = await scenarioRequest<{ upload: ScenarioUpload }>(conn, {
		method: 'POST',
		path: '/uploads',
		body: {
			fileName: source.fileName,
			fileSize: source.size,
			contentType: source.plan.mimeType,
			kind: source.plan.upload,
			parts: partCount,
		},
		retry: 'creates',
		error,
	});
	const targets = [...(upload.parts ?? [])].sort((a, b) => a.number - b.number);
	const sendParts = async () => {
		let index = 0;
		for await (const part of source.parts) {
			const target = targets[index++];
			if (!target)
				throw inputError(
					conn.node,
					check.itemIndex,
					check.field,
					'the file is larger than announced for the upload',
				);
			await callSignedUrl(
				conn,
				{
					method: 'PUT',
					url: target.url,
					body: part,
					headers: { 'Content-Type': source.plan.mimeType },
				},
				error,
			);
		}
	};
	await (transfers ? transfers.run(sendParts) : sendParts());
	const refused = await completeUpload(conn, upload.id, error);
	return await waitForImport(conn, check, upload.id, refused);
}

/** The HTTP status of Scenario's error answer; undefined for a failure with no answer. */
function answeredStatus(caught: unknown): number | undefined {
	const status = caught instanceof NodeApiError ? Number(caught.httpCode) : Number.NaN;
	return status > 0 ? status : undefined;
}

/**
 * `POST /uploads/{id}/action {complete}`. Whether a second complete is harmless is unknown (no
 * source says what Scenario does with it), so it is sent again only when the first one's
 * answer is lost (no answer, or a 5xx but 503, which request.ts resends for uploads, like
 * a 429). A 4xx to that repeat does not fail the item: the first complete may have been taken.
 * It is handed back, and the upload's status then tells (waitForImport).
 */
async function completeUpload(
	conn: ScenarioConnection,
	uploadId: string,
	error: ErrorContext,
): Promise<NodeApiError | undefined> {
	const call = {
		method: 'POST' as const,
		path: `/uploads/${uploadId}/action`,
		body: { action: 'complete' },
		error,
	};
	const first = await failureOf(scenarioRequest(conn, { ...call, retry: 'creates' }));
	if (first === undefined) return undefined;
	const status = answeredStatus(first);
	const lost = status === undefined ? !(first instanceof ExecutionCanceledError) : status >= 500;
	if (!lost || status === 503) throw first;
	await pause(conn.node, backoffDelay(1, conn.retry), conn.signal);
	// The repeats, within what is left of the attempts the first one used.
	const repeats = { ...conn.retry, maxAttempts: Math.max(1, conn.retry.maxAttempts - 1) };
	const repeated = await failureOf(
		scenarioRequest({ ...conn, retry: repeats }, { ...call, retry: 'idempotent' }),
	);
	if (repeated === undefined) return undefined;
	const repeatedStatus = answeredStatus(repeated);
	const refused =
		repeatedStatus !== undefined &&
		repeatedStatus >= 400 &&
		repeatedStatus < 500 &&
		repeatedStatus !== 429;
	if (refused) return repeated as NodeApiError;
	throw repeated;
}

/** What a call failed with (the errors of scenarioRequest), undefined when it succeeded. */
async function failureOf(call: Promise<unknown>): Promise<unknown> {
	try {
		await call;
		return undefined;
	} catch (caught) {
		return caught ?? new Error('failed');
	}
}

/**
 * Polls an upload until it becomes an asset, as Scenario's SDK `upload.wait()` does: done as soon
 * as `entityId` is set, or at a terminal status (`imported`, `complete`, `failed`), failing with
 * Scenario's `errorMessage`; at most UPLOAD_WAIT_MS. After a repeated complete was `refused`,
 * an upload still `pending` (the status before any complete, DOCS) took neither: that refusal
 * fails the item.
 */
async function waitForImport(
	conn: ScenarioConnection,
	check: FileCheck,
	uploadId: string,
	refused?: NodeApiError,
): Promise<string> {
	const error = uploadError(check);
	const deadline = Date.now() + UPLOAD_WAIT_MS;
	for (let delay = UPLOAD_POLL_FIRST_MS; ; delay = Math.min(UPLOAD_POLL_MAX_MS, delay * 2)) {
		await pause(conn.node, delay, conn.signal);
		const current = (
			await scenarioRequest<{ upload: ScenarioUpload }>(conn, {
				method: 'GET',
				path: `/uploads/${uploadId}`,
				retry: 'idempotent',
				error,
			})
		).upload;
		if (refused && current.status === 'pending') throw refused;
		if (current.status === 'failed') {
			throw inputError(
				conn.node,
				check.itemIndex,
				check.field,
				`Scenario could not import the upload: ${current.errorMessage ?? 'no reason given'}`,
			);
		}
		if (current.entityId) return current.entityId;
		if (current.status === 'imported' || current.status === 'complete') {
			throw inputError(
				conn.node,
				check.itemIndex,
				check.field,
				`Scenario finished the upload ${uploadId} (${current.status}) but named no asset for it`,
			);
		}
		if (Date.now() + delay > deadline) {
			throw inputError(
				conn.node,
				check.itemIndex,
				check.field,
				`the upload ${uploadId} was not imported within ${UPLOAD_WAIT_MS / 1000} s (last status: ${current.status})`,
				'Scenario may still be validating the file: try again later, or upload it in Scenario and give its asset id.',
			);
		}
	}
}
