/* eslint-disable @n8n/community-nodes/no-dangerous-functions, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports, no-console -- benchmark code, run under Node.js; never shipped, never run inside n8n */
/**
 * `npm run bench`: the package's real nodes through n8n-core's execution engine against the
 * Scenario API simulator (its own process, loopback only). Five benchmarks:
 * throughput, polling cost, memory, rate limits, request budget. Prints tables, writes JSON, and (full run)
 * refreshes the results block of BENCHMARKS.md.
 *
 *   npm run bench                      full run (about 10 minutes), writes bench/results/latest.json
 *   npm run bench -- --quick           smaller run (about 3 minutes), writes bench/results/quick.tmp.json
 *   npm run bench -- --smoke           every benchmark at its smallest (seconds; npm test runs it): fails
 *                                      unless every item of every run came through; bench/results/smoke.tmp.json
 *   npm run bench -- --only polling,memory   some benchmarks (throughput, polling, memory, ratelimits, budget)
 *   npm run bench -- --out file.json   JSON elsewhere (BENCHMARKS.md is then left alone)
 *   npm run bench -- --render bench/results/latest.json   tables (and BENCHMARKS.md) from a saved run
 */
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';

import { cleanupHarness } from '../test/harness';
import { runBudget, type BudgetPlan } from './budget';
import { runMemory, type MemoryBenchResult, type MemoryPlan } from './memory';
import { runPolling } from './polling';
import { runRateLimits, type RateLimitCase } from './ratelimit';
import {
	renderMarkdown,
	renderText,
	tables,
	type BenchResult,
	type Goal,
	type Machine,
} from './report';
import { SimProcess } from './sim-client';
import { runThroughput, type ThroughputPlan } from './throughput';

const SECTIONS = ['throughput', 'polling', 'memory', 'ratelimits', 'budget'] as const;
type Section = (typeof SECTIONS)[number];

const ROOT = resolve(__dirname, '..');
const MB = 1024 * 1024;
const RESULTS_START = '<!-- bench:results:start -->';
const RESULTS_END = '<!-- bench:results:end -->';

type Mode = BenchResult['mode'];

interface Options {
	mode: Mode;
	only: Set<Section>;
	out?: string;
	render?: string;
}

function parseArgs(argv: string[]): Options {
	const options: Options = { mode: 'full', only: new Set(SECTIONS) };
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		const value = (): string => {
			const inline = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
			if (!inline) throw new Error(`${arg} needs a value`);
			return inline;
		};
		if (arg === '--quick' || arg === '--smoke')
			options.mode = arg === '--quick' ? 'quick' : 'smoke';
		else if (arg.startsWith('--only')) {
			const wanted = value()
				.split(',')
				.map((s) => s.trim()) as Section[];
			for (const section of wanted)
				if (!SECTIONS.includes(section))
					throw new Error(`unknown benchmark "${section}" (${SECTIONS.join(', ')})`);
			options.only = new Set(wanted);
		} else if (arg.startsWith('--out')) options.out = value();
		else if (arg.startsWith('--render')) options.render = value();
		else if (arg === '--help' || arg === '-h') {
			console.log(readFileSync(__filename, 'utf8').split('*/')[0]);
			process.exit(0);
		} else throw new Error(`unknown option ${arg} (try --help)`);
	}
	return options;
}

