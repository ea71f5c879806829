/* eslint-disable @n8n/community-nodes/no-restricted-globals -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Scenario Wait for Job in Check Once mode, through n8n-core: one look per job, finished jobs to
 * Done (with their images), the others to Still Running with what a Wait node loop needs.
 */
import { suggestedWait } from '../../nodes/shared/execute/check-job';
import type { ScenarioJob } from '../../nodes/shared/model/api-types';
import { ScenarioSimulator } from '../simulator/server';
import { sniffImage } from '../simulator/png';
import { runNode } from '../harness';
import {
	credentialTypes,
	credentialsFor,
	mapped,
	modelById,
	nodeTypes,
	runScenarioNode,
	TYPES,
} from '../support/scenario-nodes';

let sim: ScenarioSimulator;
beforeAll(async () => {
	sim = await ScenarioSimulator.start({ jobDurationMs: 300 });
});
afterEach(() => sim.reset());
afterAll(async () => await sim.close());

/** Starts `count` jobs (Wait for Completion off) and returns their ids. */
async function startJobs(count: number, durationMs: number): Promise<string[]> {
	sim.setJobDuration(durationMs);
	const started = await runScenarioNode(sim, {
		type: 'customGenerate',
		parameters: {
			model: modelById('model_openai-gpt-image-2'),
			inputs: mapped({ prompt: 'a paper boat' }),
			options: { waitForCompletion: false },
		},
		items: Array.from({ length: count }, () => ({ json: {} })),
	});
	expect(started.error).toBeUndefined();
	return started.items.map((item) => item.json.jobId as string);
}

const checkOnce = (items: Array<{ json: Record<string, unknown> }>, options = {}) =>
	runScenarioNode(sim, {
		type: 'waitForJob',
		parameters: { jobId: '={{ $json.jobId }}', mode: 'checkOnce', downloadImages: true, options },
		items: items as never,
	});

const jobChecks = () => sim.calls('GET', /^\/v1\/jobs\/job_/);
const cancels = () => sim.calls('POST', /\/action$/);

