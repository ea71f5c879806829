/** Tables of a bench run, as plain text for the terminal and as Markdown for BENCHMARKS.md. */
import type { BudgetResult } from './budget';
import type { MemoryBenchResult } from './memory';
import type { PollingRow } from './polling';
import type { RateLimitRow } from './ratelimit';
import type { ThroughputResult } from './throughput';

export interface Machine {
	date: string;
	node: string;
	platform: string;
	cpus: number;
	cpuModel: string;
	memory: string;
	loadAverageStart: number[];
	loadAverageEnd?: number[];
	commit: string;
}

export interface Goal {
	goal: string;
	measured: string;
	met: boolean;
}

export interface BenchResult {
	mode: 'full' | 'quick' | 'smoke';
	machine: Machine;
	durationS: number;
	throughput?: ThroughputResult;
	polling?: PollingRow[];
	memory?: MemoryBenchResult;
	rateLimits?: RateLimitRow[];
	budget?: BudgetResult;
	goals: Goal[];
}

export interface Table {
	title: string;
	head: string[];
	rows: string[][];
	notes: string[];
}

const s1 = (ms: number): string => (ms / 1000).toFixed(2);
const mb = (bytes: number): string => (bytes / 1048576).toFixed(1);

export function tables(result: BenchResult): Table[] {
	const out: Table[] = [];
	const t = result.throughput;
	if (t) {
		const k = t.baselines[0]?.measuredItems ?? 0;
		out.push({
			title: '1. Throughput (Custom Generate, text to image)',
			head: [
				'N',
				'D (s)',
				'Max Concurrent Jobs',
				'waves',
				'wall (s)',
				'ideal (s)',
				'wall / ideal',
				`baseline (s), from ${k} items`,
				'baseline / wall',
				'ok',
				'checks / job',
				'detection median (ms)',
			],
			rows: t.rows.map((r) => [
				String(r.items),
				s1(r.jobDurationMs),
				String(r.maxConcurrentJobs),
				String(r.waves),
				s1(r.wallMs),
				s1(r.idealMs),
				r.wallOverIdeal.toFixed(2),
				(r.baselineMs / 1000).toFixed(0),
				r.baselineOverWall.toFixed(1),
				`${r.ok}/${r.items}`,
				r.traffic.pollsPerJobMean.toFixed(1),
				String(r.traffic.detectionMedianMs),
			]),
			notes: [
				`ideal = D + one submit, status check, asset lookup and download back to back on loopback (median ${t.roundTrips.totalMs} ms: ${t.roundTrips.submitMs} + ${t.roundTrips.checkMs} + ${t.roundTrips.assetMs} + ${t.roundTrips.downloadMs}).`,
				`baseline = one item at a time, checked every 3 s, same transport, through n8n-core; extrapolated: per-item time measured on ${k} items × N (${t.baselines.map((b) => `D=${s1(b.jobDurationMs)} s: ${s1(b.perItemMs)} s per item`).join(', ')}).`,
				'waves = ceil(N / Max Concurrent Jobs): jobs run in that many rounds; the option allows at most 100.',
			],
		});
	}
	const p = result.polling;
	if (p) {
		out.push({
			title: '2. Polling cost',
			head: [
				'D (s)',
				'jobs',
				'checks / job (mean)',
				'checks / job (max)',
				'API requests / job',
				'detection median (ms)',
				'p95 (ms)',
				'max (ms)',
				'every 3 s: checks / job',
				'every 3 s: detection (ms)',
			],
			rows: p.map((r) => [
				s1(r.jobDurationMs),
				String(r.jobs),
				r.traffic.pollsPerJobMean.toFixed(1),
				String(r.traffic.pollsPerJobMax),
				r.traffic.apiRequestsPerJob.toFixed(1),
				String(r.traffic.detectionMedianMs),
				String(r.traffic.detectionP95Ms),
				String(r.traffic.detectionMaxMs),
				String(r.fixedInterval.pollsPerJob),
				String(r.fixedInterval.detectionMs),
			]),
			notes: [
				"checks = GET /jobs/{id} per job (from the simulator log); detection = the simulator's firstSeenTerminalAt − doneAt (planned end to the first check answered with the final status).",
				'API requests / job also counts the submission, GET /models (once per run) and GET /assets/{id}.',
				'"every 3 s" is computed for a fixed 3 s interval (first check 3 s after submission).',
			],
		});
	}
	const m = result.memory;
	if (m) {
		out.push({
			title: `3. Memory (Custom Generate, image in by multipart upload, image out by download, binary data in filesystem mode, Max Concurrent Jobs ${m.maxConcurrentJobs})`,
			head: [
				'N',
				'image (MB)',
				'bytes through the node (MB)',
				'runs',
				'peak RSS growth, median (MB)',
				'max (MB)',
				'max / image',
				'wall (s)',
				'outputs verified',
			],
			rows: m.rows.map((r) => [
				String(r.items),
				mb(m.imageBytes),
				mb(r.runs[0].totalBytes),
				String(r.runs.length),
				mb(r.medianGrowthBytes),
				mb(r.maxGrowthBytes),
				r.maxGrowthPerImage.toFixed(2),
				(r.runs.reduce((sum, run) => sum + run.wallMs, 0) / r.runs.length / 1000).toFixed(1),
				`${r.runs.reduce((sum, run) => sum + run.outputsVerified, 0)}/${r.runs.reduce((sum, run) => sum + run.items, 0)}`,
			]),
			notes: [
				"Each run in a fresh process (simulator in another process): RSS sampled every 10 ms and the kernel's peak (VmHWM, reset after the baseline); growth over the RSS after a warm-up with small images and a full GC.",
				retainedNote(Math.max(...m.rows.flatMap((r) => r.runs.map((run) => run.retainedBytes)))),
				...(m.forcedGc
					? [
							`Diagnostic: ${m.forcedGc.items} items with a full GC forced every ${m.forcedGc.gcEveryMs ?? '?'} ms: peak growth ${mb(m.forcedGc.peakGrowthBytes)} MB (${m.forcedGc.growthPerLargestImage} × image), the memory the node keeps alive; the rest above is garbage V8 had not collected yet.`,
						]
					: []),
			],
		});
	}
	const r = result.rateLimits;
	if (r) {
		out.push({
			title: `4. Rate limits (N = ${r[0].items}, D = ${r[0].jobDurationMs / 1000} s, Max Concurrent Jobs ${r[0].maxConcurrentJobs ?? r[0].items})`,
			head: [
				'429 on',
				'Retry-After',
				'completed',
				'lost',
				'wall (s)',
				'API requests',
				'429 answers',
				'extra requests',
				'jobs',
				'duplicate jobs',
			],
			rows: r.map((row) => [
				row.every
					? `every ${row.every}${row.every === 2 ? 'nd' : row.every === 3 ? 'rd' : 'th'} API request`
					: 'none',
				row.every ? (row.retryAfterS === undefined ? 'none' : `${row.retryAfterS} s`) : '',
				`${row.completed}/${row.items}`,
				String(row.lost),
				s1(row.wallMs),
				String(row.traffic.apiRequests),
				String(row.traffic.status429),
				Number.isNaN(row.extraRequests) ? '' : String(row.extraRequests),
				String(row.traffic.jobs),
				String(row.traffic.duplicateJobs),
			]),
			notes: [
				'extra requests = API requests − those of the run without faults; duplicate jobs = jobs whose prompt (one per item) had already been submitted.',
			],
		});
	}
	const b = result.budget;
	if (b) {
		const ratio = (a: number, c: number) => (a / c).toFixed(2);
		out.push({
			title: `6. Request budget (${b.requestsPerMinute} API requests a minute per project, held by the simulator; Custom Generate, Max Concurrent Jobs min(N, 100))`,
			head: [
				'N',
				'D (s)',
				'wall (s)',
				'limit (s)',
				'wall / limit',
				"today's wall (s)",
				'today / wall',
				'requests / job',
				"today's requests / job",
				'429s',
				"today's 429s",
				'correct',
				"today's correct",
				'duplicate jobs',
			],
			rows: b.rows.map((row) => {
				const t = row.today;
				const x = t?.extrapolatedFrom ? ` (from N=${t.extrapolatedFrom})` : '';
				return [
					String(row.items),
					(row.jobDurationMs / 1000).toFixed(0),
					s1(row.ours.wallMs),
					s1(row.limitMs),
					ratio(row.ours.wallMs, row.limitMs),
					t ? `${s1(t.wallMs)}${x}` : '',
					t ? ratio(t.wallMs, row.ours.wallMs) : '',
					(row.ours.apiRequests / row.items).toFixed(2),
					t ? (t.apiRequests / row.items).toFixed(2) : '',
					String(row.ours.status429),
					t ? String(t.status429) : '',
					`${row.ours.ok}/${row.items}`,
					t ? `${t.ok}/${row.items}` : '',
					String(row.ours.duplicateJobs),
				];
			}),
			notes: [
				`limit = max(D, N × 1 request / budget): every job needs its submission, and the budget lets ${b.requestsPerMinute} through a minute.`,
				`Scaled clock (× ${b.scale}): the simulator and the node count the budget per ${60 / b.scale} s, jobs last D / ${b.scale}; times are shown back on the real clock (× ${b.scale}). The nodes' polling intervals are not scaled, so today's code checks each job less often than it would on the real clock.`,
				`today = the main branch's node (commit ${b.todayCommit ?? 'none'}), built from its sources, in the same run against the same simulator; "from N=…" = extrapolated linearly from that N.`,
				'requests / job = every API request the simulator received (429 answers included) / N; CDN downloads are not API requests.',
			],
		});
	}
	if (result.goals.length)
		out.push({
			title: 'Goals',
			head: ['goal', 'measured', 'met'],
			rows: result.goals.map((g) => [g.goal, g.measured, g.met ? 'yes' : 'NO']),
			notes: [],
		});
	return out;
}

