/**
 * "On Error: Continue (using error output)" on both n8n lines. n8n-core's
 * WorkflowExecute.handleNodeErrorOutput picks the items that go to the error output; the rule
 * differs between the lines, and the nodes' error items must satisfy the rule of the n8n they
 * run in (nodes/shared/execute/run-per-item.ts, errorOutputTakesDetails). The 2.x rule also runs
 * for real in test/integration/n8n-semantics.test.ts (n8n-core 2.40.3), and both in the real-n8n
 * e2e (test/e2e: 1.123.81, 2.40.7, 2.41.1).
 */
import type { IExecuteFunctions, INode, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { errorOutputTakesDetails, everyItemFails } from '../../nodes/shared/execute/run-per-item';
import { nodeStub } from '../support/scenario-nodes';

/**
 * n8n 1.123.81 (n8n-core 1.122.48), dist/execution-engine/workflow-execute.js, in
 * handleNodeErrorOutput:
 *
 *     if (item.error) {
 *         errorData = item.error;
 *     }
 *     else if (item.json.error && Object.keys(item.json).length === 1) {
 *         errorData = item.json.error;
 *     }
 *     else if (item.json.error && item.json.message && Object.keys(item.json).length === 2) {
 *         errorData = item.json.error;
 *     }
 */
const routesOn1x = (item: INodeExecutionData): boolean =>
	Boolean(item.error) ||
	(Boolean(item.json.error) && Object.keys(item.json).length === 1) ||
	(Boolean(item.json.error) && Boolean(item.json.message) && Object.keys(item.json).length === 2);

/**
 * n8n 2.40.7 (n8n-core 2.40.3), the same place:
 *
 *     if (item.error) {
 *         errorData = item.error;
 *     }
 *     else if (item.json.error &&
 *         Object.keys(item.json).every((key) => ['error', 'message', 'details'].includes(key))) {
 *         errorData = item.json.error;
 *     }
 */
const routesOn2x = (item: INodeExecutionData): boolean =>
	Boolean(item.error) ||
	(Boolean(item.json.error) &&
		Object.keys(item.json).every((key) => ['error', 'message', 'details'].includes(key)));

/**
 * A node context as each line's n8n-core hands it to a node, as far as error items go: n8n 2.x's
 * has isNodeFeatureEnabled, n8n 1.123's does not (its NodeExecutionContext ends with
 * setSignatureValidationRequired where 2.x's has isNodeFeatureEnabled).
 */
function context(line: '1.x' | '2.x', onError: INode['onError'], items = 1): IExecuteFunctions {
	const node = { ...nodeStub(), onError };
	const ctx: Partial<IExecuteFunctions> = {
		continueOnFail: () => true,
		getNode: () => node,
		getInputData: () => Array.from({ length: items }, (_, i) => ({ json: { input: i } })),
	};
	if (line === '2.x') ctx.isNodeFeatureEnabled = () => false;
	return ctx as IExecuteFunctions;
}

const apiError = () =>
	new NodeApiError(
		nodeStub(),
		{ message: 'Model "model_nope" was not found on Scenario' },
		{
			message: 'Model "model_nope" was not found on Scenario',
			description: 'Check the id',
			httpCode: '404',
		},
	);

describe('error items on n8n 1.x and 2.x', () => {
	it('tells the lines apart by their node context', () => {
		expect(errorOutputTakesDetails(context('2.x', 'continueErrorOutput'))).toBe(true);
		expect(errorOutputTakesDetails(context('1.x', 'continueErrorOutput'))).toBe(false);
	});

	it('n8n 2.x: the fields under details, and n8n 2.x routes the item to the error output (unchanged)', () => {
		const [item] = everyItemFails(context('2.x', 'continueErrorOutput'), apiError());
		expect(item.json).toEqual({
			error: expect.stringMatching(/"model_nope" was not found on Scenario/),
			details: { description: 'Check the id', httpCode: '404' },
		});
		expect(routesOn2x(item)).toBe(true);
		// The shape 1.x would not take: this is the item that went down the success branch there.
		expect(routesOn1x(item)).toBe(false);
	});

	it('n8n 1.x: the fields under message, which both rules route to the error output', () => {
		const items = everyItemFails(context('1.x', 'continueErrorOutput', 2), apiError());
		expect(items).toHaveLength(2);
		for (const [index, item] of items.entries()) {
			expect(item.json).toEqual({
				error: expect.stringMatching(/"model_nope" was not found on Scenario/),
				message: { description: 'Check the id', httpCode: '404' },
			});
			expect(item.pairedItem).toEqual({ item: index });
			expect(routesOn1x(item)).toBe(true);
			// Were the line told wrong, the item would still go to the error output.
			expect(routesOn2x(item)).toBe(true);
		}
	});

	it('n8n 1.x: an error without fields still carries message, so it still routes', () => {
		const [item] = everyItemFails(
			context('1.x', 'continueErrorOutput'),
			new NodeOperationError(nodeStub(), 'The credential is missing'),
		);
		expect(item.json).toEqual({ error: expect.stringMatching(/credential/), message: {} });
		expect(routesOn1x(item)).toBe(true);
	});

	it.each(['1.x', '2.x'] as const)(
		'"Continue" (regular output) keeps the fields beside error on n8n %s',
		(line) => {
			const [item] = everyItemFails(context(line, 'continueRegularOutput'), apiError());
			expect(item.json).toEqual({
				error: expect.stringMatching(/not found/),
				description: 'Check the id',
				httpCode: '404',
			});
		},
	);
});
