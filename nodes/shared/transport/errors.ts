import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

/** What a user should check first, by HTTP status. */
const STATUS_HINTS: Record<number, string> = {
	401: 'Scenario did not accept the credential: check the API Key and API Secret of the Scenario API credential.',
	402: 'The Scenario workspace has run out of Creative Units: top up or change plan, then run again.',
	403: 'The key has no access to this resource: check the Project ID of the Scenario API credential (leave it empty for the key’s default project).',
	404: 'Check the id: the model, job or asset does not exist or is not visible to this key and project.',
	429: 'Scenario is rate limiting this key; the node retried with backoff. Lower "Max Concurrent Jobs" or try again later.',
};

/**
 * Scenario's own error text. Recorded 400/404 bodies use `reason`, gateway refusals `message`;
 * Scenario's Blender client reads `reason`, `message`, `error`, `detail` in that order, and the
 * OpenAPI file also names `apiError`.
 */
export function scenarioMessage(body: unknown): string | undefined {
	if (typeof body === 'string') {
		// Storage-style XML errors of the CDN and upload origins: their Code and Message.
		const xml = /<Code>([^<]*)<\/Code>[\s\S]*?<Message>([^<]*)<\/Message>/.exec(body);
		if (xml) return `${xml[2].trim()} (${xml[1].trim()})`;
		return body.trim() ? body.trim().slice(0, 500) : undefined;
	}
	if (!body || typeof body !== 'object') return undefined;
	const record = body as Record<string, unknown>;
	for (const key of ['reason', 'message', 'error', 'detail', 'apiError']) {
		const value = record[key];
		if (typeof value === 'string' && value.trim()) return value.trim();
		if (value && typeof value === 'object') {
			const nested = scenarioMessage(value);
			if (nested) return nested;
		}
	}
	return undefined;
}

/** The trace id Scenario may put in an error body (`traceId` or `trace_id`, as Blender reads it): what its support asks for. */
export function scenarioTraceId(body: unknown): string | undefined {
	if (!body || typeof body !== 'object') return undefined;
	const record = body as Record<string, unknown>;
	const value = record.traceId ?? record.trace_id;
	return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

export interface ErrorContext {
	itemIndex?: number;
	jobId?: string;
	/** What the node was doing, e.g. "Submitting the generation". */
	action?: string;
	/** What to check, when the status hint would mislead (e.g. a signed URL refused). */
	hint?: string;
	/** Said after Scenario's message, e.g. how long Scenario asked to wait. */
	detail?: string;
}

/**
 * n8n replaces a NodeApiError's message by a generic text when it contains a network error
 * code (ECONNRESET, ECONNABORTED, ...), which would drop the action and the job id: the
 * message is set again once built.
 */
function keepMessage(error: NodeApiError, message: string): NodeApiError {
	error.message = message;
	return error;
}

function withJob(text: string, jobId?: string): string {
	return jobId ? `${text} [job ${jobId}]` : text;
}

/** An HTTP error answer of the Scenario API, as n8n shows it: Scenario's message, the status, a hint. */
export function scenarioApiError(
	node: INode,
	status: number,
	body: unknown,
	context: ErrorContext = {},
): NodeApiError {
	const message = scenarioMessage(body) ?? `HTTP ${status}`;
	const traceId = scenarioTraceId(body);
	const prefix = context.action ? `${context.action} failed: ` : '';
	// Only Scenario's parsed answer goes into the error: never the request, whose
	// options carry the Authorization header.
	const response: JsonObject = { status, message };
	if (traceId) response.traceId = traceId;
	if (context.jobId) response.jobId = context.jobId;
	const trace = traceId ? ` (trace id ${traceId})` : '';
	const detail = context.detail ? `. ${context.detail}` : '';
	const text = withJob(`${prefix}${message} (HTTP ${status})${trace}${detail}`, context.jobId);
	const error = new NodeApiError(node, response, {
		message: text,
		description:
			context.hint ??
			STATUS_HINTS[status] ??
			(status >= 500
				? 'Scenario could not handle the request just now; the node retried where that was safe. Run it again later.'
				: undefined),
		httpCode: String(status),
		itemIndex: context.itemIndex,
	});
	return keepMessage(error, text);
}

/** A failure with no HTTP answer: connection reset, timeout, malformed body. */
export function scenarioNetworkError(
	node: INode,
	detail: string,
	context: ErrorContext = {},
): NodeApiError {
	const prefix = context.action ? `${context.action} failed: ` : '';
	const response: JsonObject = { message: detail };
	if (context.jobId) response.jobId = context.jobId;
	const text = withJob(`${prefix}${detail}`, context.jobId);
	const error = new NodeApiError(node, response, {
		message: text,
		description: 'The Scenario API could not be reached or answered with something unreadable.',
		itemIndex: context.itemIndex,
	});
	return keepMessage(error, text);
}

/**
 * A message that names its item the way n8n's own nodes do (n8n's UX guidelines: "append
 * [item X] to the error message"), once.
 */
export function forItem(message: string, itemIndex: number): string {
	const tag = `[item ${itemIndex}]`;
	return message.endsWith(tag) ? message : `${message} ${tag}`;
}

/** A problem with what the user gave the node (field values, binaries, ids). */
export function inputError(
	node: INode,
	itemIndex: number,
	field: string,
	problem: string,
	description?: string,
): NodeOperationError {
	const message = forItem(`${field}: ${problem}`, itemIndex);
	const error = new NodeOperationError(node, message, { itemIndex, description });
	// A problem quoting a network code (a URL's host answered ECONNREFUSED …) keeps its text.
	error.message = message;
	return error;
}

/** Removes any secret that might have been echoed into a text (defence in depth). */
export function redact(text: string, secrets: Array<string | undefined>): string {
	let result = text;
	for (const secret of secrets) {
		if (secret && secret.length >= 4) result = result.split(secret).join('***');
	}
	return result;
}

/**
 * The same error with every secret removed from what n8n stores and shows of it (message,
 * description, stack, messages, Scenario's answer): a server or proxy that echoes the request's
 * Authorization header, or a job whose failure reason quotes it, must not expose the credential.
 */
export function redactError<E extends NodeApiError | NodeOperationError>(
	error: E,
	secrets: Array<string | undefined>,
): E {
	if (!secrets.some((secret) => secret && secret.length >= 4)) return error;
	const clean = (value: unknown, depth: number): unknown => {
		if (typeof value === 'string') return redact(value, secrets);
		if (depth > 5 || !value || typeof value !== 'object') return value;
		if (Array.isArray(value)) return value.map((entry) => clean(entry, depth + 1));
		if (Object.getPrototypeOf(value) !== Object.prototype) return value;
		return Object.fromEntries(
			Object.entries(value).map(([key, entry]) => [key, clean(entry, depth + 1)]),
		);
	};
	error.message = redact(error.message, secrets);
	if (error.description) error.description = redact(error.description, secrets);
	if (error.stack) error.stack = redact(error.stack, secrets);
	error.messages = error.messages.map((message) => redact(message, secrets));
	if (error.errorResponse)
		error.errorResponse = clean(error.errorResponse, 0) as typeof error.errorResponse;
	if (error.context.data)
		error.context.data = clean(error.context.data, 0) as typeof error.context.data;
	return error;
}