function retainedNote(maxRetained: number): string {
	const where =
		maxRetained <= 0
			? 'back below that baseline in every run'
			: `at most ${mb(maxRetained)} MB above that baseline`;
	return `After each run and a full GC, heap + external memory were ${where}, whatever N: nothing is kept per item.`;
}

export function renderText(table: Table): string {
	const widths = table.head.map((h, i) =>
		Math.max(h.length, ...table.rows.map((r) => (r[i] ?? '').length)),
	);
	// Figures right-aligned, words left-aligned.
	const numeric = table.head.map(
		(_, i) => i > 0 && table.rows.every((r) => /^[-\d.,/ ×]*$/.test(r[i] ?? '')),
	);
	const line = (cells: string[]) =>
		cells
			.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
			.join('  ')
			.trimEnd();
	return [
		table.title,
		line(table.head),
		widths.map((w) => '-'.repeat(w)).join('  '),
		...table.rows.map(line),
		...table.notes.map((n) => `  ${n}`),
	].join('\n');
}

export function renderMarkdown(table: Table): string {
	const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
	return [
		`#### ${table.title}`,
		'',
		row(table.head),
		row(
			table.head.map((_, i) =>
				i > 0 && table.rows.every((r) => /^[-\d.,/ ×]*$/.test(r[i] ?? '')) ? '---:' : '---',
			),
		),
		...table.rows.map(row),
		...(table.notes.length ? ['', ...table.notes.map((n) => `- ${n}`)] : []),
	].join('\n');
}
