import type { INode, INodeType, ResourceMapperValue } from 'n8n-workflow';

import { ScenarioApi } from '../../credentials/ScenarioApi.credentials';
import { ScenarioCustomGenerate } from '../../nodes/ScenarioCustomGenerate/ScenarioCustomGenerate.node';
import { ScenarioImg2Img } from '../../nodes/ScenarioImg2Img/ScenarioImg2Img.node';
import { ScenarioPromptEdit } from '../../nodes/ScenarioPromptEdit/ScenarioPromptEdit.node';
import { ScenarioWaitForJob } from '../../nodes/ScenarioWaitForJob/ScenarioWaitForJob.node';
import {
	runNode,
	runWorkflow,
	type HarnessBinaryMode,
	type HarnessInputItem,
	type RunNodeResult,
} from '../harness';
import { renderPicture } from '../simulator/png';
import type { ScenarioSimulator } from '../simulator/server';

/** The package's node types under the names n8n gives them once installed. */
export const TYPES = {
	customGenerate: 'n8n-nodes-scenario.scenarioCustomGenerate',
	promptEdit: 'n8n-nodes-scenario.scenarioPromptEdit',
	img2img: 'n8n-nodes-scenario.scenarioImg2Img',
	waitForJob: 'n8n-nodes-scenario.scenarioWaitForJob',
} as const;

export const nodeTypes: Record<string, INodeType> = {
	[TYPES.customGenerate]: new ScenarioCustomGenerate(),
	[TYPES.promptEdit]: new ScenarioPromptEdit(),
	[TYPES.img2img]: new ScenarioImg2Img(),
	[TYPES.waitForJob]: new ScenarioWaitForJob(),
};

export const credentialTypes = { scenarioApi: new ScenarioApi() };

/** One of our nodes as a workflow holds it, for code that takes an INode (errors, plans). */
export const nodeStub = (
	type: keyof typeof TYPES = 'customGenerate',
	name = 'Scenario',
): INode => ({
	id: 'node',
	name,
	type: TYPES[type],
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
});

export function credentialsFor(sim: ScenarioSimulator, extra: Record<string, string> = {}) {
	return {
		scenarioApi: {
			apiKey: sim.apiKey,
			apiSecret: sim.apiSecret,
			baseUrl: sim.baseUrl,
			projectId: '',
			...extra,
		},
	};
}

export interface ScenarioRun {
	type: keyof typeof TYPES;
	parameters: Record<string, unknown>;
	items?: HarnessInputItem[];
	continueOnFail?: boolean;
	/** The node's settings: On Error, Retry On Fail (retryOnFail, maxTries, waitBetweenTries). */
	settings?: {
		onError?: 'continueRegularOutput' | 'continueErrorOutput' | 'stopWorkflow';
		retryOnFail?: boolean;
		maxTries?: number;
		waitBetweenTries?: number;
	};
	binaryMode?: HarnessBinaryMode;
	signal?: AbortSignal;
	credentials?: Record<string, string>;
}

/** Runs one of our nodes through n8n-core's WorkflowExecute, fed by `items`. */
export async function runScenarioNode(
	sim: ScenarioSimulator,
	run: ScenarioRun,
): Promise<RunNodeResult> {
	return await runNode({
		nodeTypes,
		credentialTypes,
		credentials: credentialsFor(sim, run.credentials),
		node: {
			type: TYPES[run.type],
			typeVersion: 1,
			parameters: run.parameters as never,
			continueOnFail: run.continueOnFail,
			...run.settings,
		},
		items: run.items ?? [{ json: {} }],
		binaryMode: run.binaryMode ?? 'filesystem',
		signal: run.signal,
	});
}

export { runWorkflow };

/** A real PNG a person can open, different per seed text. */
export const pngImage = (seedText = 'input', size = 64): Buffer =>
	renderPicture(seedText, size, size);

export const imageItem = (
	seedText = 'input',
	json: Record<string, unknown> = {},
): HarnessInputItem => ({
	json: json as never,
	binary: {
		data: { data: pngImage(seedText), mimeType: 'image/png', fileName: `${seedText}.png` },
	},
});

/** A resource-mapper value as the editor stores it. */
export const mapped = (value: Record<string, unknown>): ResourceMapperValue => ({
	mappingMode: 'defineBelow',
	value: value as ResourceMapperValue['value'],
	matchingColumns: [],
	schema: [],
	attemptToConvertTypes: false,
	convertFieldsToString: false,
});

export const modelById = (id: string) => ({ __rl: true, mode: 'id', value: id });
