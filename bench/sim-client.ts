/* eslint-disable @n8n/community-nodes/no-dangerous-functions, @n8n/community-nodes/no-restricted-globals, @n8n/community-nodes/no-restricted-imports -- benchmark code, run under Node.js; never shipped, never run inside n8n */
/** Starts bench/sim-process.ts in a child process and drives it over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

import type { FaultRule, RequestBudgetOptions, SimulatorOptions } from '../test/simulator/server';
import type { SimCommand, SimInfo, SimSummary } from './sim-process';

/** execArgv that lets a forked child run TypeScript sources like this process does. */
export const TS_EXEC_ARGV = ['-r', 'ts-node/register/transpile-only'];

const START_TIMEOUT_MS = 60_000;
const COMMAND_TIMEOUT_MS = 60_000;

interface Reply {
	id: number;
	ok: boolean;
	result?: unknown;
	error?: string;
}

export class SimProcess {
	private nextId = 1;

	private readonly pending = new Map<
		number,
		{ resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }
	>();

	private exited = false;

	private constructor(
		private readonly child: ChildProcess,
		readonly info: SimInfo,
	) {
		child.on('message', (message: Reply) => {
			const waiting = this.pending.get(message.id);
			if (!waiting) return;
			this.pending.delete(message.id);
			clearTimeout(waiting.timer);
			if (message.ok) waiting.resolve(message.result);
			else waiting.reject(new Error(`simulator: ${message.error}`));
		});
		child.on('exit', () => {
			this.exited = true;
			for (const [, waiting] of this.pending) {
				clearTimeout(waiting.timer);
				waiting.reject(new Error('the simulator process exited'));
			}
			this.pending.clear();
		});
	}

	static async start(options: SimulatorOptions = {}): Promise<SimProcess> {
		const child = fork(join(__dirname, 'sim-process.ts'), [JSON.stringify(options)], {
			execArgv: TS_EXEC_ARGV,
			stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		});
		const info = await new Promise<SimInfo>((resolve, reject) => {
			const timer = setTimeout(() => {
				child.kill();
				reject(new Error('the simulator process did not start'));
			}, START_TIMEOUT_MS);
			child.once('message', (message: { ready?: boolean; info?: SimInfo }) => {
				clearTimeout(timer);
				if (message.ready && message.info) resolve(message.info);
				else reject(new Error('unexpected first message from the simulator process'));
			});
			child.once('exit', (code) => {
				clearTimeout(timer);
				reject(new Error(`the simulator process exited with code ${code}`));
			});
		});
		return new SimProcess(child, info);
	}

	get baseUrl(): string {
		return this.info.baseUrl;
	}

	get pid(): number {
		return this.info.pid;
	}

	/** The Scenario API credential data for the harness. */
	credentials(): { scenarioApi: Record<string, string> } {
		return {
			scenarioApi: {
				apiKey: this.info.apiKey,
				apiSecret: this.info.apiSecret,
				baseUrl: this.info.baseUrl,
				projectId: '',
			},
		};
	}

	get authorization(): string {
		return `Basic ${Buffer.from(`${this.info.apiKey}:${this.info.apiSecret}`).toString('base64')}`;
	}

	private async command<T>(command: SimCommand): Promise<T> {
		if (this.exited) throw new Error('the simulator process is not running');
		const id = this.nextId++;
		return await new Promise<T>((resolve, reject) => {
			const timer = setTimeout(() => {
				this.pending.delete(id);
				reject(new Error(`simulator command ${command.cmd} timed out`));
			}, COMMAND_TIMEOUT_MS);
			this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
			this.child.send({ ...command, id });
		});
	}

	async reset(): Promise<void> {
		await this.command({ cmd: 'reset' });
	}

	async setJobDuration(ms: number): Promise<void> {
		await this.command({ cmd: 'setJobDuration', ms });
	}

	async setOutputMinBytes(bytes: number): Promise<void> {
		await this.command({ cmd: 'setOutputMinBytes', bytes });
	}

	/** Each project's request budget until the next reset (undefined: none). */
	async setRequestBudget(budget?: RequestBudgetOptions): Promise<void> {
		await this.command({ cmd: 'setRequestBudget', budget });
	}

	/** Fault rules cross the process boundary as JSON: string paths only. */
	async inject(rule: FaultRule): Promise<void> {
		if (rule.path instanceof RegExp) throw new Error('SimProcess.inject: use a string path');
		await this.command({ cmd: 'inject', rule });
	}

	async summary(): Promise<SimSummary> {
		return await this.command<SimSummary>({ cmd: 'summary' });
	}

	async close(): Promise<void> {
		if (this.exited) return;
		const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
		try {
			await this.command({ cmd: 'close' });
		} catch {
			// already gone
		}
		const timer = setTimeout(() => this.child.kill(), 5_000);
		await exited;
		clearTimeout(timer);
	}
}
