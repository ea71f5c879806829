import type { IDataObject, IHttpRequestMethods, IHttpRequestOptions } from 'n8n-workflow';

import { canceled, pause, throwIfCanceled } from './cancellation';
import { CREDENTIAL_NAME, type RetryPolicy, type ScenarioConnection } from './connection';
import { scenarioApiError, scenarioNetworkError, type ErrorContext } from './errors';
import { PRIORITY, type RequestPriority } from './request-budget';

/**
 * Which failures a call may be retried on, by what a repeat could cost.
 * - `idempotent` (reads, cancel): 429, any 5xx, connection resets, timeouts, malformed bodies.
 * - `creates` (uploads, dry runs: a repeat makes at most a second asset or estimate, no job):
 *   429 and 503. A timeout or another 5xx is not resent: the first request may have been taken.
 * - `paid` (a generation): 429 only, Scenario's rate-limit refusal. Whether a 503 means nothing
 *   was taken is unknown (no source says), and a second POST could start a second paid job.
 */
export type RetryRule = 'idempotent' | 'creates' | 'paid';

export interface ApiCall {
	method: IHttpRequestMethods;
	/** Path below the base URL, e.g. `/models/model_x`. */
	path: string;
	qs?: IDataObject;
	body?: IDataObject;
	retry: RetryRule;
	error?: ErrorContext;
	timeoutMs?: number;
	/**
	 * Epoch ms past which the call must not run (e.g. the end of a job's Timeout): no retry starts
	 * after it, and each attempt's timeout is cut to it (leaving a last attempt DEADLINE_GRACE_MS
	 * to answer).
	 */
	deadline?: number;
	/**
	 * Its turn when calls wait for the project's request budget (request-budget.ts); default:
	 * a submission first, any other call next to reads that finish an item.
	 */
	priority?: RequestPriority;
}

/** The least time an attempt gets near its deadline, so a last check at the deadline can still answer. */
export const DEADLINE_GRACE_MS = 1_000;

export interface ApiAnswer<T> {
	status: number;
	body: T;
}
/** Retry-After in seconds or as an HTTP date, in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
	const text = Array.isArray(value) ? value[0] : value;
	if (typeof text !== 'string' && typeof text !== 'number') return undefined;
	const seconds = Number(text);
	if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
	const date = Date.parse(String(text));
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The wait a refusal asks for, in ms: the `Retry-After` header, or the cooldown Scenario gives in
 * a 429's body (`{"reason":"cooldown","remainingSeconds":900}`, read the same way by Scenario's
 * own Blender client). With both, the longer one. Undefined when the answer names no wait.
 * Blender's client ignores `remainingSeconds` of 0 or less; so does this (unknown what 0 means).
 */
export function requestedWait(
	status: number,
	headers: IDataObject | undefined,
	body: unknown,
	now = Date.now(),
): number | undefined {
	const header = parseRetryAfter(headers?.['retry-after'], now);
	let cooldown: number | undefined;
	if (status === 429 && body && typeof body === 'object') {
		const raw = (body as Record<string, unknown>).remainingSeconds;
		const remaining = typeof raw === 'number' || typeof raw === 'string' ? Number(raw) : NaN;
		if (Number.isFinite(remaining) && remaining > 0) cooldown = remaining * 1000;
	}
	if (header === undefined) return cooldown;
	return cooldown === undefined ? header : Math.max(header, cooldown);
}

