import type { INode } from 'n8n-workflow';
import { NodeOperationError, sleep } from 'n8n-workflow';

/** The execution was canceled (the user stopped it): not an item's failure, never an error item. */
export class ExecutionCanceledError extends NodeOperationError {
	constructor(node: INode) {
		super(node, 'The execution was canceled');
	}
}

/** The error for a canceled execution (a factory, so catch blocks can throw it as is). */
export const canceled = (node: INode) => new ExecutionCanceledError(node);

export function throwIfCanceled(node: INode, signal?: AbortSignal): void {
	if (signal?.aborted) throw canceled(node);
}

/** Waits, but gives up at once when the execution is canceled. */
export async function pause(node: INode, ms: number, signal?: AbortSignal): Promise<void> {
	throwIfCanceled(node, signal);
	if (ms <= 0) return;
	try {
		await sleep(ms, signal);
	} catch {
		throw canceled(node);
	}
}