function machine(): Machine {
	const run = (command: string): string => {
		try {
			return execSync(command, {
				cwd: ROOT,
				encoding: 'utf8',
				stdio: ['ignore', 'pipe', 'ignore'],
			}).trim();
		} catch {
			return '';
		}
	};
	const free = run('free -h')
		.split('\n')
		.find((line) => line.startsWith('Mem:'));
	const dirty = run('git status --porcelain -- nodes credentials bench test/simulator test/harness')
		? ' (with uncommitted changes)'
		: '';
	return {
		date: new Date().toISOString(),
		node: process.version,
		platform: `${os.type()} ${os.release()} ${os.arch()}`,
		cpus: os.availableParallelism(),
		cpuModel: os.cpus()[0]?.model ?? 'unknown',
		memory: free
			? `free -h: ${free.replace(/\s+/g, ' ')}`
			: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB total`,
		loadAverageStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
		commit: (run('git rev-parse --short HEAD') || 'unknown') + dirty,
	};
}

interface Plan {
	throughput: ThroughputPlan;
	polling: { durationsMs: number[]; jobs: number };
	rateLimits: {
		cases: RateLimitCase[];
		run: { items: number; jobDurationMs: number; maxConcurrentJobs: number };
	};
	memory: MemoryPlan;
	budget: BudgetPlan;
}

const RETRY_AFTER_CASE: RateLimitCase = {
	name: 'every 3rd, Retry-After 1 s',
	every: 3,
	retryAfterS: 1,
};

function plan(mode: Mode): Plan {
	if (mode === 'smoke')
		return {
			throughput: { items: [3], durationsMs: [300], concurrencyFor: (n) => [n], baselineItems: 1 },
			polling: { durationsMs: [1000], jobs: 3 },
			rateLimits: {
				cases: [{ name: 'no 429', every: 0 }, RETRY_AFTER_CASE],
				run: { items: 6, jobDurationMs: 300, maxConcurrentJobs: 6 },
			},
			memory: {
				items: [2],
				maxConcurrentJobs: 2,
				repetitions: 1,
				imageBytes: MB,
				jobDurationMs: 300,
			},
			budget: {
				items: [3],
				durationsMs: [3000],
				scale: 10,
				requestsPerMinute: 100,
				baselineUpTo: 3,
			},
		};
	const q = mode === 'quick';
	return {
		throughput: {
			items: q ? [10, 100] : [10, 100, 500],
			durationsMs: [1000, 5000],
			// The option's maximum (100); for N=500 also 500 at once, to show what the engine does beyond it.
			concurrencyFor: (n) => (n > 100 && !q ? [100, n] : [Math.min(n, 100)]),
			baselineItems: q ? 3 : 5,
		},
		polling: { durationsMs: q ? [1000, 10_000] : [1000, 10_000, 60_000], jobs: 10 },
		rateLimits: {
			cases: [
				{ name: 'no 429', every: 0 },
				RETRY_AFTER_CASE,
				...(q
					? []
					: [
							{ name: 'every 3rd, no Retry-After', every: 3 },
							{ name: 'every 2nd, no Retry-After', every: 2 },
						]),
			],
			run: { items: 100, jobDurationMs: 5000, maxConcurrentJobs: 100 },
		},
		memory: {
			items: q ? [5, 20] : [5, 20, 40],
			maxConcurrentJobs: 10,
			repetitions: q ? 1 : 3,
			imageBytes: 10 * MB,
			jobDurationMs: 1000,
			forcedGc: q ? undefined : { items: 20, gcEveryMs: 100 },
		},
		budget: {
			// N=99 beside 100: with the model read first, 100 submissions are 101 requests, one more
			// than a minute's budget, so the 100th job starts a minute late (see BENCHMARKS.md §6).
			items: q ? [10, 100] : [10, 99, 100, 500],
			durationsMs: q ? [60_000] : [10_000, 60_000],
			scale: 10,
			requestsPerMinute: 100,
			baselineUpTo: 100,
		},
	};
}

/** What a smoke run must show: every item of every run came through, no job submitted twice. */
function incomplete(result: BenchResult): string[] {
	const out: string[] = [];
	for (const r of result.throughput?.rows ?? [])
		if (r.ok !== r.items) out.push(`throughput N=${r.items}: ${r.ok}/${r.items} ok`);
	for (const r of result.polling ?? [])
		if (r.ok !== r.jobs) out.push(`polling D=${r.jobDurationMs}: ${r.ok}/${r.jobs} ok`);
	for (const r of result.rateLimits ?? [])
		if (r.lost > 0 || r.traffic.duplicateJobs > 0)
			out.push(`rate limits ${r.name}: ${r.lost} lost, ${r.traffic.duplicateJobs} jobs twice`);
	for (const r of result.budget?.rows ?? [])
		if (r.ours.ok !== r.items || r.ours.duplicateJobs > 0)
			out.push(
				`budget N=${r.items}: ${r.ours.ok}/${r.items} ok, ${r.ours.duplicateJobs} jobs twice`,
			);
	for (const row of result.memory?.rows ?? [])
		for (const r of row.runs)
			if (r.ok !== r.items || r.outputsVerified !== r.items)
				out.push(`memory N=${r.items}: ${r.ok}/${r.items} ok, ${r.outputsVerified} verified`);
	return out;
}

function goals(result: BenchResult): Goal[] {
	const list: Goal[] = [];
	const row = result.throughput?.rows.find(
		(r) => r.items === 100 && r.jobDurationMs === 5000 && r.maxConcurrentJobs >= 100,
	);
	if (row) {
		list.push({
			goal: 'N=100, D=5 s: wall ≤ 1.3 × ideal',
			measured: `${(row.wallMs / 1000).toFixed(2)} s = ${row.wallOverIdeal.toFixed(2)} × ideal (${(row.idealMs / 1000).toFixed(2)} s)`,
			met: row.wallOverIdeal <= 1.3 && row.ok === row.items,
		});
		list.push({
			goal: 'N=100, D=5 s: baseline / wall ≥ 50',
			measured: `${row.baselineOverWall.toFixed(1)} (baseline ${(row.baselineMs / 1000).toFixed(0)} s, extrapolated from ${row.baselineMeasuredItems} items)`,
			met: row.baselineOverWall >= 50,
		});
	}
	const polling = result.polling?.find((r) => r.jobDurationMs === 10_000);
	if (polling) {
		list.push({
			goal: 'D=10 s: ≤ 6 checks per job',
			measured: `mean ${polling.traffic.pollsPerJobMean.toFixed(1)}, max ${polling.traffic.pollsPerJobMax}`,
			met: polling.traffic.pollsPerJobMax <= 6,
		});
		list.push({
			goal: 'D=10 s: detection delay ≤ 1 s',
			measured: `median ${polling.traffic.detectionMedianMs} ms, max ${polling.traffic.detectionMaxMs} ms`,
			met: polling.traffic.detectionMaxMs <= 1000,
		});
	}
	const memory: MemoryBenchResult | undefined = result.memory;
	if (memory && memory.rows.length) {
		const worst = memory.rows.reduce((a, b) => (b.maxGrowthBytes > a.maxGrowthBytes ? b : a));
		const typical = memory.rows
			.map((r) => `N=${r.items}: ${r.medianGrowthPerImage.toFixed(1)}`)
			.join(', ');
		list.push({
			goal: 'Peak RSS growth ≤ 3 × the largest image',
			measured: `max ${(worst.maxGrowthBytes / MB).toFixed(1)} MB = ${worst.maxGrowthPerImage.toFixed(2)} × (N=${worst.items}); medians × image: ${typical}${memory.forcedGc ? `; live (GC forced) ${memory.forcedGc.growthPerLargestImage.toFixed(2)} ×` : ''}`,
			met: worst.maxGrowthPerImage <= 3,
		});
		const first = memory.rows[0];
		const last = memory.rows[memory.rows.length - 1];
		if (last.items > first.items) {
			const added = last.medianGrowthBytes - first.medianGrowthBytes;
			list.push({
				goal: 'Peak RSS growth does not grow with N',
				measured: `median N=${first.items}: ${(first.medianGrowthBytes / MB).toFixed(1)} MB, N=${last.items}: ${(last.medianGrowthBytes / MB).toFixed(1)} MB (${last.items - first.items} more images: ${(added / MB).toFixed(1)} MB more)`,
				met: added < memory.imageBytes,
			});
		}
	}
	const limited = result.rateLimits?.filter((r) => r.every > 0) ?? [];
	if (limited.length) {
		list.push({
			goal: 'Under 429s: no item lost',
			measured: limited.map((r) => `${r.name}: ${r.completed}/${r.items}`).join('; '),
			met: limited.every((r) => r.lost === 0),
		});
		list.push({
			goal: 'Under 429s: no job submitted twice',
			measured: limited
				.map((r) => `${r.name}: ${r.traffic.jobs} jobs, ${r.traffic.duplicateJobs} duplicate`)
				.join('; '),
			met: limited.every((r) => r.traffic.duplicateJobs === 0 && r.traffic.jobs === r.items),
		});
	}
	const budget = result.budget?.rows.find((r) => r.items === 100 && r.jobDurationMs === 60_000);
	if (budget) {
		const ratio = budget.ours.wallMs / budget.limitMs;
		const perJob = budget.ours.apiRequests / budget.items;
		const today = budget.today
			? `; today's code ${(budget.today.wallMs / 1000).toFixed(0)} s, ${(budget.today.apiRequests / budget.items).toFixed(1)} requests/job, ${budget.today.status429} × 429`
			: '';
		list.push({
			goal: 'Budget 100/min, N=100, D=60 s: wall ≤ 1.5 × max(D, N / budget)',
			measured: `${(budget.ours.wallMs / 1000).toFixed(1)} s = ${ratio.toFixed(2)} × ${(budget.limitMs / 1000).toFixed(0)} s${today}`,
			met: ratio <= 1.5 && budget.ours.ok === budget.items,
		});
		list.push({
			goal: 'Budget 100/min, N=100, D=60 s: ≤ 1.5 API requests per job, 0 × 429',
			measured: `${perJob.toFixed(2)} requests/job, ${budget.ours.status429} × 429, ${budget.ours.ok}/${budget.items} correct, ${budget.ours.duplicateJobs} duplicate jobs`,
			met: perJob <= 1.5 && budget.ours.status429 === 0,
		});
	}
	return list;
}

