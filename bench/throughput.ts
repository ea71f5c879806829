/**
 * Benchmark 1, throughput: N items through Custom Generate (text to image) against jobs of
 * duration D, next to the sequential baseline and the ideal.
 */
import type { RunNodeResult } from '../test/harness';
import {
	BASELINE_POLL_MS,
	MODEL_ID,
	promptItems,
	runCustomGenerate,
	runSequentialBaseline,
} from './nodes';
import type { SimProcess } from './sim-client';
import { median, round, seconds, trafficStats, type TrafficStats } from './stats';

/** One request/answer cycle of each kind an item needs, back to back on loopback (fetch, keep-alive). */
export interface RoundTrips {
	submitMs: number;
	checkMs: number;
	assetMs: number;
	downloadMs: number;
	/** Their sum: what an item costs beyond the job itself. */
	totalMs: number;
	samples: number;
}

export interface ThroughputRow {
	items: number;
	jobDurationMs: number;
	maxConcurrentJobs: number;
	/** ceil(items / maxConcurrentJobs): how many rounds of jobs the node needs at that setting. */
	waves: number;
	wallMs: number;
	/** D + one submit, status check, asset lookup and download (RoundTrips.totalMs). */
	idealMs: number;
	wallOverIdeal: number;
	/** Sequential baseline for N items: measured per-item time (K items) × N. */
	baselineMs: number;
	baselineMeasuredItems: number;
	baselineOverWall: number;
	ok: number;
	traffic: TrafficStats;
}

export interface BaselineMeasurement {
	jobDurationMs: number;
	measuredItems: number;
	wallMs: number;
	perItemMs: number;
	pollsPerJobMean: number;
	detectionMedianMs: number;
}

export interface ThroughputResult {
	model: string;
	roundTrips: RoundTrips;
	baselines: BaselineMeasurement[];
	rows: ThroughputRow[];
}

export interface ThroughputPlan {
	items: number[];
	durationsMs: number[];
	/** Max Concurrent Jobs for a run of N items (the node's option caps it at 100). */
	concurrencyFor: (items: number) => number[];
	baselineItems: number;
}

const okItems = (result: RunNodeResult): number =>
	result.items.filter((item) => item.binary?.data && !item.json.error).length;

async function timedFetch(url: string, init: RequestInit): Promise<{ ms: number; body: Buffer }> {
	const start = performance.now();
	const response = await fetch(url, init);
	const body = Buffer.from(await response.arrayBuffer());
	if (!response.ok)
		throw new Error(
			`${init.method ?? 'GET'} ${url}: HTTP ${response.status} ${body.toString('utf8').slice(0, 200)}`,
		);
	return { ms: performance.now() - start, body };
}

/** Median round trips of an item's requests, against a job that is done at once (D = 0). */
export async function measureRoundTrips(sim: SimProcess, samples = 7): Promise<RoundTrips> {
	await sim.reset();
	await sim.setJobDuration(0);
	const headers = { authorization: sim.authorization, 'content-type': 'application/json' };
	const rows: Array<Omit<RoundTrips, 'samples'>> = [];
	for (let i = 0; i < samples + 1; i++) {
		const submit = await timedFetch(`${sim.baseUrl}/generate/custom/${MODEL_ID}`, {
			method: 'POST',
			headers,
			body: JSON.stringify({ prompt: `round trip ${i}` }),
		});
		const { job } = JSON.parse(submit.body.toString('utf8')) as { job: { jobId: string } };
		const check = await timedFetch(`${sim.baseUrl}/jobs/${job.jobId}`, { headers });
		const assetId = (
			JSON.parse(check.body.toString('utf8')) as { job: { metadata: { assetIds: string[] } } }
		).job.metadata.assetIds[0];
		const asset = await timedFetch(`${sim.baseUrl}/assets/${assetId}`, { headers });
		const url = (JSON.parse(asset.body.toString('utf8')) as { asset: { url: string } }).asset.url;
		const download = await timedFetch(url, {});
		// The first cycle opens the connections: not counted.
		if (i > 0)
			rows.push({
				submitMs: submit.ms,
				checkMs: check.ms,
				assetMs: asset.ms,
				downloadMs: download.ms,
				totalMs: submit.ms + check.ms + asset.ms + download.ms,
			});
	}
	await sim.reset();
	const pick = (key: keyof Omit<RoundTrips, 'samples'>) =>
		round(median(rows.map((r) => r[key])), 1);
	return {
		submitMs: pick('submitMs'),
		checkMs: pick('checkMs'),
		assetMs: pick('assetMs'),
		downloadMs: pick('downloadMs'),
		totalMs: pick('totalMs'),
		samples,
	};
}

