/**
 * Job records and their lifecycle. Status is derived from elapsed time, so a poll is always
 * up to date even if a timer fires late: pending (<5% of the duration), queued (<15%),
 * in-progress (progress rising), then the planned outcome at 100%.
 */
import { iso } from './util';

export type JobStatus = 'pending' | 'queued' | 'in-progress' | 'success' | 'failure' | 'canceled';
export type JobOutcome = 'success' | 'failure' | 'canceled';

/** What the job will produce when it succeeds. */
export interface OutputPlan {
	/** Number of assets. */
	count: number;
	/** Seed of output 0; output i uses seed + i. */
	seed: number;
	/** Pixel size of the generated PNGs (long side 256). */
	width: number;
	height: number;
	/** width/height the request asked for (reported in asset metadata), when it asked. */
	requestedWidth?: number;
	requestedHeight?: number;
	prompt?: string;
	/** Asset source (OpenAPI enum). */
	source: string;
	/** Content hashes of input images, so outputs depend on inputs yet stay reproducible. */
	inputDigest: string;
	/** Extra asset metadata copied from the request (e.g. aspectRatio). */
	extraMetadata: Record<string, unknown>;
	/** The outputs' kind: 'image' (PNGs, the default), 'video' (MP4), 'audio' (WAV), '3d' (GLB). */
	kind?: string;
	/**
	 * Per output, its metadata.type (PATINA's: texture-albedo …). Without it outputs have no
	 * metadata.type: only PATINA's are recorded.
	 */
	types?: string[];
	/** Answer metadata.assetIds in another order than the outputs were made (no fixed order). */
	shuffle?: boolean;
}

export interface SimJob {
	jobId: string;
	jobType: string;
	/** Model the job runs (path model id for custom, body modelId for legacy endpoints). */
	modelId: string;
	/** metadata.input as answered by the API. */
	input: Record<string, unknown>;
	projectId?: string;
	ownerId: string;
	authorId: string;
	createdAt: number;
	updatedAt: number;
	durationMs: number;
	status: JobStatus;
	progress: number;
	statusHistory: { status: JobStatus; date: string }[];
	assetIds: string[];
	/** Planned terminal status (failNextJobs / cancelNextJobs change it). */
	outcome: JobOutcome;
	/** A success with no output asset (emptyNextJobs). */
	empty?: boolean;
	error?: string;
	/** ms when the job became terminal (its planned end, or the cancel action time). */
	doneAt?: number;
	/** ms of the first GET /jobs/{id} that answered a terminal status. */
	firstSeenTerminalAt?: number;
	billing: { cuCost: number; cuDiscount: number; cuCostDetails: Record<string, number> };
	creativeUnitsCost: number;
	creativeUnitsDiscount: number;
	plan: OutputPlan;
}

export const TERMINAL: ReadonlySet<JobStatus> = new Set<JobStatus>([
	'success',
	'failure',
	'canceled',
]);
export const isTerminal = (s: JobStatus): boolean => TERMINAL.has(s);

export const DEFAULT_FAILURE_ERROR = 'Simulated failure: the generation provider returned an error';

function transition(job: SimJob, status: JobStatus, at: number): void {
	job.status = status;
	job.updatedAt = at;
	job.statusHistory.push({ status, date: iso(at) });
}

/** Ends a job; `produce` creates the output assets on success and returns their ids. */
export function finishJob(
	job: SimJob,
	status: JobOutcome,
	at: number,
	produce: (job: SimJob) => string[],
): void {
	if (isTerminal(job.status)) return;
	transition(job, status, at);
	job.doneAt = at;
	if (status === 'success') {
		job.assetIds = produce(job);
		job.progress = 1;
	} else if (status === 'failure') {
		job.error = job.error ?? DEFAULT_FAILURE_ERROR;
	}
}

/** Brings a job up to date with the clock. Idempotent. */
export function advanceJob(job: SimJob, now: number, produce: (job: SimJob) => string[]): void {
	if (isTerminal(job.status)) return;
	const d = job.durationMs;
	const queuedAt = job.createdAt + 0.05 * d;
	const runningAt = job.createdAt + 0.15 * d;
	const doneAt = job.createdAt + d;
	if (job.status === 'pending' && now >= queuedAt) transition(job, 'queued', Math.round(queuedAt));
	if (job.status === 'queued' && now >= runningAt)
		transition(job, 'in-progress', Math.round(runningAt));
	if (now >= doneAt) {
		finishJob(job, job.outcome, doneAt, produce);
		return;
	}
	if (job.status === 'in-progress') {
		const p = (now - runningAt) / (doneAt - runningAt);
		job.progress = Math.min(0.99, Math.max(0, Math.round(p * 100) / 100));
		job.updatedAt = now;
	}
}

/** The `job` object of API answers, keys in the order of the recorded job.json. */
export function jobJson(job: SimJob): Record<string, unknown> {
	const metadata: Record<string, unknown> = { input: job.input, assetIds: job.assetIds };
	if (job.status === 'failure' && job.error) metadata.error = job.error;
	return {
		jobId: job.jobId,
		jobType: job.jobType,
		// The one recorded job (a success) carries billing; what an unfinished or failed job
		// carries is unknown, so billing is shown once the job succeeded.
		billing: job.status === 'success' ? job.billing : undefined,
		metadata,
		ownerId: job.ownerId,
		authorId: job.authorId,
		createdAt: iso(job.createdAt),
		updatedAt: iso(job.updatedAt),
		status: job.status,
		statusHistory: job.statusHistory,
		progress: job.progress,
	};
}