function updateBenchmarksMd(result: BenchResult): boolean {
	const path = join(ROOT, 'BENCHMARKS.md');
	let text: string;
	try {
		text = readFileSync(path, 'utf8');
	} catch {
		return false;
	}
	const start = text.indexOf(RESULTS_START);
	const end = text.indexOf(RESULTS_END);
	if (start < 0 || end < start) return false;
	const m = result.machine;
	// `free -h` prints: total used free shared buff/cache available.
	const free = /^free -h: Mem: (\S+) (\S+) (\S+) (\S+) (\S+) (\S+)/.exec(m.memory);
	const memory = free
		? `${free[1]} RAM (free -h: ${free[2]} used, ${free[6]} available)`
		: m.memory;
	const block = [
		RESULTS_START,
		'',
		`Run of ${m.date.slice(0, 10)} (${m.date.slice(11, 16)} UTC), commit ${m.commit}, ${Math.round(result.durationS)} s in all: ${m.cpus} CPUs (nproc; ${m.cpuModel}), ${memory}, Node ${m.node}, ${m.platform}; load average ${m.loadAverageStart.join(' / ')} at the start, ${(m.loadAverageEnd ?? []).join(' / ')} at the end. The same figures are in \`bench/results/latest.json\`.`,
		'',
		...tables(result).flatMap((table) => [renderMarkdown(table), '']),
		RESULTS_END,
	].join('\n');
	writeFileSync(path, text.slice(0, start) + block + text.slice(end + RESULTS_END.length));
	return true;
}

