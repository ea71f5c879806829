/**
 * Benchmark 2, polling cost: GET /jobs/{id} per job and detection delay (the simulator marks the
 * job done at createdAt + D; the delay runs to the first check that answered the terminal status).
 */
import { BASELINE_POLL_MS, promptItems, runCustomGenerate } from './nodes';
import type { SimProcess } from './sim-client';
import { seconds, trafficStats, type TrafficStats } from './stats';

export interface PollingRow {
	jobDurationMs: number;
	jobs: number;
	ok: number;
	wallMs: number;
	traffic: TrafficStats;
	/** What checking every 3 s costs for the same D (computed: checks at 3, 6, 9 ... s after submission). */
	fixedInterval: { pollsPerJob: number; detectionMs: number };
}

export function fixedIntervalCost(
	jobDurationMs: number,
	intervalMs = BASELINE_POLL_MS,
): { pollsPerJob: number; detectionMs: number } {
	const checks = Math.max(1, Math.ceil(jobDurationMs / intervalMs));
	return { pollsPerJob: checks, detectionMs: checks * intervalMs - jobDurationMs };
}

export async function runPolling(
	sim: SimProcess,
	durationsMs: number[],
	jobs: number,
	log: (line: string) => void,
): Promise<PollingRow[]> {
	const rows: PollingRow[] = [];
	for (const jobDurationMs of durationsMs) {
		await sim.reset();
		await sim.setJobDuration(jobDurationMs);
		const run = await runCustomGenerate(
			sim.credentials(),
			promptItems(jobs, `polling D=${jobDurationMs}`),
			{ maxConcurrentJobs: jobs },
		);
		const ok = run.result.items.filter((item) => item.binary?.data && !item.json.error).length;
		const traffic = trafficStats(await sim.summary());
		const row: PollingRow = {
			jobDurationMs,
			jobs,
			ok,
			wallMs: Math.round(run.wallMs),
			traffic,
			fixedInterval: fixedIntervalCost(jobDurationMs),
		};
		rows.push(row);
		log(
			`  D=${seconds(jobDurationMs, 0)} s, ${jobs} jobs: ${traffic.pollsPerJobMean} checks per job (max ${traffic.pollsPerJobMax}), detection median ${traffic.detectionMedianMs} ms, max ${traffic.detectionMaxMs} ms; ${ok}/${jobs} ok`,
		);
	}
	await sim.reset();
	return rows;
}
