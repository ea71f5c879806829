/** Small numeric helpers and what the simulator's log says about a run. */
import type { SimSummary } from './sim-process';

export const round = (value: number, digits = 2): number => {
	const f = 10 ** digits;
	return Math.round(value * f) / f;
};

export function quantile(values: number[], q: number): number {
	if (values.length === 0) return NaN;
	const sorted = [...values].sort((a, b) => a - b);
	const pos = (sorted.length - 1) * q;
	const lo = Math.floor(pos);
	const hi = Math.ceil(pos);
	return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export const median = (values: number[]): number => quantile(values, 0.5);
export const mean = (values: number[]): number =>
	values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
export const max = (values: number[]): number => (values.length ? Math.max(...values) : NaN);

const JOB_PATH = /^\/v1\/jobs\/([^/]+)$/;

export interface TrafficStats {
	/** Requests to the API origin (/v1), faulted ones included. */
	apiRequests: number;
	/** Of which answered 429. */
	status429: number;
	/** Requests to the CDN (downloads) and the upload origin (parts). */
	cdnRequests: number;
	uploadRequests: number;
	jobs: number;
	/** GET /jobs/{id} per job: mean and max. */
	pollsPerJobMean: number;
	pollsPerJobMax: number;
	/** API requests per job (submission, checks, asset lookups, uploads...). */
	apiRequestsPerJob: number;
	/** firstSeenTerminalAt - doneAt, ms: the time from the simulator marking a job done to the first check that saw it. */
	detectionMedianMs: number;
	detectionP95Ms: number;
	detectionMaxMs: number;
	/** Jobs whose prompt had been submitted before (a job submitted twice). */
	duplicateJobs: number;
	/** Jobs that never got a terminal status seen by a check. */
	unseenJobs: number;
}

export function trafficStats(summary: SimSummary): TrafficStats {
	const api = summary.log.filter((e) => e.origin === 'api');
	const polls = new Map<string, number>();
	for (const job of summary.jobs) polls.set(job.jobId, 0);
	for (const entry of api) {
		const m = entry.method === 'GET' ? JOB_PATH.exec(entry.path) : null;
		if (m && entry.status === 200 && polls.has(m[1])) polls.set(m[1], (polls.get(m[1]) ?? 0) + 1);
	}
	const delays = summary.jobs
		.filter((j) => j.doneAt !== undefined && j.firstSeenTerminalAt !== undefined)
		.map((j) => (j.firstSeenTerminalAt as number) - (j.doneAt as number));
	const prompts = new Map<string, number>();
	for (const job of summary.jobs)
		prompts.set(job.prompt ?? job.jobId, (prompts.get(job.prompt ?? job.jobId) ?? 0) + 1);
	const counts = [...polls.values()];
	return {
		apiRequests: api.length,
		status429: api.filter((e) => e.status === 429).length,
		cdnRequests: summary.log.filter((e) => e.origin === 'cdn').length,
		uploadRequests: summary.log.filter((e) => e.origin === 'upload').length,
		jobs: summary.jobs.length,
		pollsPerJobMean: round(mean(counts)),
		pollsPerJobMax: max(counts),
		apiRequestsPerJob: round(api.length / Math.max(1, summary.jobs.length)),
		detectionMedianMs: Math.round(median(delays)),
		detectionP95Ms: Math.round(quantile(delays, 0.95)),
		detectionMaxMs: Math.round(max(delays)),
		duplicateJobs: [...prompts.values()].reduce((sum, n) => sum + (n - 1), 0),
		unseenJobs: summary.jobs.length - delays.length,
	};
}

export const seconds = (ms: number, digits = 2): number => round(ms / 1000, digits);
