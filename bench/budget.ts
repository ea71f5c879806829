/* eslint-disable @n8n/community-nodes/no-dangerous-functions, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports, @typescript-eslint/no-require-imports -- benchmark code, run under Node.js; never shipped, never run inside n8n */
/**
 * Benchmark 6, request budget: Custom Generate against a simulator that holds each project to
 * Scenario's stated 100 API requests a minute (429 with remainingSeconds past it), next to the
 * limit max(D, N × 1 request / budget) and to today's code (the main branch's node, built from
 * `git archive main` into bench/.baseline/, run in the same process against the same simulator).
 *
 * On a scaled clock: the budget counts per 6 s instead of a minute (for the simulator and the
 * node alike, setBudgetWindow) and jobs last D / 10, so the section takes minutes; the ratios
 * are what count. The nodes' own polling intervals are not scaled: today's code makes fewer
 * checks per job on the scaled clock than it would on the real one (in its favour).
 */
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { INodeType } from 'n8n-workflow';

import { resetBudgets, setBudgetWindow } from '../nodes/shared/transport/request-budget';
import { promptItems, runCustomGenerate } from './nodes';
import type { SimProcess } from './sim-client';
import { round, seconds, trafficStats } from './stats';

export interface BudgetPlan {
	items: number[];
	/** Job durations on the real clock (the run uses durationMs / scale). */
	durationsMs: number[];
	/** How many times faster the clock runs (10: a minute's budget per 6 s, jobs D / 10). */
	scale: number;
	requestsPerMinute: number;
	/** Today's code is measured up to this N and extrapolated beyond (× N / this). */
	baselineUpTo: number;
}

export interface BudgetRun {
	wallMs: number;
	apiRequests: number;
	status429: number;
	jobs: number;
	duplicateJobs: number;
	ok: number;
	/** Measured at another N and scaled (wall × N / measured N). */
	extrapolatedFrom?: number;
}

export interface BudgetRow {
	items: number;
	/** On the real clock. */
	jobDurationMs: number;
	/** max(D, N × window / budget), on the real clock. */
	limitMs: number;
	ours: BudgetRun;
	today?: BudgetRun;
}

export interface BudgetResult {
	scale: number;
	requestsPerMinute: number;
	/** The commit today's code was built from. */
	todayCommit?: string;
	rows: BudgetRow[];
}

const ROOT = resolve(__dirname, '..');

/**
 * The main branch's Custom Generate, from its sources (git archive into bench/.baseline/<commit>,
 * which resolves n8n-workflow from this checkout's node_modules). Undefined when there is no
 * main branch (a CI checkout).
 */
function todaysNode(): { node: INodeType; commit: string } | undefined {
	let commit: string;
	try {
		commit = execSync('git rev-parse --short main', { cwd: ROOT, encoding: 'utf8' }).trim();
	} catch {
		return undefined;
	}
	const dir = join(ROOT, 'bench', '.baseline', commit);
	if (!existsSync(join(dir, 'nodes'))) {
		mkdirSync(dir, { recursive: true });
		execSync(`git archive ${commit} nodes credentials | tar -x -C ${JSON.stringify(dir)}`, {
			cwd: ROOT,
		});
	}
	const module = require(
		join(dir, 'nodes', 'ScenarioCustomGenerate', 'ScenarioCustomGenerate.node.ts'),
	) as { ScenarioCustomGenerate: new () => INodeType };
	return { node: new module.ScenarioCustomGenerate(), commit };
}

async function measure(
	sim: SimProcess,
	plan: BudgetPlan,
	items: number,
	jobDurationMs: number,
	nodeType: INodeType | undefined,
	tag: string,
): Promise<BudgetRun> {
	const windowMs = 60_000 / plan.scale;
	await sim.reset();
	await sim.setJobDuration(jobDurationMs / plan.scale);
	await sim.setRequestBudget({ requests: plan.requestsPerMinute, windowMs });
	resetBudgets();
	const run = await runCustomGenerate(sim.credentials(), promptItems(items, tag), {
		maxConcurrentJobs: Math.min(items, 100),
		continueOnFail: true,
		requestsPerMinute: plan.requestsPerMinute,
		nodeType,
	});
	const traffic = trafficStats(await sim.summary());
	await sim.setRequestBudget(undefined);
	const ok = run.result.items.filter((item) => item.binary?.data && !item.json.error).length;
	return {
		wallMs: Math.round(run.wallMs * plan.scale),
		apiRequests: traffic.apiRequests,
		status429: traffic.status429,
		jobs: traffic.jobs,
		duplicateJobs: traffic.duplicateJobs,
		ok,
	};
}

export async function runBudget(
	sim: SimProcess,
	plan: BudgetPlan,
	log: (line: string) => void,
): Promise<BudgetResult> {
	const today = todaysNode();
	const windowMs = 60_000 / plan.scale;
	setBudgetWindow(windowMs);
	const rows: BudgetRow[] = [];
	try {
		for (const jobDurationMs of plan.durationsMs) {
			let todayAtLargest: { items: number; run: BudgetRun } | undefined;
			for (const items of plan.items) {
				const limitMs = Math.max(jobDurationMs, (items * 60_000) / plan.requestsPerMinute);
				const ours = await measure(sim, plan, items, jobDurationMs, undefined, `budget ours`);
				let todayRun: BudgetRun | undefined;
				if (today && items <= plan.baselineUpTo) {
					todayRun = await measure(sim, plan, items, jobDurationMs, today.node, 'budget today');
					todayAtLargest = { items, run: todayRun };
				} else if (todayAtLargest) {
					const k = items / todayAtLargest.items;
					const r = todayAtLargest.run;
					todayRun = {
						wallMs: Math.round(r.wallMs * k),
						apiRequests: Math.round(r.apiRequests * k),
						status429: Math.round(r.status429 * k),
						jobs: items,
						duplicateJobs: Math.round(r.duplicateJobs * k),
						ok: Math.round(r.ok * k),
						extrapolatedFrom: todayAtLargest.items,
					};
				}
				rows.push({ items, jobDurationMs, limitMs, ours, today: todayRun });
				log(
					`  N=${items} D=${jobDurationMs / 1000} s: ${seconds(ours.wallMs)} s (limit ${seconds(limitMs)} s, ${round(ours.wallMs / limitMs)} ×), ${round(ours.apiRequests / items)} requests/job, ${ours.status429} × 429, ${ours.ok}/${items} ok` +
						(todayRun
							? `; today's code ${seconds(todayRun.wallMs)} s, ${round(todayRun.apiRequests / items)} requests/job, ${todayRun.status429} × 429, ${todayRun.ok}/${items} ok${todayRun.extrapolatedFrom ? ` (extrapolated from N=${todayRun.extrapolatedFrom})` : ''}`
							: ''),
				);
			}
		}
	} finally {
		setBudgetWindow(60_000);
		resetBudgets();
		await sim.reset();
	}
	return {
		scale: plan.scale,
		requestsPerMinute: plan.requestsPerMinute,
		todayCommit: today?.commit,
		rows,
	};
}
