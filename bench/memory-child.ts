/* eslint-disable @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports, no-console -- benchmark code, run under Node.js; never shipped, never run inside n8n */
/**
 * One memory measurement, in a fresh process (started by bench/memory.ts with --expose-gc):
 * N items, each a large PNG streamed from disk, go through Custom Generate as the reference
 * image (multipart upload) and come back as equally large outputs (download), with n8n's
 * binary data in filesystem mode. The simulator runs in its own process, so what grows here is
 * the node's (and n8n-core's) memory only.
 *
 * Peak RSS: the kernel's high-water mark (VmHWM, reset through /proc/self/clear_refs right after
 * the baseline) and a 10 ms sampler of process.memoryUsage().rss; the larger counts.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { padPng, renderPicture } from '../test/simulator/png';
import { cleanupHarness } from '../test/harness';
import { MODEL_ID, runFilesThroughCustomGenerate, type SourceFile } from './nodes';
import { SimProcess } from './sim-client';
import type { SimSummary } from './sim-process';

export interface MemoryTask {
	items: number;
	imageBytes: number;
	jobDurationMs: number;
	maxConcurrentJobs: number;
	/**
	 * Diagnostic: force a full GC this often during the run, so the peak shows the memory the
	 * node keeps alive rather than garbage V8 has not collected yet. Slows the run a lot.
	 */
	gcEveryMs?: number;
}

/** The task as the child gets it: the input files are written beforehand by the parent. */
export interface MemoryChildTask extends MemoryTask {
	/** WARM_UP_BYTES images for the warm-up run. */
	warmFiles: string[];
	/** `items` images of `imageBytes`. */
	files: string[];
}

export interface MemoryResult extends MemoryTask {
	model: string;
	ok: number;
	failed: number;
	wallMs: number;
	baselineRssBytes: number;
	/** max(VmHWM, sampled) - baseline. */
	peakGrowthBytes: number;
	peakGrowthSampledBytes: number;
	peakGrowthKernelBytes?: number;
	/** Bytes through the node: uploads plus downloads. */
	totalBytes: number;
	largestImageBytes: number;
	/** peakGrowth / largest image. */
	growthPerLargestImage: number;
	peakHeapUsedGrowthBytes: number;
	peakExternalGrowthBytes: number;
	/** heapUsed + external after the run and a full GC, over the baseline (the run's result still held). */
	retainedBytes: number;
	outputsVerified: number;
	uploadParts: number;
	samples: number;
}

const gc = (): void => {
	const collect = (globalThis as { gc?: () => void }).gc;
	if (!collect) throw new Error('run with --expose-gc');
	collect();
	collect();
};

function vmHwm(): number | undefined {
	try {
		const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
		return m ? Number(m[1]) * 1024 : undefined;
	} catch {
		return undefined;
	}
}

function resetHwm(): boolean {
	try {
		writeFileSync('/proc/self/clear_refs', '5');
		return true;
	} catch {
		return false;
	}
}

/**
 * Input PNGs of `bytes` on disk, each different (its own picture and noise). Written by the
 * parent process: building them here would leave freed buffers in this process's heap that the
 * measured run could reuse without growing.
 */
export function writeInputs(dir: string, count: number, bytes: number, tag: string): string[] {
	return Array.from({ length: count }, (_, i) => {
		const path = join(dir, `${tag}-${i}.png`);
		writeFileSync(path, padPng(renderPicture(`${tag} input ${i}`, 256, 256), bytes, `${tag} ${i}`));
		return path;
	});
}

const sources = (paths: string[], tag: string): SourceFile[] =>
	paths.map((path, i) => ({
		path,
		json: { prompt: `${tag} variant ${i}` },
		mimeType: 'image/png',
	}));

function printTrace(trace: number[][], summary: SimSummary): void {
	const mb = (bytes: number) => String(Math.round(bytes / 1048576)).padStart(5);
	const events = summary.log
		.filter((e) => e.origin !== 'api' || /\/(uploads|generate)/.test(e.path))
		.map((e) => ({
			at: e.at,
			what: `${e.origin}:${e.method}:${e.path.split('/').slice(0, 3).join('/')}`,
		}));
	const t0 = trace[0]?.[0] ?? 0;
	let next = 0;
	let top = 0;
	console.error('    ms  rss   ext  heap   (MB over the baseline)  requests');
	for (const [at, rss, ext, heap] of trace) {
		const seen: string[] = [];
		while (next < events.length && events[next].at <= at) seen.push(events[next++].what);
		const peak = rss > top;
		top = Math.max(top, rss);
		if (peak || seen.length || (at - t0) % 200 < 10)
			console.error(
				String(at - t0).padStart(6),
				mb(rss),
				mb(ext),
				mb(heap),
				peak ? '^' : ' ',
				seen.join(' '),
			);
	}
}

