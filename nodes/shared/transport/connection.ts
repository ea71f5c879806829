import type { IExecuteFunctions, ILoadOptionsFunctions, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { DEFAULT_BASE_URL } from '../../../credentials/ScenarioApi.credentials';
import { budgetFor, type RequestBudget } from './request-budget';

export const CREDENTIAL_NAME = 'scenarioApi';

export type ScenarioContext = IExecuteFunctions | ILoadOptionsFunctions;

export interface RetryPolicy {
	maxAttempts: number;
	baseDelayMs: number;
	maxDelayMs: number;
	/** Longest Retry-After the node will honour; past it the call fails instead of waiting. */
	maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	maxAttempts: 6,
	baseDelayMs: 400,
	maxDelayMs: 8_000,
	maxRetryAfterMs: 60_000,
};

export interface ScenarioConnection {
	ctx: ScenarioContext;
	node: INode;
	baseUrl: string;
	projectId?: string;
	signal?: AbortSignal;
	retry: RetryPolicy;
	requestTimeoutMs: number;
	/** The credential's secret in the forms it travels in, to scrub from errors (see redactError). */
	secrets?: string[];
	/**
	 * Shared by the calls of one execution: when an answer last got through. A 429 or 503 while
	 * other calls keep getting through is Scenario pacing this client, not refusing it.
	 */
	traffic?: { lastSuccessAt: number };
	/** The project's request budget, shared by every call with this credential in the process. */
	budget?: RequestBudget;
}

const LOOPBACK_HTTP = /^http:\/\/(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?(\/|$)/i;

/** https only, except plain http to loopback (the simulator); kept in step with the credential test. */
export function checkBaseUrl(node: INode, raw: unknown): string {
	const url = (typeof raw === 'string' && raw.trim() ? raw.trim() : DEFAULT_BASE_URL).replace(
		/\/+$/,
		'',
	);
	if (/^https:\/\//i.test(url) || LOOPBACK_HTTP.test(url)) return url;
	throw new NodeOperationError(
		node,
		`Base URL "${url}" is refused: the Scenario API credential must use https (plain http is allowed only on localhost, 127.x.x.x or [::1])`,
		{ description: 'Fix the Base URL of the Scenario API credential.' },
	);
}

function cancelSignalOf(ctx: ScenarioContext): AbortSignal | undefined {
	return 'getExecutionCancelSignal' in ctx ? ctx.getExecutionCancelSignal() : undefined;
}

export async function connectToScenario(
	ctx: ScenarioContext,
	options: {
		requestTimeoutMs?: number;
		retry?: Partial<RetryPolicy>;
		/** API requests a minute this project may send (0: not paced); absent, the budget keeps its size (Scenario's figure at first). */
		requestsPerMinute?: number;
	} = {},
): Promise<ScenarioConnection> {
	const credentials = await ctx.getCredentials(CREDENTIAL_NAME);
	const node = ctx.getNode();
	const projectId = typeof credentials.projectId === 'string' ? credentials.projectId.trim() : '';
	const apiSecret = typeof credentials.apiSecret === 'string' ? credentials.apiSecret : '';
	const apiKey = typeof credentials.apiKey === 'string' ? credentials.apiKey : '';
	const secrets = apiSecret
		? [
				apiSecret,
				encodeURIComponent(apiSecret),
				Buffer.from(`${apiKey}:${apiSecret}`).toString('base64'),
			]
		: [];
	const baseUrl = checkBaseUrl(node, credentials.baseUrl);
	return {
		ctx,
		node,
		baseUrl,
		projectId: projectId || undefined,
		signal: cancelSignalOf(ctx),
		retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
		requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
		secrets,
		traffic: { lastSuccessAt: 0 },
		budget: budgetFor(JSON.stringify([baseUrl, apiKey, projectId]), options.requestsPerMinute),
	};
}

/**
 * The same connection, free of the execution's cancel signal: for the few calls that must still
 * go out after a cancel (cancelling the Scenario jobs it started). n8n's request helper attaches
 * the cancel signal to every request of a context that has one, so the context is wrapped to
 * hide it.
 */
export function detachFromCancel(conn: ScenarioConnection): ScenarioConnection {
	const ctx = new Proxy(conn.ctx, {
		has: (target, key) => key !== 'getExecutionCancelSignal' && Reflect.has(target, key),
	});
	return { ...conn, ctx, signal: undefined, retry: { ...conn.retry, maxAttempts: 2 } };
}
