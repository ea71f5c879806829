import type { INode } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import { canceled } from './cancellation';

/**
 * Scenario's documented limit: "API Requests: 100 requests per minute per project" (its docs,
 * workflows-and-apps, "Rate Limits"). Whether every route counts is not said: every API call
 * here does (CDN downloads are not API calls).
 */
export const DOCUMENTED_REQUESTS_PER_MINUTE = 100;

/**
 * Who goes first when calls wait for the budget, lowest first: submissions (and cancels), then
 * reads that finish an item (a job about to end, its outputs), then routine checks of running
 * jobs. Within a level, first come first served.
 */
export const PRIORITY = { submit: 0, finish: 1, watch: 2 } as const;
export type RequestPriority = (typeof PRIORITY)[keyof typeof PRIORITY];

/**
 * The length of the budget's window: a minute. Benchmarks and tests run on a faster clock (the
 * same number of requests per shorter window, with jobs as much shorter), so a run that takes
 * minutes against the real figure takes seconds: setBudgetWindow. Nodes never change it.
 */
let windowMs = 60_000;

/** Benchmarks and tests only: the window every budget counts its requests in (default 60 s). */
export function setBudgetWindow(ms: number): void {
	windowMs = Math.max(1, ms);
}

export function budgetWindowMs(): number {
	return windowMs;
}

/**
 * A request sent at t is counted until t + window + this margin, so a server that counts a
 * request when it arrives (a little later) never sees more than the budget in one window.
 */
const marginMs = () => Math.max(20, windowMs / 100);

interface Waiter {
	priority: number;
	seq: number;
	start: () => void;
}

/**
 * The requests one Scenario project may still send: at most `limit` in any window (a sliding
 * log, which also stays inside a fixed window or a token bucket of that size). Calls wait their
 * turn in `take`, by priority; a 429 that names a wait (Retry-After, remainingSeconds) pauses
 * every call of the budget (`pauseFor`). A limit of 0 paces nothing.
 */
export class RequestBudget {
	private readonly sent: number[] = [];

	private readonly waiting: Waiter[] = [];

	private seq = 0;

	private pausedUntil = 0;

	private timer?: Promise<void>;

	/** 429 answers met, for diagnostics. */
	refusals = 0;

	constructor(private limit: number) {
		this.limit = Math.max(0, Math.floor(limit));
	}

	setLimit(limit: number): void {
		this.limit = Math.max(0, Math.floor(limit));
		this.wake();
	}

	get perWindow(): number {
		return this.limit;
	}

	/**
	 * Waits until a request may go, then counts it; the returned `done` is called once its answer
	 * (or failure) came. A request holds its place in the window from now until its answer plus
	 * the window: the server counts it somewhere in between, when it arrives. Gives up at once
	 * when `signal` aborts.
	 */
	async take(
		node: INode,
		priority: number,
		signal?: AbortSignal,
		/** Epoch ms past which the call waits no more: it goes then (its own rules decide on a refusal). */
		deadline?: number,
	): Promise<() => void> {
		if (signal?.aborted) throw canceled(node);
		if (this.waiting.length === 0 && this.delay(Date.now()) <= 0) return this.count();
		let waiter: Waiter | undefined;
		let done: (() => void) | undefined;
		const turn = new Promise<void>((start) => {
			waiter = {
				priority,
				seq: this.seq++,
				start: () => {
					done = this.count();
					start();
				},
			};
			this.waiting.push(waiter);
			this.waiting.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
		});
		let onAbort: (() => void) | undefined;
		const aborted = new Promise<never>((_resolve, reject) => {
			onAbort = () => {
				const index = this.waiting.indexOf(waiter as Waiter);
				if (index >= 0) this.waiting.splice(index, 1);
				reject(canceled(node));
				this.wake();
			};
			signal?.addEventListener('abort', onAbort, { once: true });
		});
		this.wake();
		const lateTimer = new AbortController();
		const late =
			deadline === undefined
				? new Promise<never>(() => undefined)
				: sleep(Math.max(0, deadline - Date.now()), lateTimer.signal).then(
						() => 'late' as const,
						() => false as const,
					);
		const served = await Promise.race([turn.then(() => true), aborted.catch(() => false), late]);
		lateTimer.abort();
		if (served === 'late' && done === undefined) {
			const index = this.waiting.indexOf(waiter as Waiter);
			if (index >= 0) this.waiting.splice(index, 1);
			if (onAbort) signal?.removeEventListener('abort', onAbort);
			return this.count();
		}
		if (onAbort) signal?.removeEventListener('abort', onAbort);
		if (!served) {
			// Aborted, perhaps just after its turn came: give the place back.
			done?.();
			throw canceled(node);
		}
		return done as () => void;
	}

	/**
	 * Scenario asked everyone on this project to wait `ms` (a 429 naming a wait). An unpaced
	 * budget (0) leaves each call to its own wait, as without a budget.
	 */
	pauseFor(ms: number): void {
		this.refusals++;
		if (this.limit > 0) this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
	}

	/** Ms until the next request may go (≤ 0: now; Infinity: when an answer comes). */
	private delay(now: number): number {
		const paused = this.pausedUntil - now;
		if (this.limit <= 0) return paused;
		const horizon = windowMs + marginMs();
		// Each entry: when that request's answer came (Infinity while it is on its way).
		for (let i = this.sent.length - 1; i >= 0; i--)
			if (this.sent[i] + horizon <= now) this.sent.splice(i, 1);
		const full = this.sent.length >= this.limit ? Math.min(...this.sent) + horizon - now : 0;
		return Math.max(paused, full);
	}

	/** Counts a request going now; the function returned marks its answer. */
	private count(): () => void {
		if (this.limit <= 0) return () => undefined;
		const entry = { settled: false };
		this.sent.push(Infinity);
		return () => {
			if (entry.settled) return;
			entry.settled = true;
			const index = this.sent.indexOf(Infinity);
			if (index >= 0) this.sent[index] = Date.now();
			this.wake();
		};
	}

	/** Lets waiters through while the budget allows, then sleeps until it frees again. */
	private wake(): void {
		if (this.timer) return;
		const now = Date.now();
		while (this.waiting.length > 0 && this.delay(now) <= 0)
			(this.waiting.shift() as Waiter).start();
		if (this.waiting.length === 0) return;
		const delay = this.delay(now);
		// Every place is taken by a request on its way: its answer wakes the queue (done).
		if (delay === Infinity) return;
		this.timer = sleep(Math.max(1, delay)).then(() => {
			this.timer = undefined;
			this.wake();
		});
	}
}

/**
 * One budget per Scenario project (base URL, API key and project), kept for the life of the
 * n8n process: every node, item and execution that uses the same credential shares it.
 */
const budgets = new Map<string, RequestBudget>();

/**
 * The budget of a project; `perWindow` sets its size (the last node to run with the option
 * decides), else a new budget gets Scenario's figure and an existing one keeps its own.
 */
export function budgetFor(key: string, perWindow?: number): RequestBudget {
	let budget = budgets.get(key);
	if (!budget) {
		budget = new RequestBudget(perWindow ?? DOCUMENTED_REQUESTS_PER_MINUTE);
		budgets.set(key, budget);
	} else if (perWindow !== undefined && budget.perWindow !== perWindow) budget.setLimit(perWindow);
	return budget;
}

/** Tests only: forget every budget (each test starts with a full one). */
export function resetBudgets(): void {
	budgets.clear();
}