/** A wait in words: "45 s", "15 min", "2 h 5 min". */
export function describeWait(ms: number): string {
	const seconds = Math.ceil(ms / 1000);
	if (seconds < 120) return `${seconds} s`;
	const minutes = Math.ceil(seconds / 60);
	if (minutes < 120) return `${minutes} min`;
	return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Exponential backoff with equal jitter: half the step fixed, half random, so clients spread out. */
export function backoffDelay(attempt: number, policy: RetryPolicy): number {
	const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
	return step / 2 + Math.random() * (step / 2);
}

function shouldRetryStatus(status: number, rule: RetryRule): boolean {
	if (status === 429) return true;
	if (rule === 'paid') return false;
	return status === 503 || (rule === 'idempotent' && status >= 500);
}

const TRANSIENT_CODES = new Set([
	'ECONNRESET',
	'EPIPE',
	'ECONNREFUSED',
	'ETIMEDOUT',
	'ECONNABORTED',
	'ESOCKETTIMEDOUT',
	'EAI_AGAIN',
	'ERR_BAD_RESPONSE',
]);

interface NetworkFailure {
	detail: string;
	transient: boolean;
	aborted: boolean;
}

/**
 * Reads what went wrong from an error thrown by n8n's request helper without keeping the
 * error itself: it holds the request options, Authorization header included.
 */
export function describeNetworkFailure(error: unknown, signal?: AbortSignal): NetworkFailure {
	const seen = new Set<unknown>();
	const codes: string[] = [];
	const messages: string[] = [];
	let current: unknown = error;
	while (current && typeof current === 'object' && !seen.has(current) && seen.size < 5) {
		seen.add(current);
		const record = current as Record<string, unknown>;
		if (typeof record.code === 'string') codes.push(record.code);
		if (typeof record.message === 'string') messages.push(record.message);
		current = record.cause;
	}
	const code = codes.find((c) => TRANSIENT_CODES.has(c)) ?? codes[0];
	const text = messages.join(' ');
	const aborted = signal?.aborted === true || codes.includes('ERR_CANCELED');
	const timedOut = /timeout/i.test(text);
	const reset = /socket hang up|ECONNRESET|aborted/i.test(text);
	const transient = (code !== undefined && TRANSIENT_CODES.has(code)) || timedOut || reset;
	let detail = timedOut
		? 'The request timed out'
		: reset
			? 'The connection was reset'
			: 'The request could not be completed';
	if (code) detail += ` (${code})`;
	return { detail, transient, aborted };
}

/** Most refusals a call rides out while Scenario paces the run (other calls getting through). */
const MAX_PACED_REFUSALS = 20;

/**
 * Every Scenario API call goes through here: credential auth (Basic, applied by n8n from the
 * credential's `authenticate`), base URL and projectId in one place, retries by rule. Each step
 * that does not end the call gives the wait before the next attempt.
 */
export async function callScenario<T>(
	conn: ScenarioConnection,
	call: ApiCall,
): Promise<ApiAnswer<T>> {
	const qs: IDataObject = { ...call.qs };
	if (conn.projectId) qs.projectId = conn.projectId;
	const tries: Tries = { attempt: 1, paced: 0, triedSince: Date.now() };
	for (; ; tries.attempt++) {
		throwIfCanceled(conn.node, conn.signal);
		const answered = await conn.budget?.take(
			conn.node,
			call.priority ?? (call.retry === 'paid' ? PRIORITY.submit : PRIORITY.finish),
			conn.signal,
			call.deadline,
		);
		let response: ScenarioResponse;
		try {
			response = await conn.ctx.helpers.httpRequestWithAuthentication.call(
				conn.ctx,
				CREDENTIAL_NAME,
				requestOptions(conn, call, qs),
			);
		} catch (error) {
			answered?.();
			await pause(conn.node, networkFailureWait(conn, call, error, tries.attempt), conn.signal);
			continue;
		}
		answered?.();
		const { statusCode: status, body } = response;
		if (status < 200 || status >= 300) {
			await pause(conn.node, refusalWait(conn, call, response, tries), conn.signal);
			continue;
		}
		// axios hands back the raw text when a JSON body does not parse.
		if (typeof body === 'string' && body.length > 0) {
			await pause(conn.node, malformedBodyWait(conn, call, status, tries.attempt), conn.signal);
			continue;
		}
		if (conn.traffic) conn.traffic.lastSuccessAt = Date.now();
		return { status, body: (body ?? {}) as T };
	}
}

type ScenarioResponse = { statusCode: number; headers: IDataObject; body: unknown };

/** Where a call is in its tries. */
interface Tries {
	attempt: number;
	/** Refusals met while Scenario was pacing the run (see refusalWait). */
	paced: number;
	/** When this call last tried: other calls getting through since then tell a paced run. */
	triedSince: number;
}

/** One attempt's request; its timeout is cut to the call's deadline (leaving DEADLINE_GRACE_MS). */
function requestOptions(
	conn: ScenarioConnection,
	call: ApiCall,
	qs: IDataObject,
): IHttpRequestOptions {
	const { deadline } = call;
	const timeout = call.timeoutMs ?? conn.requestTimeoutMs;
	return {
		method: call.method,
		baseURL: conn.baseUrl,
		url: call.path,
		qs,
		body: call.body,
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout:
			deadline === undefined
				? timeout
				: Math.min(timeout, Math.max(deadline - Date.now(), DEADLINE_GRACE_MS)),
	};
}

/** Whether another attempt after `delay` ms is left and still fits before the deadline. */
function mayRetry(
	conn: ScenarioConnection,
	call: ApiCall,
	attempt: number,
	delay: number,
): boolean {
	const { deadline } = call;
	return (
		attempt < conn.retry.maxAttempts && (deadline === undefined || Date.now() + delay < deadline)
	);
}

/** No answer (reset, timeout …): retried only for reads, else the error. */
function networkFailureWait(
	conn: ScenarioConnection,
	call: ApiCall,
	error: unknown,
	attempt: number,
): number {
	const failure = describeNetworkFailure(error, conn.signal);
	if (failure.aborted) throw canceled(conn.node);
	const delay = backoffDelay(attempt, conn.retry);
	if (call.retry === 'idempotent' && failure.transient && mayRetry(conn, call, attempt, delay))
		return delay;
	throw scenarioNetworkError(conn.node, failure.detail, call.error);
}

/** A 2xx whose body is not JSON: retried only for reads, else the error. */
function malformedBodyWait(
	conn: ScenarioConnection,
	call: ApiCall,
	status: number,
	attempt: number,
): number {
	const delay = backoffDelay(attempt, conn.retry);
	if (call.retry === 'idempotent' && mayRetry(conn, call, attempt, delay)) return delay;
	throw scenarioNetworkError(
		conn.node,
		`Scenario answered HTTP ${status} with a body that is not valid JSON`,
		call.error,
	);
}

/**
 * A refusal (an HTTP error status): retried when the call's rule allows it and the wait it asks
 * for fits, else the error (saying when to try again, when the wait is the reason).
 */
function refusalWait(
	conn: ScenarioConnection,
	call: ApiCall,
	response: ScenarioResponse,
	tries: Tries,
): number {
	const { statusCode: status, body } = response;
	const { retry } = conn;
	if (shouldRetryStatus(status, call.retry)) {
		const retryAfter = requestedWait(status, response.headers, body);
		// Refused (429/503, nothing was taken) while other calls of this execution got through
		// since this one last tried: Scenario is pacing a busy run, not down. Such a refusal
		// does not use up an attempt (up to MAX_PACED_REFUSALS), so a share of 429s across many
		// items loses none of them; when every call is refused, attempts count as usual.
		const isPaced =
			(status === 429 || status === 503) &&
			(conn.traffic?.lastSuccessAt ?? 0) > tries.triedSince &&
			tries.paced < MAX_PACED_REFUSALS;
		tries.triedSince = Date.now();
		if (isPaced) tries.paced++;
		const delay = retryAfter ?? backoffDelay(isPaced ? tries.paced : tries.attempt, retry);
		const attempt = isPaced ? tries.attempt - 1 : tries.attempt;
		if (delay <= retry.maxRetryAfterMs && mayRetry(conn, call, attempt, delay)) {
			tries.attempt = attempt;
			// A refusal that names a wait is for the whole project: every call sharing the budget
			// waits it too. (One this call will not sit through fails it, and pauses nobody.)
			if (status === 429 && retryAfter !== undefined) conn.budget?.pauseFor(retryAfter);
			return delay;
		}
		// Asked to wait longer than the node will (its cap, or the Timeout): fail now, saying when.
		const { deadline } = call;
		const pastDeadline = deadline !== undefined && Date.now() + (retryAfter ?? 0) >= deadline;
		if (retryAfter !== undefined && (retryAfter > retry.maxRetryAfterMs || pastDeadline))
			throw cooldownError(conn, status, body, call, {
				waitMs: retryAfter,
				until: Date.now() + retryAfter,
			});
	}
	throw scenarioApiError(conn.node, status, body, call.error);
}

/**
 * A refusal whose asked-for wait the node will not sit through: Scenario's answer, how long it
 * asked for and the time from which a new run can go through.
 */
function cooldownError(
	conn: ScenarioConnection,
	status: number,
	body: unknown,
	call: ApiCall,
	wait: { waitMs: number; until: number },
) {
	const limit =
		wait.waitMs > conn.retry.maxRetryAfterMs
			? `the node waits at most ${describeWait(conn.retry.maxRetryAfterMs)}`
			: 'that is past the Timeout';
	const until = new Date(Math.ceil(wait.until / 1000) * 1000).toISOString().replace('.000Z', 'Z');
	return scenarioApiError(conn.node, status, body, {
		...call.error,
		detail: `Scenario asks to wait ${describeWait(wait.waitMs)} (${limit}): try again after ${until}`,
		hint:
			call.error?.hint ??
			[
				status === 429
					? 'Scenario is refusing requests from this key for now (a rate-limit cooldown).'
					: 'Scenario is not taking requests for now.',
				call.retry === 'paid' ? 'This generation was not submitted.' : '',
				`Run the node again after ${until}${status === 429 ? ', or lower "Max Concurrent Jobs"' : ''}.`,
			]
				.filter(Boolean)
				.join(' '),
	});
}

/** Shorthand for calls whose status does not matter beyond success. */
export async function scenarioRequest<T>(conn: ScenarioConnection, call: ApiCall): Promise<T> {
	return (await callScenario<T>(conn, call)).body;
}