describe('Scenario Wait for Job: Check Once', () => {
	it('routes finished jobs to Done with their images and running ones to Still Running', async () => {
		const [done] = await startJobs(1, 50);
		const [running] = await startJobs(1, 60_000);
		await new Promise((resolve) => setTimeout(resolve, 400));
		const result = await checkOnce([{ json: { jobId: running } }, { json: { jobId: done } }]);
		expect(result.error).toBeUndefined();

		const finished = result.output('Node Under Test', 0);
		expect(finished).toHaveLength(1);
		expect(finished[0].json).toMatchObject({ jobId: done, status: 'success' });
		expect(finished[0].pairedItem).toEqual({ item: 1 });
		expect(sniffImage(await result.binary(finished[0]))?.mimeType).toBe('image/png');

		const waiting = result.output('Node Under Test', 1);
		expect(waiting).toHaveLength(1);
		expect(waiting[0].json).toEqual({
			jobId: running,
			modelId: 'model_openai-gpt-image-2',
			status: expect.not.stringMatching(/^(success|failure|canceled)$/),
			progress: expect.any(Number),
			estimatedCost: null,
			billedCost: null,
			billedCostDetails: null,
			checks: 1,
			suggestedWaitSeconds: expect.any(Number),
		});
		expect(waiting[0].json.suggestedWaitSeconds).toBeGreaterThanOrEqual(70);
		expect(waiting[0].pairedItem).toEqual({ item: 0 });
		expect(waiting[0].binary).toBeUndefined();
		// One look per job, nothing canceled.
		expect(jobChecks()).toHaveLength(2);
		expect(cancels()).toHaveLength(0);
	});

	it('loops: each pass looks once, counts its checks, and ends on Done with the same job', async () => {
		const [jobId] = await startJobs(1, 1_200);
		// As a generating node hands it over: the estimate rides along to the Done items.
		let items: Array<{ json: Record<string, unknown> }> = [
			{ json: { jobId, estimatedCost: 7.25 } },
		];
		let passes = 0;
		let finished: Array<{ json: Record<string, unknown> }> = [];
		while (finished.length === 0 && passes < 20) {
			passes++;
			const result = await checkOnce(items, { shortestWaitSeconds: 1 });
			expect(result.error).toBeUndefined();
			finished = result.output('Node Under Test', 0);
			const waiting = result.output('Node Under Test', 1);
			expect(finished.length + waiting.length).toBe(1);
			if (waiting.length) {
				expect(waiting[0].json).toMatchObject({ checks: passes, estimatedCost: 7.25 });
				items = waiting.map((item) => ({ json: item.json }));
				// What a Wait node of suggestedWaitSeconds would do, shortened for the test.
				await new Promise((resolve) => setTimeout(resolve, 300));
			}
		}
		expect(passes).toBeGreaterThan(1);
		expect(finished[0].json).toMatchObject({
			jobId,
			status: 'success',
			estimatedCost: 7.25,
			billedCost: expect.any(Number),
			billedCostDetails: { 'quality-gate': expect.any(Number) },
		});
		expect(jobChecks()).toHaveLength(passes);
		expect(sim.calls('POST', '/generate/')).toHaveLength(1);
	});

	it('gives up at Max Checks with an error carrying the job id, leaving the job running', async () => {
		const [jobId] = await startJobs(1, 60_000);
		const result = await runScenarioNode(sim, {
			type: 'waitForJob',
			parameters: { jobId: '={{ $json.jobId }}', mode: 'checkOnce', options: { maxChecks: 3 } },
			items: [{ json: { jobId, checks: 2 } }],
			continueOnFail: true,
		});
		const [item] = result.output('Node Under Test', 0);
		expect(item.json.error).toMatch(
			new RegExp(`^Scenario job ${jobId} is still [a-z-]+ after 3 checks \\[item 0\\]$`),
		);
		expect(item.json.jobId).toBe(jobId);
		expect(result.output('Node Under Test', 1)).toHaveLength(0);
		expect(cancels()).toHaveLength(0);
	});

	it('sends a failing item to the error output, after the two main outputs', async () => {
		const [jobId] = await startJobs(1, 60_000);
		const result = await runScenarioNode(sim, {
			type: 'waitForJob',
			parameters: { jobId: '={{ $json.jobId }}', mode: 'checkOnce' },
			items: [{ json: { jobId } }, { json: { jobId: 'job_doesNotExist0000' } }],
			settings: { onError: 'continueErrorOutput' },
		});
		expect(result.output('Node Under Test', 0)).toHaveLength(0);
		expect(result.output('Node Under Test', 1).map((item) => item.json.jobId)).toEqual([jobId]);
		const errors = result.output('Node Under Test', 2);
		expect(errors).toHaveLength(1);
		expect(errors[0].json.error).toMatch(/job_doesNotExist0000/);
		expect(errors[0].pairedItem).toEqual({ item: 1 });
	});
});

it('as an AI tool (type …Tool, whose first output is all an agent reads) it waits instead of checking once', async () => {
	const [jobId] = await startJobs(1, 600);
	const toolType = `${TYPES.waitForJob}Tool`;
	const result = await runNode({
		nodeTypes: { ...nodeTypes, [toolType]: nodeTypes[TYPES.waitForJob] },
		credentialTypes,
		credentials: credentialsFor(sim),
		node: {
			type: toolType,
			typeVersion: 1,
			parameters: { jobId: '={{ $json.jobId }}', mode: 'checkOnce', downloadImages: false },
		},
		items: [{ json: { jobId } }],
	});
	expect(result.error).toBeUndefined();
	expect(result.output('Node Under Test', 0).map((item) => item.json.status)).toEqual(['success']);
});

describe('suggestedWait', () => {
	const running = (progress: number, runningForS: number, now: number): ScenarioJob => ({
		jobId: 'job_x',
		status: 'in-progress',
		progress,
		statusHistory: [
			{ status: 'queued', date: new Date(now - runningForS * 1000 - 5_000).toISOString() },
			{ status: 'in-progress', date: new Date(now - runningForS * 1000).toISOString() },
		],
	});
	const now = Date.parse('2026-12-01T12:00:00Z');

	it('estimates the rest of the job from its progress since it began running', () => {
		// A quarter done after 60 s running: about 180 s to go.
		expect(suggestedWait(running(0.25, 60, now), 70, now)).toBe(180);
	});
	it('never suggests less than the shortest wait, nor more than an hour', () => {
		expect(suggestedWait(running(0.9, 90, now), 70, now)).toBe(70);
		expect(suggestedWait(running(0.001, 600, now), 70, now)).toBe(3600);
	});
	it('without progress or dates, suggests the shortest wait', () => {
		expect(suggestedWait({ jobId: 'job_x', status: 'queued' }, 70, now)).toBe(70);
	});
});
