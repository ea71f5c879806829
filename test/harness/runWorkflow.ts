/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/require-node-api-error -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Runs n8n nodes through n8n-core's real execution engine (WorkflowExecute), the way the n8n
 * server runs a manual execution: real node execution contexts, real parameter/expression
 * resolution, real `httpRequestWithAuthentication`, real binary-data service, real
 * continueOnFail / pairedItem handling, real cancellation.
 *
 * Adapted from n8n's unpublished packages/core/nodes-testing/node-test-harness.ts to the
 * published n8n-core 2.40.3.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';

import { ExecutionLifecycleHooks, ExternalSecretsProxy, WorkflowExecute } from 'n8n-core';
import { BINARY_ENCODING, UnexpectedError, Workflow } from 'n8n-workflow';
import type {
	ExecutionError,
	ExecutionStatus,
	IBinaryData,
	ICredentialType,
	IConnections,
	INode,
	INodeExecutionData,
	INodeType,
	IRun,
	IRunData,
	ITaskData,
	IVersionedNodeType,
	IWorkflowBase,
	IWorkflowExecuteAdditionalData,
	IWorkflowSettings,
	WorkflowExecuteMode,
} from 'n8n-workflow';

import { HarnessCredentialsHelper, HarnessCredentialTypes } from './credentials-helper';
import type { HarnessCredentials } from './credentials-helper';
import { createBinaryStore, ensureEnvironment, exclusive } from './environment';
import type { BinaryStore, HarnessBinaryMode, HarnessLogEntry } from './environment';
import { HarnessNodeTypes } from './node-types';
import { TEST_ITEMS_SOURCE_TYPE, TestItemsSource } from './test-items-source.node';
import type { HarnessInputItem } from './test-items-source.node';

export type { HarnessCredentials } from './credentials-helper';
export type { HarnessBinaryMode, HarnessLogEntry } from './environment';
export type { HarnessBinaryInput, HarnessInputItem } from './test-items-source.node';

export interface RunOptions {
	/** Node type name (e.g. 'n8n-nodes-scenario.scenarioCustomGenerate') → instance. */
	nodeTypes: Record<string, INodeType | IVersionedNodeType>;
	/** Credential type name (e.g. 'scenarioApi') → instance. */
	credentialTypes?: Record<string, ICredentialType>;
	/** Credential data by credential type name. */
	credentials?: HarnessCredentials;
	nodes: INode[];
	connections: IConnections;
	/** n8n's binary data mode. 'filesystem': binaries kept on disk in a temp folder. Default 'default'. */
	binaryMode?: HarnessBinaryMode;
	/** Aborting it cancels the execution (the running node sees `getExecutionCancelSignal()` abort). */
	signal?: AbortSignal;
	/** Node to start from. Default: the first enabled node without incoming main connections. */
	startNode?: string;
	/** Default 'manual' (what the editor's "Execute workflow" uses). */
	mode?: WorkflowExecuteMode;
	/** Extra workflow settings (executionOrder defaults to 'v1' like new workflows). */
	settings?: IWorkflowSettings;
}

export interface RunResult {
	/** The full IRun WorkflowExecute resolved with. */
	run: IRun;
	status: ExecutionStatus;
	runData: IRunData;
	/** Items a node emitted on `outputIndex` (default 0) in `runIndex` (default 0). [] if none. */
	output(nodeName: string, outputIndex?: number, runIndex?: number): INodeExecutionData[];
	/** Task data of a node's run, undefined if it did not run. */
	task(nodeName: string, runIndex?: number): ITaskData | undefined;
	/**
	 * The first node error recorded in runData (`runData[node][i].error`), else
	 * `run.data.resultData.error` (e.g. ManualExecutionCancelledError). A node error can be set
	 * with status 'success' when the node threw and the engine's continueOnFail/onError kept
	 * going (then the node's output is its input items, or the error output).
	 * NB: n8n stores errors as spread plain objects (`{ ...error, message, stack }`), not Error
	 * instances — compare `.name` / `.message`, not `instanceof`.
	 */
	error?: ExecutionError;
	/**
	 * True when the harness cancelled the execution (the signal aborted). `status` is then
	 * 'canceled' if the node returned after seeing the abort, or 'error' if it threw an error whose
	 * message lacks "canceled" (n8n-core's own rule in processSuccessExecution).
	 */
	cancelled: boolean;
	/** Names of nodes in the order they finished. */
	executionOrder: string[];
	/** What n8n logged during the run (LoggerProxy + node `this.logger` + ErrorReporter). */
	logs: HarnessLogEntry[];
	/** The bytes of a binary property, whether stored inline ('default') or on disk ('filesystem'). */
	binary(item: INodeExecutionData, prop?: string): Promise<Buffer>;
	/** The same as a stream; read it to the end or destroy it, or its file stays open. */
	binaryStream(item: INodeExecutionData, prop?: string): Promise<Readable>;
	/** Metadata of a binary property (throws if missing). */
	binaryData(item: INodeExecutionData, prop?: string): IBinaryData;
	/** Where the filesystem store keeps this run's binaries. */
	binaryStoragePath: string;
	/** Deletes this run's binary files now (otherwise: at process exit / cleanupHarness()). */
	cleanup(): void;
}

