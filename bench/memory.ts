/* eslint-disable @n8n/community-nodes/no-dangerous-functions, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- benchmark code, run under Node.js; never shipped, never run inside n8n */
/** Benchmark 3, memory: each measurement in a fresh child process (bench/memory-child.ts). */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { WARM_UP_BYTES, writeInputs, type MemoryResult, type MemoryTask } from './memory-child';
import { TS_EXEC_ARGV } from './sim-client';

const CHILD_TIMEOUT_MS = 5 * 60_000;

export async function measureMemoryInChild(task: MemoryTask): Promise<MemoryResult> {
	const dir = mkdtempSync(join(tmpdir(), 'scenario-bench-memory-'));
	try {
		const warmFiles = writeInputs(dir, 2, WARM_UP_BYTES, 'warm');
		const files = writeInputs(dir, task.items, task.imageBytes, 'bench');
		const child = fork(
			join(__dirname, 'memory-child.ts'),
			[JSON.stringify({ ...task, warmFiles, files })],
			{
				execArgv: ['--expose-gc', ...TS_EXEC_ARGV],
				stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
			},
		);
		return await new Promise<MemoryResult>((resolve, reject) => {
			let settled = false;
			const timer = setTimeout(() => {
				child.kill();
				reject(
					new Error(
						`memory measurement (${task.items} items) did not finish in ${CHILD_TIMEOUT_MS / 1000} s`,
					),
				);
			}, CHILD_TIMEOUT_MS);
			child.on('message', (message: { result?: MemoryResult; error?: string }) => {
				settled = true;
				clearTimeout(timer);
				if (message.result) resolve(message.result);
				else reject(new Error(`memory measurement failed: ${message.error}`));
			});
			child.on('exit', (code) => {
				clearTimeout(timer);
				if (!settled) reject(new Error(`memory measurement process exited with code ${code}`));
			});
		});
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

export interface MemoryPlan {
	items: number[];
	/** Max Concurrent Jobs of every run (the node's default is 10). */
	maxConcurrentJobs: number;
	repetitions: number;
	imageBytes: number;
	jobDurationMs: number;
	/** Also one run of this many items with a full GC forced every `gcEveryMs` (diagnostic). */
	forcedGc?: { items: number; gcEveryMs: number };
}

export interface MemoryRow {
	items: number;
	runs: MemoryResult[];
	/** Over the repetitions, in bytes. */
	medianGrowthBytes: number;
	maxGrowthBytes: number;
	/** maxGrowth / largest image. */
	maxGrowthPerImage: number;
	medianGrowthPerImage: number;
}

export interface MemoryBenchResult {
	imageBytes: number;
	jobDurationMs: number;
	maxConcurrentJobs: number;
	rows: MemoryRow[];
	forcedGc?: MemoryResult;
}

const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MB`;

export async function runMemory(
	plan: MemoryPlan,
	log: (line: string) => void,
): Promise<MemoryBenchResult> {
	const rows: MemoryRow[] = [];
	for (const items of plan.items) {
		const runs: MemoryResult[] = [];
		for (let i = 0; i < plan.repetitions; i++) {
			const result = await measureMemoryInChild({
				items,
				imageBytes: plan.imageBytes,
				jobDurationMs: plan.jobDurationMs,
				maxConcurrentJobs: plan.maxConcurrentJobs,
			});
			runs.push(result);
			log(
				`  ${items} items × ${mb(plan.imageBytes)} in and out (run ${i + 1}/${plan.repetitions}): peak RSS growth ${mb(result.peakGrowthBytes)} (${result.growthPerLargestImage} × image), left after the run ${mb(result.retainedBytes)}, ${result.ok}/${items} ok, ${result.outputsVerified} outputs verified, ${(result.wallMs / 1000).toFixed(1)} s`,
			);
		}
		const growth = runs.map((r) => r.peakGrowthBytes).sort((a, b) => a - b);
		const medianGrowthBytes = growth[Math.floor((growth.length - 1) / 2)];
		const maxGrowthBytes = growth[growth.length - 1];
		const largest = Math.max(...runs.map((r) => r.largestImageBytes));
		rows.push({
			items,
			runs,
			medianGrowthBytes,
			maxGrowthBytes,
			maxGrowthPerImage: Math.round((maxGrowthBytes / largest) * 100) / 100,
			medianGrowthPerImage: Math.round((medianGrowthBytes / largest) * 100) / 100,
		});
	}
	let forcedGc: MemoryResult | undefined;
	if (plan.forcedGc) {
		forcedGc = await measureMemoryInChild({
			items: plan.forcedGc.items,
			imageBytes: plan.imageBytes,
			jobDurationMs: plan.jobDurationMs,
			maxConcurrentJobs: plan.maxConcurrentJobs,
			gcEveryMs: plan.forcedGc.gcEveryMs,
		});
		log(
			`  diagnostic, ${plan.forcedGc.items} items with a full GC every ${plan.forcedGc.gcEveryMs} ms: peak RSS growth ${mb(forcedGc.peakGrowthBytes)} (${forcedGc.growthPerLargestImage} × image)`,
		);
	}
	return {
		imageBytes: plan.imageBytes,
		jobDurationMs: plan.jobDurationMs,
		maxConcurrentJobs: plan.maxConcurrentJobs,
		rows,
		forcedGc,
	};
}
