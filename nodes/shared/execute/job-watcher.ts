import { sleep } from 'n8n-workflow';

import { TERMINAL_STATUSES, type ScenarioJob } from '../model/api-types';
import { canceled, ExecutionCanceledError } from '../transport/cancellation';
import type { ScenarioConnection } from '../transport/connection';
import { budgetWindowMs, PRIORITY, type RequestPriority } from '../transport/request-budget';
import { scenarioRequest } from '../transport/request';
import {
	JobTimeoutError,
	POLL_MIN_MS,
	PollSchedule,
	getJob,
	waitForJob,
	type WaitOptions,
} from './job-polling';

/** `GET /jobs` answers at most 200 jobs a page (its `pageSize`: "maximum value is 200"). */
const LIST_PAGE_SIZE = 200;
/**
 * Pages read per look at the list. Its order is not documented (nor whether a filter would keep
 * our jobs in it): the node reads a few pages, then checks the jobs it did not find one by one.
 */
const MAX_LIST_PAGES = 3;
/** With fewer jobs followed, each one's own check costs no more than the list. */
const LIST_MIN_JOBS = 2;
/** Between two list reads when nothing paces the requests (API Requests Per Minute 0). */
const UNPACED_LIST_GAP_MS = 150;
/** A job this far along (or finalizing) is about to end: its checks go before routine ones. */
const ABOUT_TO_END = 0.8;

interface Watched {
	jobId: string;
	conn: ScenarioConnection;
	options: WaitOptions;
	deadline: number;
	schedule: PollSchedule;
	/** When to look at it next. */
	due: number;
	last?: ScenarioJob;
	/** Its own check is on its way. */
	checking: boolean;
	/** The list showed it ended, but not all of it (no outputs, no bill, a failure): check it alone. */
	confirm: boolean;
	resolve: (job: ScenarioJob) => void;
	reject: (error: unknown) => void;
	release: () => void;
}

const aboutToEnd = (job: ScenarioJob | undefined): boolean =>
	job !== undefined &&
	(job.status === 'finalizing' ||
		(typeof job.progress === 'number' && job.progress >= ABOUT_TO_END));

/**
 * What a list row may be taken for: a running job's status and progress, or a success with its
 * outputs and bill. Whether a row carries all a job's record does (`billing`, a failure's
 * reason) the spec does not say: anything else ended is checked on its own (GET /jobs/{id}).
 */
const listRowSuffices = (job: ScenarioJob): boolean =>
	!TERMINAL_STATUSES.has(job.status) ||
	(job.status === 'success' &&
		Array.isArray(job.metadata?.assetIds) &&
		job.metadata.assetIds.length > 0 &&
		job.billing !== undefined);

/**
 * Follows every job of a run with few requests: when jobs are due a look (each on its own
 * adaptive schedule, PollSchedule), one `GET /jobs?pageSize=200` (a few pages at most) shows
 * many at once; a job the list does not show, or shows ended but not whole, is checked on its
 * own with `GET /jobs/{id}`, so every job is still seen to its end whatever the list holds.
 * Timeouts, stops and cancels end each job's wait as waitForJob does.
 */
export class JobWatcher {
	private readonly watched = new Map<string, Watched>();

	private running = false;

	private wakeUp?: AbortController;

	private lastListAt = 0;

	/** After a list read that failed, checks go one by one for a while. */
	private listFailedAt = 0;

	constructor(private readonly conn: ScenarioConnection) {}

	/** Resolves with the job once it ended; rejects as waitForJob does. */
	async wait(conn: ScenarioConnection, jobId: string, options: WaitOptions): Promise<ScenarioJob> {
		const known = options.known;
		if (known && TERMINAL_STATUSES.has(known.status)) return known;
		// The same job twice in one run (two items naming it): the second is followed on its own.
		if (this.watched.has(jobId)) return await waitForJob(conn, jobId, options);
		const schedule = new PollSchedule();
		const now = Date.now();
		return await new Promise<ScenarioJob>((resolve, reject) => {
			const signals = [options.stop, conn.signal].filter((s): s is AbortSignal => !!s);
			const onStop = () => this.end(entry, undefined, canceled(conn.node));
			const entry: Watched = {
				jobId,
				conn,
				options,
				deadline: now + options.timeoutMs,
				schedule,
				due: now + schedule.first(),
				last: known,
				checking: false,
				confirm: false,
				resolve,
				reject,
				release: () => signals.forEach((s) => s.removeEventListener('abort', onStop)),
			};
			if (signals.some((s) => s.aborted)) return reject(canceled(conn.node));
			signals.forEach((s) => s.addEventListener('abort', onStop, { once: true }));
			this.watched.set(jobId, entry);
			this.wake();
			if (!this.running) void this.loop();
		});
	}

	private end(entry: Watched, job?: ScenarioJob, error?: unknown): void {
		if (this.watched.get(entry.jobId) !== entry) return;
		this.watched.delete(entry.jobId);
		entry.release();
		if (job) entry.resolve(job);
		else entry.reject(error);
	}

	private timedOut(entry: Watched): JobTimeoutError {
		return new JobTimeoutError(
			entry.jobId,
			entry.last?.status ?? 'unknown',
			entry.options.timeoutMs,
		);
	}

	private wake(): void {
		this.wakeUp?.abort();
	}

	private async nap(ms: number): Promise<void> {
		const wakeUp = new AbortController();
		this.wakeUp = wakeUp;
		try {
			await sleep(Math.max(1, ms), wakeUp.signal);
		} catch {
			// woken early: a job was added
		}
	}

