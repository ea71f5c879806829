import { TERMINAL_STATUSES, type ScenarioJob } from '../model/api-types';
import { ExecutionCanceledError, pause } from '../transport/cancellation';
import { type ScenarioConnection } from '../transport/connection';
import { scenarioRequest } from '../transport/request';

/**
 * When to look at a job again. Scenario reports `progress` (0–1): once it moves, the node
 * estimates when the job will end and checks just after that, so a 10 s job costs a handful of
 * requests yet is seen done within a fraction of a second. Before progress moves (pending,
 * queued, warming up) it backs off from a quick first check to a cap.
 */
export const POLL_FIRST_MS = 400;
export const POLL_MIN_MS = 250;
export const POLL_BACKOFF = 1.6;
export const POLL_CAP_MS = 5_000;
/** How far past the estimated end to check, so the check lands after it. */
const ETA_MARGIN_MS = 120;
/** Longest sleep taken on an estimate: progress may jump, so re-check at least this often. */
const ETA_CAP_MS = 12_000;

interface ProgressSample {
	at: number;
	progress: number;
}

export class PollSchedule {
	private samples: ProgressSample[] = [];

	private backoff = POLL_FIRST_MS;

	/** Delay before the first check after submission. */
	first(): number {
		return POLL_FIRST_MS;
	}

	/** Records what a check saw and returns the delay before the next one. */
	next(job: Pick<ScenarioJob, 'status' | 'progress'>, now = Date.now()): number {
		const progress = typeof job.progress === 'number' ? job.progress : 0;
		// Any status still running whose progress has moved: in-progress, and finalizing after it
		// (the spec's statuses; what progress finalizing reports is not documented).
		if (!TERMINAL_STATUSES.has(job.status) && progress > 0 && progress < 1) {
			this.samples.push({ at: now, progress });
		}
		const first = this.samples[0];
		const last = this.samples[this.samples.length - 1];
		if (first && last && last.at > first.at && last.progress > first.progress) {
			const rate = (last.progress - first.progress) / (last.at - first.at);
			const remaining = (1 - last.progress) / rate;
			return Math.min(ETA_CAP_MS, Math.max(POLL_MIN_MS, remaining + ETA_MARGIN_MS));
		}
		this.backoff = Math.min(POLL_CAP_MS, this.backoff * POLL_BACKOFF);
		return this.backoff;
	}
}

export class JobTimeoutError extends Error {
	constructor(
		readonly jobId: string,
		readonly lastStatus: string,
		readonly timeoutMs: number,
	) {
		super(
			`Job ${jobId} did not finish within ${Math.round(timeoutMs / 1000)} s (last status: ${lastStatus}). It keeps running on Scenario: pass its jobId to "Scenario Wait for Job" to pick it up later.`,
		);
		this.name = 'JobTimeoutError';
	}
}

/** GET /jobs/{id}; with `deadline`, retries stop and the request is cut there. */
export async function getJob(
	conn: ScenarioConnection,
	jobId: string,
	itemIndex: number,
	deadline?: number,
): Promise<ScenarioJob> {
	const { job } = await scenarioRequest<{ job: ScenarioJob }>(conn, {
		method: 'GET',
		path: `/jobs/${encodeURIComponent(jobId)}`,
		retry: 'idempotent',
		error: { itemIndex, jobId, action: 'Checking the job' },
		deadline,
	});
	return job;
}

export interface WaitOptions {
	itemIndex: number;
	timeoutMs: number;
	/** Set when the run is stopping for another reason (another item failed). */
	stop?: AbortSignal;
	/** Already known state, e.g. the job as the submission returned it. */
	known?: ScenarioJob;
	/** Called after each check, e.g. for counters in benchmarks. */
	onCheck?: (job: ScenarioJob) => void;
}

/** Polls one job until success, failure or canceled; throws JobTimeoutError past the timeout. */
export async function waitForJob(
	conn: ScenarioConnection,
	jobId: string,
	options: WaitOptions,
): Promise<ScenarioJob> {
	const deadline = Date.now() + options.timeoutMs;
	const schedule = new PollSchedule();
	let job = options.known;
	if (job && TERMINAL_STATUSES.has(job.status)) return job;
	let delay = schedule.first();
	for (;;) {
		const wait = Math.min(delay, deadline - Date.now());
		if (wait < 0 || options.stop?.aborted)
			throw new JobTimeoutError(jobId, job?.status ?? 'unknown', options.timeoutMs);
		await pause(conn.node, wait, conn.signal);
		// The Timeout bounds the checks too: a hanging or rate-limited check does not outlast it.
		let checked: ScenarioJob | undefined;
		let failure: unknown;
		try {
			checked = await getJob(conn, jobId, options.itemIndex, deadline);
		} catch (error) {
			failure = error;
		}
		if (!checked) {
			// A check that failed at the Timeout says nothing about the job, only that it was not seen done in time.
			if (Date.now() >= deadline && !(failure instanceof ExecutionCanceledError))
				throw new JobTimeoutError(jobId, job?.status ?? 'unknown', options.timeoutMs);
			throw failure;
		}
		job = checked;
		options.onCheck?.(job);
		if (TERMINAL_STATUSES.has(job.status)) return job;
		if (Date.now() >= deadline) throw new JobTimeoutError(jobId, job.status, options.timeoutMs);
		delay = schedule.next(job);
	}
}

/** What asking Scenario to cancel a job gave: whether the request went through, and the job's status in the answer. */
export interface CancelAnswer {
	/** Scenario took the request (a 2xx). */
	asked: boolean;
	/** The job's status in the answer (`PostJobActionByJobIdResponse.job.status`), if given. */
	status?: string;
}

/**
 * Asks Scenario to cancel a job. Best effort: the spec says "today only cancel on inference jobs
 * is supported", and whether a custom generation stops (and stops billing) is unknown; the job
 * may also have just ended. The answer's job status is kept, so the node can say what Scenario
 * said rather than "canceled".
 */
export async function cancelJob(
	conn: ScenarioConnection,
	jobId: string,
	itemIndex: number,
): Promise<CancelAnswer> {
	try {
		const answer = await scenarioRequest<{ job?: { status?: unknown } }>(conn, {
			method: 'POST',
			path: `/jobs/${encodeURIComponent(jobId)}/action`,
			body: { action: 'cancel' },
			retry: 'idempotent',
			error: { itemIndex, jobId, action: 'Asking Scenario to cancel the job' },
		});
		const status = answer?.job?.status;
		return { asked: true, status: typeof status === 'string' ? status : undefined };
	} catch {
		// Best effort: the job may have ended meanwhile; the caller's own error is what matters.
		return { asked: false };
	}
}