/** A few items through both nodes, so module loading and first-use caches are not measured. */
export async function warmUp(sim: SimProcess): Promise<void> {
	await sim.reset();
	await sim.setJobDuration(200);
	await runCustomGenerate(sim.credentials(), promptItems(5, 'warm-up'), { maxConcurrentJobs: 5 });
	await runSequentialBaseline(sim.credentials(), promptItems(1, 'warm-up baseline'));
	await sim.reset();
}

export async function measureBaseline(
	sim: SimProcess,
	jobDurationMs: number,
	items: number,
): Promise<BaselineMeasurement> {
	await sim.reset();
	await sim.setJobDuration(jobDurationMs);
	const run = await runSequentialBaseline(
		sim.credentials(),
		promptItems(items, `baseline D=${jobDurationMs}`),
	);
	const ok = okItems(run.result);
	if (ok !== items)
		throw new Error(
			`sequential baseline: ${ok} of ${items} items succeeded (${run.result.error?.message ?? 'no error'})`,
		);
	const traffic = trafficStats(await sim.summary());
	return {
		jobDurationMs,
		measuredItems: items,
		wallMs: Math.round(run.wallMs),
		perItemMs: Math.round(run.wallMs / items),
		pollsPerJobMean: traffic.pollsPerJobMean,
		detectionMedianMs: traffic.detectionMedianMs,
	};
}

export async function runThroughput(
	sim: SimProcess,
	plan: ThroughputPlan,
	log: (line: string) => void,
): Promise<ThroughputResult> {
	await warmUp(sim);
	const roundTrips = await measureRoundTrips(sim);
	log(
		`  round trips (submit + check + asset + download, median of ${roundTrips.samples}): ${roundTrips.totalMs} ms`,
	);
	const baselines: BaselineMeasurement[] = [];
	const rows: ThroughputRow[] = [];
	for (const jobDurationMs of plan.durationsMs) {
		const baseline = await measureBaseline(sim, jobDurationMs, plan.baselineItems);
		baselines.push(baseline);
		log(
			`  sequential baseline, D=${seconds(jobDurationMs)} s: ${plan.baselineItems} items in ${seconds(baseline.wallMs)} s, ${seconds(baseline.perItemMs)} s per item`,
		);
		for (const items of plan.items) {
			for (const maxConcurrentJobs of plan.concurrencyFor(items)) {
				await sim.reset();
				await sim.setJobDuration(jobDurationMs);
				const run = await runCustomGenerate(
					sim.credentials(),
					promptItems(items, `throughput N=${items} D=${jobDurationMs} C=${maxConcurrentJobs}`),
					{ maxConcurrentJobs },
				);
				const ok = okItems(run.result);
				const traffic = trafficStats(await sim.summary());
				const idealMs = jobDurationMs + roundTrips.totalMs;
				const baselineMs = baseline.perItemMs * items;
				const row: ThroughputRow = {
					items,
					jobDurationMs,
					maxConcurrentJobs,
					waves: Math.ceil(items / maxConcurrentJobs),
					wallMs: Math.round(run.wallMs),
					idealMs: Math.round(idealMs),
					wallOverIdeal: round(run.wallMs / idealMs),
					baselineMs,
					baselineMeasuredItems: baseline.measuredItems,
					baselineOverWall: round(baselineMs / run.wallMs, 1),
					ok,
					traffic,
				};
				rows.push(row);
				log(
					`  N=${items} D=${seconds(jobDurationMs)} s concurrency ${maxConcurrentJobs}: ${seconds(row.wallMs)} s (${row.wallOverIdeal} × ideal), baseline ${seconds(baselineMs, 0)} s (${row.baselineOverWall} × ours), ${ok}/${items} ok`,
				);
				if (ok !== items)
					log(
						`    ! ${items - ok} items failed: ${run.result.error?.message ?? run.result.items.find((i) => i.json.error)?.json.error}`,
					);
			}
		}
	}
	await sim.reset();
	return { model: MODEL_ID, roundTrips, baselines, rows };
}

export { BASELINE_POLL_MS };
