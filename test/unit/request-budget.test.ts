/* eslint-disable @n8n/community-nodes/no-restricted-globals -- test code, run by jest under Node.js; never shipped, never run inside n8n */
import type { INode } from 'n8n-workflow';

import {
	PRIORITY,
	RequestBudget,
	budgetFor,
	resetBudgets,
	setBudgetWindow,
} from '../../nodes/shared/transport/request-budget';

const node = { name: 'Scenario', type: 'test', typeVersion: 1, parameters: {} } as unknown as INode;

afterEach(() => {
	setBudgetWindow(50); // test/setup/budget-clock.ts
	resetBudgets();
});

describe('RequestBudget', () => {
	it('lets the budget through at once, then holds the rest until the window frees', async () => {
		setBudgetWindow(300);
		const budget = new RequestBudget(3);
		const started: number[] = [];
		const t0 = Date.now();
		await Promise.all(
			Array.from({ length: 5 }, async () => {
				const answered = await budget.take(node, PRIORITY.watch);
				started.push(Date.now() - t0);
				answered();
			}),
		);
		expect(started.filter((ms) => ms < 100)).toHaveLength(3);
		expect(started.filter((ms) => ms >= 300)).toHaveLength(2);
	});

	it('serves waiting submissions before routine checks, first come first served within a level', async () => {
		setBudgetWindow(200);
		const budget = new RequestBudget(1);
		(await budget.take(node, PRIORITY.watch))();
		const order: string[] = [];
		const wait = async (name: string, priority: number) => {
			const answered = await budget.take(node, priority);
			order.push(name);
			answered();
		};
		await Promise.all([
			wait('check 1', PRIORITY.watch),
			wait('check 2', PRIORITY.watch),
			wait('submit', PRIORITY.submit),
			wait('finish', PRIORITY.finish),
		]);
		expect(order).toEqual(['submit', 'finish', 'check 1', 'check 2']);
	});

	it('a refusal naming a wait pauses every call of the budget', async () => {
		const budget = new RequestBudget(100);
		budget.pauseFor(250);
		const t0 = Date.now();
		await budget.take(node, PRIORITY.submit);
		expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
	});

	it('a request on its way holds its place until its answer, plus the window', async () => {
		setBudgetWindow(100);
		const budget = new RequestBudget(1);
		const answered = await budget.take(node, PRIORITY.watch);
		let second = false;
		const next = budget.take(node, PRIORITY.watch).then((done) => {
			second = true;
			done();
		});
		await new Promise((resolve) => setTimeout(resolve, 250));
		expect(second).toBe(false);
		const t0 = Date.now();
		answered();
		await next;
		expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
	});

	it('a canceled call leaves the queue at once', async () => {
		setBudgetWindow(10_000);
		const budget = new RequestBudget(1);
		await budget.take(node, PRIORITY.watch);
		const controller = new AbortController();
		const waiting = budget.take(node, PRIORITY.watch, controller.signal);
		controller.abort();
		await expect(waiting).rejects.toThrow('The execution was canceled');
	});

	it('is one per project for the process; a node giving the option sets its size', () => {
		const a = budgetFor('project a');
		expect(a.perWindow).toBe(100);
		expect(budgetFor('project a', 40)).toBe(a);
		expect(a.perWindow).toBe(40);
		// A call without the option (a list search in the editor) keeps the size.
		expect(budgetFor('project a').perWindow).toBe(40);
		expect(budgetFor('project b')).not.toBe(a);
	});
});
