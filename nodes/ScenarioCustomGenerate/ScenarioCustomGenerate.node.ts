import type {
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeExecutionData,
	INodeListSearchResult,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import { modelInputsField, modelLocator, scenarioNodeCommon } from '../shared/descriptions/fields';
import { generationOptions } from '../shared/descriptions/options';
import { customSubmission, executeGenerations } from '../shared/execute/generation';
import { readModelId, readModelInputs } from '../shared/execute/parameters';
import { searchModels } from '../shared/methods/list-search';
import { modelInputsMapping } from '../shared/methods/resource-mapping';
import { toolDescriptionField } from '../shared/descriptions/tool-description';

export class ScenarioCustomGenerate implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Scenario Custom Generate',
		name: 'scenarioCustomGenerate',
		icon: { light: 'file:scenario.svg', dark: 'file:scenario.dark.svg' },
		subtitle: '={{$parameter["model"].cachedResultName || $parameter["model"].value}}',
		description:
			'Generate images (or video, 3D, audio) with any Scenario model, using that model’s own inputs',
		defaults: { name: 'Scenario Custom Generate' },
		usableAsTool: true,
		...scenarioNodeCommon,
		properties: [
			toolDescriptionField(
				'Generates images (or video, 3D or audio) with the Scenario model set in this node, from the inputs given, and waits until they are ready.',
			),
			modelLocator({
				listMethod: 'searchModels',
				description: 'The Scenario model to run. Its inputs appear below once chosen.',
			}),
			modelInputsField(),
			generationOptions,
		],
	};

	methods = {
		listSearch: {
			async searchModels(
				this: ILoadOptionsFunctions,
				filter?: string,
				paginationToken?: string,
			): Promise<INodeListSearchResult> {
				return await searchModels(this, filter, paginationToken);
			},
		},
		resourceMapping: {
			getModelInputs: modelInputsMapping(),
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeGenerations(this, async (itemIndex, { run, models, state }) => {
			state.modelId = readModelId(this, itemIndex);
			const model = await models.get(state.modelId, itemIndex);
			return await customSubmission(this, run, itemIndex, model, readModelInputs(this, itemIndex));
		});
	}
}
