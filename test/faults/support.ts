/* eslint-disable @n8n/community-nodes/no-hardcoded-secrets, @n8n/community-nodes/no-restricted-globals -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Shared helpers of the faults / bad input / security / recorded-model suites: a simulator
 * holding a distinctive secret, category counters that print their totals, and the checks every
 * run goes through (no secret anywhere, no Authorization header off the API origin).
 */
import type { INodeExecutionData } from 'n8n-workflow';

import type { HarnessInputItem, RunNodeResult } from '../harness';
import { ScenarioSimulator, type RequestLogEntry } from '../simulator/server';
import { runScenarioNode, type ScenarioRun } from '../support/scenario-nodes';

/** A secret no code path would produce by chance: finding it anywhere means it leaked. */
export const CANARY_SECRET = 'sim-secret-CANARY-9f3b';
export const CANARY_KEY = 'sim-key-faults';

export async function startSimulator(jobDurationMs = 120): Promise<ScenarioSimulator> {
	return await ScenarioSimulator.start({
		apiKey: CANARY_KEY,
		apiSecret: CANARY_SECRET,
		jobDurationMs,
	});
}

/** Every form the credential could leak in: the secret, the Basic token, the token's base64 alone. */
export function secretForms(sim: ScenarioSimulator): string[] {
	const token = Buffer.from(`${sim.apiKey}:${sim.apiSecret}`).toString('base64');
	return [sim.apiSecret, token, encodeURIComponent(sim.apiSecret)];
}

// ----- category counters -----

interface Counts {
	started: number;
	passed: number;
}

const printed = new Set<string>();

/**
 * `it` that counts the cases it ran per category; an `afterAll` prints
 * `<category>: N passed, M failed` once the file is done. The counts are of executed cases
 * (a skipped or filtered-out case is not counted).
 */
export function category(name: string) {
	const counts: Counts = { started: 0, passed: 0 };
	afterAll(() => {
		if (printed.has(name)) return;
		printed.add(name);
		// Started but not passed: failed, or abandoned at Jest's timeout.
		const line = `${name}: ${counts.passed} passed, ${counts.started - counts.passed} failed`;
		// Straight to the terminal (console.log would add a stack frame to every line).
		process.stdout.write(`\n  [reliability suite] ${line}\n`);
	});
	const test = (title: string, fn: () => Promise<void> | void, timeout?: number) =>
		it(
			title,
			async () => {
				counts.started++;
				await fn();
				counts.passed++;
			},
			timeout,
		);
	return { test, counts };
}

// ----- runs with the standing checks -----

export interface CheckedRun extends RunNodeResult {
	elapsedMs: number;
}

/**
 * Runs a node and applies the checks that hold for every case: the credential appears in no
 * output item, error (message, description, anything else n8n stored) or log line, and no
 * request to the CDN or upload origin carried an Authorization header.
 */
export async function run(sim: ScenarioSimulator, spec: ScenarioRun): Promise<CheckedRun> {
	const started = Date.now();
	const result = await runScenarioNode(sim, spec);
	const elapsedMs = Date.now() - started;
	expectNoLeak(sim, result);
	expectNoAuthorizationOffApi(sim.log);
	return Object.assign(result, { elapsedMs });
}

/** JSON of anything, cycles and Buffers tamed, so a search over it sees every string. */
export function deepText(value: unknown): string {
	const seen = new WeakSet<object>();
	return JSON.stringify(value, (_key, v: unknown) => {
		if (Buffer.isBuffer(v)) return v.toString('latin1');
		if (v instanceof Error)
			return { name: v.name, message: v.message, stack: v.stack, ...(v as object) };
		if (v && typeof v === 'object') {
			if (seen.has(v)) return '[cycle]';
			seen.add(v);
		}
		if (typeof v === 'bigint') return String(v);
		return v;
	});
}

export function expectNoLeak(sim: ScenarioSimulator, result: RunNodeResult): void {
	const places: Record<string, unknown> = {
		items: result.items,
		outputs: result.outputs,
		error: result.error,
		errorMessage: result.error?.message,
		errorDescription: result.error?.description,
		errorStack: result.error?.stack,
		nodeError: result.nodeError,
		resultData: result.run.data.resultData,
		logs: result.logs,
	};
	for (const [where, value] of Object.entries(places)) {
		const text = deepText(value) ?? '';
		for (const secret of secretForms(sim)) {
			if (text.includes(secret))
				throw new Error(`The API secret (as "${secret.slice(0, 6)}…") leaked into ${where}`);
		}
	}
}

export function expectNoAuthorizationOffApi(log: RequestLogEntry[]): void {
	const offenders = log.filter(
		(entry) => entry.origin !== 'api' && entry.headers.authorization !== undefined,
	);
	expect(offenders.map((entry) => `${entry.origin} ${entry.method} ${entry.path}`)).toEqual([]);
}

// ----- items and outcomes -----

/** `n` items with a distinct prompt each, so requests can be told apart per item. */
export function promptItems(
	n: number,
	tag: string,
	withImage?: (i: number) => HarnessInputItem['binary'],
): HarnessInputItem[] {
	return Array.from({ length: n }, (_, i) => ({
		json: { prompt: `${tag} item ${i}` },
		binary: withImage?.(i),
	}));
}

/** Which input item an output item belongs to. */
export function pairedIndex(item: INodeExecutionData): number {
	const paired = item.pairedItem;
	const first = Array.isArray(paired) ? paired[0] : paired;
	if (typeof first === 'number') return first;
	if (!first || typeof first.item !== 'number')
		throw new Error(`output item without pairedItem: ${JSON.stringify(item.json)}`);
	return first.item;
}

/** Each input yields exactly one output item (numOutputs 1): pairedItems cover 0..n-1 once each, in order. */
export function expectOnePerInput(items: INodeExecutionData[], n: number): void {
	expect(items.map(pairedIndex)).toEqual(Array.from({ length: n }, (_, i) => i));
}

export const isErrorItem = (item: INodeExecutionData): boolean =>
	typeof item.json.error === 'string';

/**
 * Generation POSTs per item, told apart by the prompt: a second POST for the same item is only
 * allowed after Scenario refused the previous one with 429 (its rate limit: it took nothing).
 */
export function expectNoDuplicateSubmission(
	sim: ScenarioSimulator,
	prompts: string[],
): Map<string, RequestLogEntry[]> {
	const posts = sim.calls('POST', '/generate/').filter((entry) => entry.query.dryRun !== 'true');
	const byPrompt = new Map<string, RequestLogEntry[]>();
	for (const post of posts) {
		const prompt = String((post.body as { prompt?: unknown } | undefined)?.prompt);
		byPrompt.set(prompt, [...(byPrompt.get(prompt) ?? []), post]);
	}
	for (const prompt of byPrompt.keys()) expect(prompts).toContain(prompt);
	for (const prompt of prompts) {
		const sent = (byPrompt.get(prompt) ?? []).sort((a, b) => a.at - b.at);
		const refusedFirst = sent.slice(0, -1).map((entry) => entry.status);
		expect({
			prompt,
			statuses: refusedFirst.filter((status) => status !== 429),
		}).toEqual({ prompt, statuses: [] });
	}
	return byPrompt;
}

export const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));
