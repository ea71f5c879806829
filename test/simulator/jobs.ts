/**
 * Job records and their lifecycle. Status is derived from elapsed time, so a poll is always
 * up to date even if a timer fires late. A job walks the phases of its `JobPhases` (by default
 * every status the OpenAPI file lists), then ends with its planned outcome at 100% of its
 * duration.
 */
import { iso } from './util';

/**
 * The job statuses of the OpenAPI file (`GetJobIdResponse.job.status` and `statusHistory[].status`,
 * openapi-2025-11-04.yaml `GetJobIdResponse`, lines 23202-23213 and 23130-23148, listed there alphabetically; terminal: success, failure, canceled, docs/pages/sdk-helpers-jobs.NOTES.md).
 */
export type JobStatus =
	| 'pending'
	| 'queued'
	| 'warming-up'
	| 'in-progress'
	| 'finalizing'
	| 'success'
	| 'failure'
	| 'canceled';
export type JobOutcome = 'success' | 'failure' | 'canceled';
type RunningStatus = Exclude<JobStatus, JobOutcome>;

/**
 * Which statuses a job passes through before it ends:
 * - `all`: every non-terminal status the OpenAPI file lists, pending → queued → warming-up →
 *   in-progress → finalizing. The file lists them alphabetically: pending → queued → in-progress
 *   is the order of the recorded job's statusHistory (test/fixtures/scenario-api/jobs/job.json);
 *   warming-up before in-progress and finalizing after it are placed by their names.
 *   Our own (no source): the place of warming-up and finalizing in the order.
 * - `recorded`: the path of the one recorded job, pending → queued → in-progress → success
 *   (jobs/job.json `statusHistory`), which skips warming-up and finalizing.
 */
export type JobPhases = 'all' | 'recorded';

/**
 * When each status starts, as a fraction of the job's duration. in-progress starts at 15% in
 * both, so a job's total duration and the time it starts running stay the same.
 * Our own (no source): the fractions. The recorded job was queued after 0.13 s, in-progress
 * after 0.77 s and done after 88.6 s (jobs/job.json); no source gives phase lengths.
 */
const PHASES: Record<JobPhases, ReadonlyArray<readonly [RunningStatus, number]>> = {
	all: [
		['pending', 0],
		['queued', 0.05],
		['warming-up', 0.1],
		['in-progress', 0.15],
		['finalizing', 0.9],
	],
	recorded: [
		['pending', 0],
		['queued', 0.05],
		['in-progress', 0.15],
	],
};

/** Fractions of the duration at which a job changes status (timers keep `jobs` current there). */
export function phaseStarts(phases: JobPhases): number[] {
	return PHASES[phases].map(([, at]) => at).filter((at) => at > 0);
}

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
	/** Which statuses the job passes through (setJobPhases). */
	phases: JobPhases;
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

/**
 * The failure reason lives in `metadata.error` (EVIDENCE.md "Jobs": BLENDER reads it there).
 * Our own (no source): this default text.
 */
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

/**
 * Brings a job up to date with the clock. Idempotent. `progress` is 0 until in-progress, then
 * rises linearly from 0 at the start of in-progress to 0.99 at the end (through finalizing, so
 * a client's estimate from in-progress progress lands on the real end), and is 1 on success.
 * Our own (no source): the progress curve. The OpenAPI file says only "Progress of the job
 * (between 0 and 1)"; the recorded success has progress 1 (jobs/job.json).
 */
export function advanceJob(job: SimJob, now: number, produce: (job: SimJob) => string[]): void {
	if (isTerminal(job.status)) return;
	const d = job.durationMs;
	const phases = PHASES[job.phases];
	const index = phases.findIndex(([status]) => status === job.status);
	for (const [status, at] of phases.slice(index + 1)) {
		const startsAt = job.createdAt + at * d;
		if (now < startsAt) break;
		transition(job, status, Math.round(startsAt));
	}
	const runningAt = job.createdAt + (phases.find(([s]) => s === 'in-progress')?.[1] ?? 0) * d;
	const doneAt = job.createdAt + d;
	if (now >= doneAt) {
		finishJob(job, job.outcome, doneAt, produce);
		return;
	}
	if (job.status === 'in-progress' || job.status === 'finalizing') {
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
		// Our own (no source): no billing on the others.
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
