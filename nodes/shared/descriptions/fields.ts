import type { INodeProperties, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { MODEL_ID_PATTERN } from '../model/model-cache';

/**
 * The parts of a node description all four nodes share. (Name, icon, subtitle and usableAsTool
 * stay literal in each node file, where n8n's lint rules look for them.)
 */
export const scenarioNodeCommon = {
	group: ['transform'],
	version: 1,
	inputs: [NodeConnectionTypes.Main],
	outputs: [NodeConnectionTypes.Main],
	credentials: [{ name: 'scenarioApi', required: true }],
} satisfies Partial<INodeTypeDescription>;

/** The model picker: a searchable list (one API page per scroll) or an id. */
export function modelLocator(options: {
	listMethod: string;
	description: string;
	default?: string;
	extraModes?: INodeProperties['modes'];
}): INodeProperties {
	return {
		displayName: 'Model',
		name: 'model',
		type: 'resourceLocator',
		required: true,
		default: { mode: options.default ? 'id' : 'list', value: options.default ?? '' },
		description: options.description,
		modes: [
			...(options.extraModes ?? []),
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: 'Select a model...',
				typeOptions: { searchListMethod: options.listMethod, searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. model_openai-gpt-image-2',
				validation: [
					{
						type: 'regex',
						properties: { regex: MODEL_ID_PATTERN, errorMessage: 'A model id looks like model_…' },
					},
				],
			},
		],
	};
}

/** Where an input image comes from: a binary property, an asset id or a URL. */
export function imageField(displayName: string): INodeProperties {
	return {
		displayName,
		name: 'image',
		type: 'string',
		required: true,
		default: 'data',
		description:
			'A binary property of the incoming item, a Scenario asset ID (asset_…) or an image URL',
	};
}

/** The chosen model's own inputs, loaded from GET /models/{modelId}; `note` adds to the description. */
export function modelInputsField(displayName = 'Model Inputs', note?: string): INodeProperties {
	return {
		displayName,
		name: 'inputs',
		type: 'resourceMapper',
		noDataExpression: true,
		description: `The chosen model’s own inputs. A file input takes a binary property of the incoming item (e.g. data), an asset ID (asset_…) or a URL. A list takes several: one per line, a JSON array, or comma-separated when none is a URL (URLs may hold commas).${note ? ` ${note}` : ''}`,
		default: { mappingMode: 'defineBelow', value: null },
		required: true,
		typeOptions: {
			loadOptionsDependsOn: ['model.value'],
			resourceMapper: {
				resourceMapperMethod: 'getModelInputs',
				mode: 'add',
				valuesLabel: displayName,
				fieldWords: { singular: 'input', plural: 'inputs' },
				addAllFields: true,
				multiKeyMatch: false,
				supportAutoMap: false,
				noFieldsError: 'This model has no inputs of its own.',
			},
		},
	};
}