	/**
	 * The least time between two list reads: a share of the budget (two requests' worth), never
	 * under POLL_MIN_MS; unpaced, UNPACED_LIST_GAP_MS.
	 */
	private listGap(): number {
		const perWindow = this.conn.budget?.perWindow ?? 0;
		return perWindow > 0
			? Math.max(POLL_MIN_MS, (2 * budgetWindowMs()) / perWindow)
			: UNPACED_LIST_GAP_MS;
	}

	private useList(): boolean {
		return this.watched.size >= LIST_MIN_JOBS && Date.now() - this.listFailedAt > 10_000;
	}

	private async loop(): Promise<void> {
		this.running = true;
		try {
			while (this.watched.size > 0) {
				const now = Date.now();
				const listing = this.useList();
				// With the list in use, a due job waits for the next list read (the list's gap).
				const listAt = listing ? this.lastListAt + this.listGap() : 0;
				let next = Infinity;
				for (const entry of [...this.watched.values()]) {
					if (entry.checking) continue;
					if (now >= entry.deadline) {
						this.end(entry, undefined, this.timedOut(entry));
						continue;
					}
					const at = entry.confirm ? now : Math.max(entry.due, listAt);
					next = Math.min(next, at, entry.deadline);
				}
				if (this.watched.size === 0) break;
				if (next === Infinity) next = now + POLL_MIN_MS;
				if (next > now) {
					await this.nap(next - now);
					continue;
				}
				await this.round(listing);
			}
		} catch {
			// Only a cancel gets here (from the list read): every job's own stop listener ends its wait.
		} finally {
			this.running = false;
		}
		if (this.watched.size > 0 && !this.conn.signal?.aborted) void this.loop();
	}

	/** One look: the list (when it pays), then each due job it did not settle, on its own. */
	private async round(listing: boolean): Promise<void> {
		const now = Date.now();
		const due = [...this.watched.values()].filter((e) => !e.checking && !e.confirm && e.due <= now);
		let listed = false;
		if (listing && due.length > 0 && now >= this.lastListAt + this.listGap()) {
			listed = true;
			this.lastListAt = now;
			const rows = await this.readList();
			const seenAt = Date.now();
			for (const entry of [...this.watched.values()]) {
				const job = rows.get(entry.jobId);
				if (job && !entry.checking && !entry.confirm) this.seen(entry, job, true, seenAt);
			}
		}
		const after = Date.now();
		for (const entry of [...this.watched.values()]) {
			if (entry.checking) continue;
			// Due and not settled by the list just read (not in it), or shown ended but not whole.
			const missed = entry.due <= after && (!listing || (listed && due.includes(entry)));
			if (entry.confirm || missed) void this.checkAlone(entry);
		}
	}

	private seen(entry: Watched, job: ScenarioJob, fromList: boolean, now: number): void {
		if (fromList && !listRowSuffices(job)) {
			entry.confirm = true;
			return;
		}
		entry.last = job;
		entry.options.onCheck?.(job);
		if (TERMINAL_STATUSES.has(job.status)) return this.end(entry, job);
		if (now >= entry.deadline) return this.end(entry, undefined, this.timedOut(entry));
		entry.due = now + entry.schedule.next(job, now);
	}

	/** The job's own check, GET /jobs/{id}: for a job the list did not show or settle. */
	private async checkAlone(entry: Watched): Promise<void> {
		entry.checking = true;
		let job: ScenarioJob | undefined;
		let failure: unknown;
		try {
			job = await getJob(entry.conn, entry.jobId, entry.options.itemIndex, entry.deadline);
		} catch (error) {
			failure = error;
		}
		entry.checking = false;
		entry.confirm = false;
		if (!job) {
			// A check that failed at the Timeout says nothing about the job, only that it was not seen done in time.
			const late = Date.now() >= entry.deadline && !(failure instanceof ExecutionCanceledError);
			this.end(entry, undefined, late ? this.timedOut(entry) : failure);
		} else this.seen(entry, job, false, Date.now());
		this.wake();
	}

	private priority(): RequestPriority {
		return [...this.watched.values()].some((e) => aboutToEnd(e.last))
			? PRIORITY.finish
			: PRIORITY.watch;
	}

	/**
	 * Up to MAX_LIST_PAGES pages of `GET /jobs`, stopping once every followed job was found. A
	 * page that fails ends the read: the jobs not found are checked on their own.
	 */
	private async readList(): Promise<Map<string, ScenarioJob>> {
		const rows = new Map<string, ScenarioJob>();
		const conn = { ...this.conn, retry: { ...this.conn.retry, maxAttempts: 2 } };
		let token: string | undefined;
		for (let page = 0; page < MAX_LIST_PAGES; page++) {
			let answer: { jobs?: ScenarioJob[]; nextPaginationToken?: string };
			try {
				answer = await scenarioRequest(conn, {
					method: 'GET',
					path: '/jobs',
					qs: { pageSize: LIST_PAGE_SIZE, ...(token ? { paginationToken: token } : {}) },
					retry: 'idempotent',
					priority: this.priority(),
					// No wait (budget, Retry-After) past the first Timeout among the jobs followed.
					deadline: Math.min(...[...this.watched.values()].map((e) => e.deadline)),
					error: { action: 'Listing the jobs' },
				});
			} catch (error) {
				if (!(error instanceof ExecutionCanceledError)) this.listFailedAt = Date.now();
				break;
			}
			for (const job of Array.isArray(answer.jobs) ? answer.jobs : [])
				if (job && typeof job.jobId === 'string' && this.watched.has(job.jobId))
					rows.set(job.jobId, job);
			token = typeof answer.nextPaginationToken === 'string' ? answer.nextPaginationToken : '';
			if (!token || [...this.watched.keys()].every((id) => rows.has(id))) break;
		}
		return rows;
	}
}
