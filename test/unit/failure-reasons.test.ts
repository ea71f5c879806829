import { jobFailureReason } from '../../nodes/shared/execute/job-outcome';
import type { ScenarioJob } from '../../nodes/shared/model/api-types';
import { scenarioApiError, scenarioMessage } from '../../nodes/shared/transport/errors';
import { nodeStub } from '../support/scenario-nodes';

const node = nodeStub();

const failed = (extra: Record<string, unknown>, metadata: Record<string, unknown> = {}) =>
	({ jobId: 'job_x', status: 'failure', ...extra, metadata }) as unknown as ScenarioJob;

describe('why a job failed, from every place Scenario puts it', () => {
	it('reads metadata.error, the place the simulator and our fixtures use', () => {
		expect(jobFailureReason(failed({}, { error: 'NSFW content detected' }))).toEqual({
			reason: 'NSFW content detected',
			hint: undefined,
		});
	});

	it.each([['error'], ['errorMessage'], ['failureReason'], ['reason']])(
		'reads a top-level %s before metadata.error',
		(key) => {
			const job = failed({ [key]: 'the provider timed out' }, { error: 'generic failure' });
			expect(jobFailureReason(job).reason).toBe('the provider timed out');
		},
	);

	it('takes them in the order Scenario’s Blender client does', () => {
		const job = failed(
			{ errorMessage: 'second', failureReason: 'third', reason: 'fourth', error: 'first' },
			{ error: 'fifth' },
		);
		expect(jobFailureReason(job).reason).toBe('first');
		expect(jobFailureReason(failed({ reason: 'fourth' }, { error: 'fifth' })).reason).toBe(
			'fourth',
		);
	});

	it('uses metadata.hint as the reason when nothing else is given, and keeps it as advice otherwise', () => {
		expect(jobFailureReason(failed({}, { hint: 'Try a smaller image' }))).toEqual({
			reason: 'Try a smaller image',
			hint: 'Try a smaller image',
		});
		expect(
			jobFailureReason(failed({}, { error: 'too large', hint: 'Try a smaller image' })),
		).toEqual({ reason: 'too large', hint: 'Try a smaller image' });
	});

	it('reads the message inside an error object and skips empty values', () => {
		const job = failed({ error: { message: 'quota exceeded' }, errorMessage: '' });
		expect(jobFailureReason(job).reason).toBe('quota exceeded');
		expect(jobFailureReason(failed({ error: '  ' }, { error: 'real reason' })).reason).toBe(
			'real reason',
		);
		expect(jobFailureReason(failed({})).reason).toBeUndefined();
	});
});

describe('Scenario’s error bodies', () => {
	it('reads reason, message, error, detail in that order', () => {
		expect(scenarioMessage({ reason: 'Custom models only are supported for this endpoint' })).toBe(
			'Custom models only are supported for this endpoint',
		);
		expect(scenarioMessage({ message: 'API Keys cannot access protected resources' })).toBe(
			'API Keys cannot access protected resources',
		);
		expect(scenarioMessage({ detail: 'Invalid payload' })).toBe('Invalid payload');
		expect(scenarioMessage({ message: 'second', reason: 'first' })).toBe('first');
		expect(scenarioMessage({ error: { message: 'nested' } })).toBe('nested');
	});

	it('keeps a trace id (traceId or trace_id) in the message and the stored answer', () => {
		for (const key of ['traceId', 'trace_id']) {
			const error = scenarioApiError(
				node,
				500,
				{ reason: 'Internal error', [key]: 'trace-abc-123' },
				{ action: 'Submitting the generation with model_x' },
			);
			expect(error.message).toBe(
				'Submitting the generation with model_x failed: Internal error (HTTP 500) (trace id trace-abc-123)',
			);
			expect(error.errorResponse).toMatchObject({ traceId: 'trace-abc-123' });
		}
	});

	it('adds what the node has to say after Scenario’s message, before the job id', () => {
		const error = scenarioApiError(
			node,
			429,
			{ reason: 'cooldown', remainingSeconds: 900 },
			{ action: 'Checking the job', jobId: 'job_x', detail: 'Scenario asks to wait 15 min' },
		);
		expect(error.message).toBe(
			'Checking the job failed: cooldown (HTTP 429). Scenario asks to wait 15 min [job job_x]',
		);
	});
});
