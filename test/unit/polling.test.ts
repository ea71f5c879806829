import { PollSchedule, POLL_CAP_MS } from '../../nodes/shared/execute/job-polling';
import type { JobStatus } from '../../nodes/shared/model/api-types';
import { DEFAULT_RETRY_POLICY } from '../../nodes/shared/transport/connection';
import {
	backoffDelay,
	describeWait,
	parseRetryAfter,
	requestedWait,
} from '../../nodes/shared/transport/request';

/** Status at a fraction of the duration: the recorded job's path (pending, queued, in-progress). */
function recordedPath(fraction: number): JobStatus {
	return fraction < 0.05 ? 'pending' : fraction < 0.15 ? 'queued' : 'in-progress';
}

/** Every documented status, as the simulator's jobs pass them (test/simulator/jobs.ts). */
function allPhases(fraction: number): JobStatus {
	if (fraction < 0.15)
		return fraction < 0.05 ? 'pending' : fraction < 0.1 ? 'queued' : 'warming-up';
	return fraction < 0.9 ? 'in-progress' : 'finalizing';
}

/**
 * Replays a linear job of `durationMs` (not running for the first 15 %, progress rising from
 * then to the end) against the schedule.
 */
function simulate(
	durationMs: number,
	statusAt: (fraction: number) => JobStatus = recordedPath,
): { polls: number; detectionDelayMs: number } {
	const schedule = new PollSchedule();
	let now = schedule.first();
	let polls = 0;
	for (;;) {
		polls++;
		const fraction = now / durationMs;
		if (fraction >= 1) return { polls, detectionDelayMs: now - durationMs };
		const status = statusAt(fraction);
		const progress = fraction >= 0.15 ? (fraction - 0.15) / 0.85 : 0;
		now += schedule.next({ status, progress }, now);
	}
}

describe('adaptive polling', () => {
	it.each([1_000, 5_000, 10_000, 60_000])(
		'follows a %d ms job with few polls and a short detection delay',
		(duration) => {
			const { polls, detectionDelayMs } = simulate(duration);
			expect(detectionDelayMs).toBeLessThanOrEqual(1_000);
			expect(polls).toBeLessThanOrEqual(duration <= 10_000 ? 6 : 12);
		},
	);

	it.each([1_000, 5_000, 10_000, 60_000])(
		'follows a %d ms job through warming-up and finalizing as well',
		(duration) => {
			const { polls, detectionDelayMs } = simulate(duration, allPhases);
			expect(detectionDelayMs).toBeLessThanOrEqual(1_000);
			expect(polls).toBeLessThanOrEqual(duration <= 10_000 ? 6 : 12);
		},
	);

	it('keeps estimating from progress through finalizing, instead of backing off there', () => {
		// The estimate of a 10 s job ends just short of its end, in finalizing (the bench saw
		// this: detection 6 s late while the node backed off in finalizing).
		const schedule = new PollSchedule();
		for (const at of [400, 1_040, 2_064]) schedule.next({ status: 'queued', progress: 0 }, at);
		schedule.next({ status: 'in-progress', progress: 0.2 }, 3_000);
		schedule.next({ status: 'in-progress', progress: 0.5 }, 6_000);
		// 0.3 in 3 s: at 0.95 the job has about 0.5 s to go.
		const delay = schedule.next({ status: 'finalizing', progress: 0.95 }, 9_500);
		expect(delay).toBeGreaterThanOrEqual(500);
		expect(delay).toBeLessThanOrEqual(700);
	});

	it('backs off to the cap while a job shows no progress', () => {
		const schedule = new PollSchedule();
		const delays = Array.from({ length: 12 }, () =>
			schedule.next({ status: 'queued', progress: 0 }),
		);
		expect(delays[0]).toBeGreaterThan(schedule.first());
		expect(Math.max(...delays)).toBe(POLL_CAP_MS);
		expect(delays).toEqual([...delays].sort((a, b) => a - b));
	});
});

describe('retry timing', () => {
	it('reads Retry-After as seconds or as an HTTP date', () => {
		expect(parseRetryAfter('2')).toBe(2_000);
		expect(parseRetryAfter(['0'])).toBe(0);
		const now = Date.parse('2026-11-23T10:00:00Z');
		expect(parseRetryAfter('Mon, 23 Nov 2026 10:00:05 GMT', now)).toBe(5_000);
		expect(parseRetryAfter('soon')).toBeUndefined();
		expect(parseRetryAfter(undefined)).toBeUndefined();
	});

	it('reads a 429 cooldown from the body (remainingSeconds) like Retry-After, the longer one winning', () => {
		const cooldown = { reason: 'cooldown', remainingSeconds: 900 };
		expect(requestedWait(429, {}, cooldown)).toBe(900_000);
		expect(requestedWait(429, { 'retry-after': '5' }, cooldown)).toBe(900_000);
		expect(requestedWait(429, { 'retry-after': '5' }, { remainingSeconds: 2 })).toBe(5_000);
		expect(requestedWait(429, {}, { remainingSeconds: '3' })).toBe(3_000);
		// Like Scenario's Blender client: a cooldown of 0 or less, or not a number, is no cooldown.
		expect(requestedWait(429, {}, { remainingSeconds: 0 })).toBeUndefined();
		expect(requestedWait(429, {}, { remainingSeconds: 'soon' })).toBeUndefined();
		// Only a 429 carries a cooldown body.
		expect(requestedWait(503, {}, cooldown)).toBeUndefined();
		expect(requestedWait(503, { 'retry-after': '0' }, cooldown)).toBe(0);
		expect(requestedWait(429, undefined, 'Too Many Requests')).toBeUndefined();
	});

	it('says a wait in words', () => {
		expect(describeWait(30_000)).toBe('30 s');
		expect(describeWait(900_000)).toBe('15 min');
		expect(describeWait(3 * 3_600_000 + 60_000)).toBe('3 h 1 min');
	});

	it('grows exponentially with jitter inside [step/2, step] up to the cap', () => {
		for (let attempt = 1; attempt <= 8; attempt++) {
			const step = Math.min(
				DEFAULT_RETRY_POLICY.maxDelayMs,
				DEFAULT_RETRY_POLICY.baseDelayMs * 2 ** (attempt - 1),
			);
			for (let i = 0; i < 20; i++) {
				const delay = backoffDelay(attempt, DEFAULT_RETRY_POLICY);
				expect(delay).toBeGreaterThanOrEqual(step / 2);
				expect(delay).toBeLessThanOrEqual(step);
			}
		}
	});
});
