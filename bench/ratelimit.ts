/**
 * Benchmark 4, rate limits: the N=100 throughput run while the simulator answers 429 to a share
 * of API requests (every k-th one, before any side effect, as Scenario does), with and without
 * Retry-After. Each item has its own prompt, so a job submitted twice shows as two jobs with one
 * prompt.
 */
import { promptItems, runCustomGenerate } from './nodes';
import type { SimProcess } from './sim-client';
import { seconds, trafficStats, type TrafficStats } from './stats';

export interface RateLimitCase {
	name: string;
	/** 429 on every k-th API request (0: no fault). */
	every: number;
	/** Retry-After in seconds, or none. */
	retryAfterS?: number;
}

export interface RateLimitRow extends RateLimitCase {
	items: number;
	jobDurationMs: number;
	/** Absent from runs saved before it was recorded: they all ran N at once. */
	maxConcurrentJobs?: number;
	completed: number;
	/** Items without their image (error items with Continue On Fail). */
	lost: number;
	errors: string[];
	wallMs: number;
	traffic: TrafficStats;
	/** API requests beyond the fault-free run's. */
	extraRequests: number;
}

export async function runRateLimits(
	sim: SimProcess,
	cases: RateLimitCase[],
	options: { items: number; jobDurationMs: number; maxConcurrentJobs: number },
	log: (line: string) => void,
): Promise<RateLimitRow[]> {
	const rows: RateLimitRow[] = [];
	let cleanRequests: number | undefined;
	for (const c of cases) {
		await sim.reset();
		await sim.setJobDuration(options.jobDurationMs);
		if (c.every > 0)
			await sim.inject({
				path: '/',
				every: c.every,
				fault: {
					kind: 'status',
					status: 429,
					retryAfter: c.retryAfterS,
					body: { reason: 'Rate limit exceeded' },
				},
			});
		const run = await runCustomGenerate(
			sim.credentials(),
			promptItems(options.items, `rate limits ${c.name}`),
			{
				maxConcurrentJobs: options.maxConcurrentJobs,
				continueOnFail: true,
			},
		);
		const completed = run.result.items.filter(
			(item) => item.binary?.data && !item.json.error,
		).length;
		const errors = [
			...new Set(
				run.result.items.filter((item) => item.json.error).map((item) => String(item.json.error)),
			),
		];
		if (run.result.error && !errors.length) errors.push(run.result.error.message);
		const traffic = trafficStats(await sim.summary());
		if (c.every === 0) cleanRequests = traffic.apiRequests;
		const row: RateLimitRow = {
			...c,
			items: options.items,
			jobDurationMs: options.jobDurationMs,
			maxConcurrentJobs: options.maxConcurrentJobs,
			completed,
			lost: options.items - completed,
			errors,
			wallMs: Math.round(run.wallMs),
			traffic,
			extraRequests: cleanRequests === undefined ? NaN : traffic.apiRequests - cleanRequests,
		};
		rows.push(row);
		log(
			`  ${c.name}: ${completed}/${options.items} completed in ${seconds(row.wallMs)} s, ${traffic.apiRequests} API requests (${traffic.status429} answered 429, ${row.extraRequests} extra), ${traffic.jobs} jobs, ${traffic.duplicateJobs} duplicate`,
		);
	}
	await sim.reset();
	return rows;
}
