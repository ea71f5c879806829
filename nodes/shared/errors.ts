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
 * Scenario's own error text. Recorded 400/404 bodies use `reason`; the OpenAPI file also
 * names `message`, `error` and `apiError`.
 */
export function scenarioMessage(body: unknown): string | undefined {
	if (typeof body === 'string') return body.trim() ? body.trim().slice(0, 500) : undefined;
	if (!body || typeof body !== 'object') return undefined;
	const record = body as Record<string, unknown>;
	for (const key of ['message', 'error', 'reason', 'apiError']) {
		const value = record[key];
		if (typeof value === 'string' && value.trim()) return value.trim();
		if (value && typeof value === 'object') {
			const nested = scenarioMessage(value);
			if (nested) return nested;
		}
	}
	return undefined;
}

export interface ErrorContext {
	itemIndex?: number;
	jobId?: string;
	/** What the node was doing, e.g. "Submitting the generation". */
	action?: string;
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
	const prefix = context.action ? `${context.action} failed: ` : '';
	// Only Scenario's parsed answer goes into the error: never the request, whose
	// options carry the Authorization header.
	const response: JsonObject = { status, message };
	if (context.jobId) response.jobId = context.jobId;
	return new NodeApiError(node, response, {
		message: withJob(`${prefix}${message} (HTTP ${status})`, context.jobId),
		description: STATUS_HINTS[status] ?? (status >= 500 ? 'Scenario had a server error; the node retried where that was safe.' : undefined),
		httpCode: String(status),
		itemIndex: context.itemIndex,
	});
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
	return new NodeApiError(node, response, {
		message: withJob(`${prefix}${detail}`, context.jobId),
		description: 'The Scenario API could not be reached or answered with something unreadable.',
		itemIndex: context.itemIndex,
	});
}

/** A problem with what the user gave the node (field values, binaries, ids). */
export function inputError(
	node: INode,
	itemIndex: number,
	field: string,
	problem: string,
	description?: string,
): NodeOperationError {
	return new NodeOperationError(node, `${field}: ${problem} (item ${itemIndex})`, {
		itemIndex,
		description,
	});
}

/** Removes any secret that might have been echoed into a text (defence in depth). */
export function redact(text: string, secrets: Array<string | undefined>): string {
	let result = text;
	for (const secret of secrets) {
		if (secret && secret.length >= 4) result = result.split(secret).join('***');
	}
	return result;
}