const WORKFLOW_ID = 'harness-workflow';

function pickStartNode(workflow: Workflow, nodes: INode[], startNode?: string): INode {
	if (startNode !== undefined) {
		const node = workflow.getNode(startNode);
		if (!node) throw new UnexpectedError(`Test harness: start node "${startNode}" not found`);
		return node;
	}
	const withInput = new Set(Object.keys(workflow.connectionsByDestinationNode));
	const first = nodes.find((n) => !n.disabled && !withInput.has(n.name));
	const node = first ? workflow.getNode(first.name) : workflow.getStartNode();
	if (!node) throw new UnexpectedError('Test harness: no node to start the workflow from');
	return node;
}

function buildAdditionalData(
	credentialsHelper: HarnessCredentialsHelper,
	hooks: ExecutionLifecycleHooks,
	executionId: string,
): IWorkflowExecuteAdditionalData {
	const base = 'http://localhost:5678';
	const notAvailable = (what: string) => async () => {
		throw new UnexpectedError(`Test harness: ${what} is not available`);
	};
	return {
		hooks,
		credentialsHelper,
		executionId,
		workflowId: WORKFLOW_ID,
		userId: 'harness-user',
		currentNodeExecutionIndex: 0,
		restApiUrl: `${base}/rest`,
		instanceBaseUrl: `${base}/`,
		formBaseUrl: `${base}/form`,
		formWaitingBaseUrl: `${base}/form-waiting`,
		formTestBaseUrl: `${base}/form-test`,
		webhookBaseUrl: `${base}/webhook`,
		webhookWaitingBaseUrl: `${base}/webhook-waiting`,
		webhookTestBaseUrl: `${base}/webhook-test`,
		mcpBaseUrl: `${base}/mcp`,
		mcpTestBaseUrl: `${base}/mcp-test`,
		variables: {},
		// No secrets provider registered: `$secrets` lookups fail like on an instance without any.
		externalSecretsProxy: new ExternalSecretsProxy(),
		executeWorkflow: notAvailable('executeWorkflow (sub-workflows)'),
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		logAiEvent: () => {},
		startRunnerTask: notAvailable('startRunnerTask (Code node task runner)'),
	};
}

function binaryOf(item: INodeExecutionData, prop: string): IBinaryData {
	const data = item.binary?.[prop];
	if (!data) {
		throw new UnexpectedError(
			`Test harness: item has no binary property "${prop}" (has: ${Object.keys(item.binary ?? {}).join(', ') || 'none'})`,
		);
	}
	return data;
}

async function execute(opts: RunOptions, store: BinaryStore): Promise<RunResult> {
	const env = ensureEnvironment();
	const logs: HarnessLogEntry[] = [];
	env.logger.sink = logs;

	const nodeTypes = new HarnessNodeTypes(opts.nodeTypes);
	for (const node of opts.nodes) nodeTypes.getByName(node.type); // fail early & clearly

	const credentialTypes = new HarnessCredentialTypes(opts.credentialTypes ?? {});
	const credentialsHelper = new HarnessCredentialsHelper(
		credentialTypes,
		structuredClone(opts.credentials ?? {}),
	);

	// Workflow mutates nodes (fills in default parameters) — work on a copy.
	const nodes = structuredClone(opts.nodes);
	const connections = structuredClone(opts.connections);
	const settings: IWorkflowSettings = { executionOrder: 'v1', ...opts.settings };
	const workflow = new Workflow({
		id: WORKFLOW_ID,
		name: 'Harness workflow',
		nodes,
		connections,
		nodeTypes,
		settings,
		staticData: {},
		active: false,
	});

	const executionId = randomUUID();
	const mode = opts.mode ?? 'manual';
	const now = new Date();
	const workflowData: IWorkflowBase = {
		id: WORKFLOW_ID,
		name: 'Harness workflow',
		active: false,
		isArchived: false,
		activeVersionId: null,
		createdAt: now,
		updatedAt: now,
		nodes,
		connections,
		settings,
	};
	const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowData);
	const executionOrder: string[] = [];
	hooks.addHandler('nodeExecuteAfter', (nodeName) => {
		executionOrder.push(nodeName);
	});

	const additionalData = buildAdditionalData(credentialsHelper, hooks, executionId);
	const workflowExecute = new WorkflowExecute(additionalData, mode);
	const startNode = pickStartNode(workflow, nodes, opts.startNode);

	const execution = workflowExecute.run({ workflow, startNode });
	const { signal } = opts;
	// Cancelling the PCancelable aborts WorkflowExecute's AbortController (what the node sees
	// as getExecutionCancelSignal()). n8n sets `shouldReject = false`, so the promise still
	// resolves — once the engine has actually unwound — with status 'canceled'.
	let cancelled = false;
	const onAbort = () => {
		cancelled = true;
		execution.cancel();
	};
	if (signal) {
		if (signal.aborted) onAbort();
		else signal.addEventListener('abort', onAbort, { once: true });
	}
	let run: IRun;
	try {
		run = await execution;
	} finally {
		signal?.removeEventListener('abort', onAbort);
	}

	const runData = run.data.resultData.runData;
	const nodeError = Object.values(runData)
		.flat()
		.find((task) => task.error !== undefined)?.error;
	const error = nodeError ?? run.data.resultData.error;

	const { service } = store;
	return {
		run,
		status: run.status,
		runData,
		output: (nodeName, outputIndex = 0, runIndex = 0) =>
			runData[nodeName]?.[runIndex]?.data?.main?.[outputIndex] ?? [],
		task: (nodeName, runIndex = 0) => runData[nodeName]?.[runIndex],
		error,
		cancelled,
		executionOrder,
		logs,
		binaryData: (item, prop = 'data') => binaryOf(item, prop),
		binary: async (item, prop = 'data') => await service.getAsBuffer(binaryOf(item, prop)),
		binaryStream: async (item, prop = 'data') => {
			const data = binaryOf(item, prop);
			if (data.id) return await service.getAsStream(data.id);
			return Readable.from([Buffer.from(data.data, BINARY_ENCODING)]);
		},
		binaryStoragePath: store.storagePath,
		cleanup: store.dispose,
	};
}