/** Size of the warm-up images. */
export const WARM_UP_BYTES = 256 * 1024;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function measureMemory(task: MemoryChildTask): Promise<MemoryResult> {
	const sim = await SimProcess.start({
		jobDurationMs: task.jobDurationMs,
		outputMinBytes: WARM_UP_BYTES,
	});
	try {
		// Warm-up: two small items through the whole path, so module loading, connection pools and
		// n8n-core's first-use caches are in the baseline, not in the growth. Small, so that no
		// large buffer freed by the warm-up leaves room in the heap the measured run could reuse.
		const warmRun = await runFilesThroughCustomGenerate(
			sim.credentials(),
			sources(task.warmFiles, 'warm'),
			{ maxConcurrentJobs: 2 },
		);
		if (warmRun.result.status !== 'success')
			throw new Error(`warm-up failed: ${warmRun.result.error?.message}`);
		warmRun.result.cleanup();
		await sim.reset();
		await sim.setJobDuration(task.jobDurationMs);
		await sim.setOutputMinBytes(task.imageBytes);

		const files = sources(task.files, 'bench');
		const largestImageBytes = Math.max(...files.map((f) => statSync(f.path).size), task.imageBytes);
		gc();
		await sleep(200);
		gc();
		const base = process.memoryUsage();
		const baselineRssBytes = base.rss;
		const kernel = resetHwm();
		let peakRss = base.rss;
		let peakHeap = base.heapUsed;
		let peakExternal = base.external;
		let samples = 0;
		const sampler = setInterval(() => {
			const m = process.memoryUsage();
			samples++;
			if (m.rss > peakRss) peakRss = m.rss;
			if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
			if (m.external > peakExternal) peakExternal = m.external;
			if (trace)
				trace.push([
					Date.now(),
					m.rss - base.rss,
					m.external - base.external,
					m.heapUsed - base.heapUsed,
				]);
		}, 10);
		// BENCH_MEMORY_TRACE=1: the growth over time, next to the simulator's log (for digging into a figure).
		const trace: number[][] | undefined = process.env.BENCH_MEMORY_TRACE ? [] : undefined;
		const forced = task.gcEveryMs ? setInterval(gc, task.gcEveryMs) : undefined;
		const run = await runFilesThroughCustomGenerate(sim.credentials(), files, {
			maxConcurrentJobs: task.maxConcurrentJobs,
		});
		if (forced) clearInterval(forced);
		clearInterval(sampler);
		const end = process.memoryUsage();
		peakRss = Math.max(peakRss, end.rss);
		const hwm = kernel ? vmHwm() : undefined;

		const items = run.result.output('Generate');
		const summary = await sim.summary();
		if (trace) printTrace(trace, summary);
		let verified = 0;
		for (const item of items) {
			if (!item.binary?.data) continue;
			// Check the stored output against its sha256 without loading it whole.
			const stream = await run.result.binaryStream(item, 'data');
			const hash = createHash('sha256');
			let size = 0;
			for await (const chunk of stream) {
				hash.update(chunk as Buffer);
				size += (chunk as Buffer).length;
			}
			if (hash.digest('hex') === item.json.sha256 && size >= task.imageBytes) verified++;
		}
		const ok = items.filter((item) => item.binary?.data).length;
		gc();
		const after = process.memoryUsage();
		const retainedBytes = after.heapUsed + after.external - (base.heapUsed + base.external);
		const peakGrowthSampledBytes = peakRss - baselineRssBytes;
		const peakGrowthKernelBytes = hwm !== undefined ? hwm - baselineRssBytes : undefined;
		const peakGrowthBytes = Math.max(peakGrowthSampledBytes, peakGrowthKernelBytes ?? 0);
		run.result.cleanup();
		// The result carries the task's settings, not its list of input files.
		const settings: MemoryTask & Partial<MemoryChildTask> = { ...task };
		delete settings.files;
		delete settings.warmFiles;
		return {
			...settings,
			model: MODEL_ID,
			ok,
			failed: task.items - ok,
			wallMs: Math.round(run.wallMs),
			baselineRssBytes,
			peakGrowthBytes,
			peakGrowthSampledBytes,
			peakGrowthKernelBytes,
			totalBytes: largestImageBytes * task.items * 2,
			largestImageBytes,
			growthPerLargestImage: Math.round((peakGrowthBytes / largestImageBytes) * 100) / 100,
			peakHeapUsedGrowthBytes: peakHeap - base.heapUsed,
			peakExternalGrowthBytes: peakExternal - base.external,
			retainedBytes,
			outputsVerified: verified,
			uploadParts: summary.log.filter((e) => e.origin === 'upload').length,
			samples,
		};
	} finally {
		await sim.close();
		cleanupHarness();
	}
}

if (require.main === module) {
	const task = JSON.parse(process.argv[2] ?? '{}') as MemoryChildTask;
	measureMemory(task)
		.then((result) => {
			process.send?.({ result });
			if (!process.send) console.log(JSON.stringify(result, null, 2));
			process.exitCode = 0;
		})
		.catch((error: unknown) => {
			process.send?.({
				error: error instanceof Error ? (error.stack ?? error.message) : String(error),
			});
			if (!process.send) console.error(error);
			process.exitCode = 1;
		})
		.finally(() => {
			// Leave no timer or socket keeping this process alive.
			setTimeout(() => process.exit(), 100).unref();
		});
}