/** Prints a saved run's tables with the current goal checks; refreshes BENCHMARKS.md when it is the reference run. */
function render(file: string): void {
	const path = resolve(file);
	const result = JSON.parse(readFileSync(path, 'utf8')) as BenchResult;
	result.goals = goals(result);
	for (const table of tables(result)) console.log(`${renderText(table)}\n`);
	if (
		path === join(ROOT, 'bench', 'results', 'latest.json') &&
		result.mode === 'full' &&
		updateBenchmarksMd(result)
	)
		console.log('BENCHMARKS.md: results block updated');
}

async function main(): Promise<void> {
	const options = parseArgs(process.argv.slice(2));
	if (options.render) return render(options.render);
	const started = Date.now();
	const log = (line: string): void => console.log(line);
	const result: BenchResult = {
		mode: options.mode,
		machine: machine(),
		durationS: 0,
		goals: [],
	};
	const m = result.machine;
	log(
		`Scenario nodes benchmark (${result.mode}) — ${m.date}, Node ${m.node}, ${m.cpus} CPUs, load ${m.loadAverageStart.join(' / ')}`,
	);

	const p = plan(options.mode);
	const needsSim =
		options.only.has('throughput') ||
		options.only.has('polling') ||
		options.only.has('ratelimits') ||
		options.only.has('budget');
	const sim = needsSim ? await SimProcess.start({ jobDurationMs: 1000 }) : undefined;
	try {
		if (sim && options.only.has('throughput')) {
			log('\n1. Throughput');
			result.throughput = await runThroughput(sim, p.throughput, log);
		}
		if (sim && options.only.has('polling')) {
			log('\n2. Polling cost');
			result.polling = await runPolling(sim, p.polling.durationsMs, p.polling.jobs, log);
		}
		if (sim && options.only.has('ratelimits')) {
			log('\n4. Rate limits');
			result.rateLimits = await runRateLimits(sim, p.rateLimits.cases, p.rateLimits.run, log);
		}
		if (sim && options.only.has('budget')) {
			log('\n6. Request budget');
			result.budget = await runBudget(sim, p.budget, log);
		}
	} finally {
		await sim?.close();
	}
	if (options.only.has('memory')) {
		log('\n3. Memory');
		result.memory = await runMemory(p.memory, log);
	}

	// The goals are about the full sizes; a smoke run checks that every run completes (below).
	result.goals = options.mode === 'smoke' ? [] : goals(result);
	result.machine.loadAverageEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
	result.durationS = Math.round((Date.now() - started) / 1000);
	log('');
	for (const table of tables(result)) log(`${renderText(table)}\n`);

	const out = options.out
		? resolve(options.out)
		: join(
				ROOT,
				'bench',
				'results',
				options.mode === 'full' ? 'latest.json' : `${options.mode}.tmp.json`,
			);
	mkdirSync(dirname(out), { recursive: true });
	writeFileSync(out, `${JSON.stringify(result, null, '\t')}\n`);
	log(`JSON: ${out}`);
	const complete = options.mode === 'full' && !options.out && options.only.size === SECTIONS.length;
	if (complete && updateBenchmarksMd(result)) log('BENCHMARKS.md: results block updated');
	log(`Done in ${result.durationS} s.`);
	if (options.mode === 'smoke') {
		const missing = incomplete(result);
		if (missing.length) throw new Error(`bench --smoke: runs incomplete: ${missing.join('; ')}`);
		log(
			`bench --smoke: ok, every item of every run came through (${[...options.only].join(', ')})`,
		);
	}
}

main()
	.catch((error: unknown) => {
		console.error(error instanceof Error ? (error.stack ?? error.message) : error);
		process.exitCode = 1;
	})
	.finally(() => {
		cleanupHarness();
		// Sockets of n8n's HTTP agents may linger: the run is over.
		setTimeout(() => process.exit(), 200).unref();
	});