/** Runs a workflow through n8n-core's WorkflowExecute. Runs are serialised (container-global state). */
export async function runWorkflow(opts: RunOptions): Promise<RunResult> {
	return await exclusive(async () => {
		const store = await createBinaryStore(opts.binaryMode ?? 'default');
		try {
			return await execute(opts, store);
		} catch (error) {
			store.dispose();
			throw error;
		}
	});
}

export interface RunNodeSpec extends Partial<Omit<INode, 'type' | 'typeVersion'>> {
	type: string;
	typeVersion: number;
}

export interface RunNodeOptions {
	nodeTypes: Record<string, INodeType | IVersionedNodeType>;
	credentialTypes?: Record<string, ICredentialType>;
	/** Credential data by type. Each given type is also attached to the node (`node.credentials`). */
	credentials?: HarnessCredentials;
	/** The node under test; `name` defaults to 'Node Under Test'. */
	node: RunNodeSpec;
	/** Input items, emitted by a test-only source node; binaries go through prepareBinaryData. */
	items: HarnessInputItem[];
	binaryMode?: HarnessBinaryMode;
	signal?: AbortSignal;
	settings?: IWorkflowSettings;
}

export interface RunNodeResult extends RunResult {
	nodeName: string;
	/** The node under test's items on output 0 (with continueOnFail: including `{ json: { error } }` items). */
	items: INodeExecutionData[];
	/** All its main outputs (e.g. onError 'continueErrorOutput' adds an error output). */
	outputs: INodeExecutionData[][];
	/** The node under test's own error, if it failed (also set when continueOnFail kept the run going). */
	nodeError?: ExecutionError;
}

export const SOURCE_NODE_NAME = 'Test Items Source';
export const NODE_UNDER_TEST_NAME = 'Node Under Test';

/** Builds `Test Items Source → node` and runs it. */
export async function runNode(opts: RunNodeOptions): Promise<RunNodeResult> {
	const { node: spec } = opts;
	const name = spec.name ?? NODE_UNDER_TEST_NAME;
	const credentials: INode['credentials'] = { ...spec.credentials };
	for (const type of Object.keys(opts.credentials ?? {})) {
		credentials[type] ??= { id: `${type}-id`, name: `${type} (test)` };
	}
	const nodeUnderTest: INode = {
		id: randomUUID(),
		position: [200, 0],
		parameters: {},
		...spec,
		name,
		credentials,
	};
	const source: INode = {
		id: randomUUID(),
		name: SOURCE_NODE_NAME,
		type: TEST_ITEMS_SOURCE_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	};
	const result = await runWorkflow({
		nodeTypes: { ...opts.nodeTypes, [TEST_ITEMS_SOURCE_TYPE]: new TestItemsSource(opts.items) },
		credentialTypes: opts.credentialTypes,
		credentials: opts.credentials,
		nodes: [source, nodeUnderTest],
		connections: {
			[SOURCE_NODE_NAME]: { main: [[{ node: name, type: 'main', index: 0 }]] },
		},
		binaryMode: opts.binaryMode,
		signal: opts.signal,
		startNode: SOURCE_NODE_NAME,
		settings: opts.settings,
	});
	const outputs = result.task(name)?.data?.main?.map((items) => items ?? []) ?? [];
	return {
		...result,
		nodeName: name,
		items: outputs[0] ?? [],
		outputs,
		nodeError: result.task(name)?.error,
	};
}
