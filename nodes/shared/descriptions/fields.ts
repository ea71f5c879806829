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
	/** A model picked already, shown by name in "From list" mode. */
	default?: { value: string; name: string };
	extraModes?: INodeProperties['modes'];
}): INodeProperties {
	return {
		displayName: 'Model',
		name: 'model',
		type: 'resourceLocator',
		required: true,
		default: {
			mode: 'list',
			value: options.default?.value ?? '',
			...(options.default ? { cachedResultName: options.default.name } : {}),
		},
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
		placeholder: 'e.g. data',
		description:
			'The image from the previous step (the name of its binary property, usually data), a URL (e.g. https://example.com/photo.png) or a Scenario asset ID (e.g. asset_…).',
	};
}

/** The chosen model's own inputs, loaded from GET /models/{modelId}; `note` adds to the description. */
export function modelInputsField(displayName = 'Model Inputs', note?: string): INodeProperties {
	return {
		displayName,
		name: 'inputs',
		type: 'resourceMapper',
		noDataExpression: true,
		description: `The chosen model’s own settings, named as Scenario names them. A field left empty is not sent: the model then uses its own default (a field that shows a value, or an option marked (default), is the model’s stated default). Numbers outside the model’s range are refused when the node runs, with the range. An image or file field takes the image from the previous step (the name of its binary property, e.g. data), a URL or a Scenario asset ID (asset_…); a list takes several: one per line, a JSON array, or comma-separated when none is a URL.${note ? ` ${note}` : ''}`,
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
