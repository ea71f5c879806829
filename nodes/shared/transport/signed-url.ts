import type { IDataObject, IHttpRequestOptions } from 'n8n-workflow';

import { canceled, pause, throwIfCanceled } from './cancellation';
import type { ScenarioConnection } from './connection';
import { scenarioApiError, scenarioNetworkError, type ErrorContext } from './errors';
import { backoffDelay, describeNetworkFailure, parseRetryAfter } from './request';

/**
 * Requests to signed URLs (CDN downloads, upload parts). They carry their own signature and
 * must go WITHOUT the Authorization header, so they use n8n's plain helper. Retried like reads:
 * a GET or a PUT of the same part is safe to repeat.
 */
export async function callSignedUrl<T>(
	conn: ScenarioConnection,
	options: Omit<IHttpRequestOptions, 'returnFullResponse' | 'ignoreHttpStatusErrors'>,
	error: ErrorContext,
): Promise<{ status: number; headers: IDataObject; body: T }> {
	const { retry } = conn;
	for (let attempt = 1; ; attempt++) {
		throwIfCanceled(conn.node, conn.signal);
		let response: { statusCode: number; headers: IDataObject; body: T };
		try {
			response = await conn.ctx.helpers.httpRequest({
				...options,
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				timeout: options.timeout ?? conn.requestTimeoutMs,
				abortSignal: conn.signal,
			});
		} catch (caught) {
			const failure = describeNetworkFailure(caught, conn.signal);
			if (failure.aborted) throw canceled(conn.node);
			if (failure.transient && attempt < retry.maxAttempts) {
				await pause(conn.node, backoffDelay(attempt, retry), conn.signal);
				continue;
			}
			throw scenarioNetworkError(conn.node, failure.detail, error);
		}
		const status = response.statusCode;
		if (status >= 200 && status < 300)
			return { status, headers: response.headers, body: response.body };
		if ((status === 429 || status >= 500) && attempt < retry.maxAttempts) {
			discardBody(response.body);
			const retryAfter = parseRetryAfter(response.headers?.['retry-after']);
			await pause(
				conn.node,
				Math.min(retryAfter ?? backoffDelay(attempt, retry), retry.maxRetryAfterMs),
				conn.signal,
			);
			continue;
		}
		const hint = status === 403 || status === 404 ? SIGNED_URL_HINT : undefined;
		throw scenarioApiError(conn.node, status, await readableBody(response.body), {
			...error,
			hint: error.hint ?? hint,
		});
	}
}

/** A signed URL is refused for its signature or expiry, or the file is gone: not a credential problem. */
const SIGNED_URL_HINT =
	'Scenario’s storage refused the signed URL (expired or invalid signature) or no longer has the file. Signed URLs last at least 24 hours (Scenario’s CDN documentation): run the node again to get fresh ones.';

const isStream = (body: unknown): body is AsyncIterable<Buffer> & { destroy?: () => void } =>
	typeof body === 'object' && body !== null && 'pipe' in body && Symbol.asyncIterator in body;

/** Frees the socket behind a streamed body nobody will read. */
function discardBody(body: unknown): void {
	if (isStream(body)) body.destroy?.();
}

/** The longest error body read from a stream: enough for any storage error document. */
const ERROR_BODY_LIMIT = 4096;

/**
 * An error body as text, for the error message (storage errors carry their reason in it). A
 * streamed body is read up to a few KB, then destroyed so its socket is freed.
 */
async function readableBody(body: unknown): Promise<unknown> {
	if (Buffer.isBuffer(body)) return body.toString('utf8').slice(0, 500);
	if (body instanceof ArrayBuffer) return Buffer.from(body).toString('utf8').slice(0, 500);
	if (!isStream(body)) return body;
	const chunks: Buffer[] = [];
	let size = 0;
	try {
		for await (const chunk of body) {
			chunks.push(Buffer.from(chunk));
			size += chunk.length;
			if (size >= ERROR_BODY_LIMIT) break;
		}
	} catch {
		// A broken error body: the status alone will have to do.
	} finally {
		body.destroy?.();
	}
	return Buffer.concat(chunks).toString('utf8').slice(0, 500);
}
