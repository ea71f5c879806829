import type {
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeExecutionData,
	INodeListSearchResult,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import {
	imageField,
	modelInputsField,
	modelLocator,
	scenarioNodeCommon,
} from '../shared/descriptions/fields';
import { generationOptions } from '../shared/descriptions/options';
import { toolDescriptionField } from '../shared/descriptions/tool-description';
import { customSubmission, executeGenerations } from '../shared/execute/generation';
import { readModelId, readModelInputs, readText } from '../shared/execute/parameters';
import { searchModels } from '../shared/methods/list-search';
import { modelInputsMapping } from '../shared/methods/resource-mapping';
import type { ScenarioModel } from '../shared/model/api-types';
import { imageSlot, placeImages, strengthSlot } from '../shared/model/image-slots';
import { asLegacyImg2Img, isCustomModel } from '../shared/model/legacy-img2img';
import { inputError } from '../shared/transport/errors';

/** Custom models run through their own inputs; SD/Flux-family models through the legacy endpoint's. */
const formModel = (model: ScenarioModel): ScenarioModel =>
	isCustomModel(model) ? model : asLegacyImg2Img(model);

/** Inputs this node shows as its own fields (image, prompt, strength), left out of "Model Options". */
function withoutOwnInputs(model: ScenarioModel): ScenarioModel {
	const inputs = model.inputs ?? [];
	const own = new Set(['prompt', imageSlot(inputs)?.name, strengthSlot(inputs)?.name]);
	return { ...model, inputs: inputs.filter((input) => !own.has(input.name)) };
}

export class ScenarioImg2Img implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Scenario Img2Img',
		name: 'scenarioImg2Img',
		icon: { light: 'file:scenario.svg', dark: 'file:scenario.dark.svg' },
		subtitle: '={{"Strength " + $parameter["strength"]}}',
		description:
			'Transform an image with a prompt; Strength sets how far the result may move from it',
		defaults: { name: 'Scenario Img2Img' },
		usableAsTool: true,
		...scenarioNodeCommon,
		properties: [
			toolDescriptionField(
				'Makes new images from one image and a prompt with the Scenario model set in this node (the strength says how far from the image they may go), and waits until they are ready.',
			),
			imageField('Image'),
			{
				displayName: 'Prompt',
				name: 'prompt',
				type: 'string',
				default: '',
				typeOptions: { rows: 3 },
				description: 'What the result should show. Required by most models.',
			},
			{
				displayName: 'Strength',
				name: 'strength',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
				default: 0.6,
				description:
					'0 keeps the image, 1 ignores it. Used by models with a strength input (SD/Flux families, Flux Dev, Patina …); models that take images only as references ignore it.',
			},
			modelLocator({
				listMethod: 'searchImg2ImgModels',
				description: 'Models with the img2img capability: your own and Scenario’s public ones',
			}),
			modelInputsField('Model Options'),
			generationOptions,
		],
	};

	methods = {
		listSearch: {
			async searchImg2ImgModels(
				this: ILoadOptionsFunctions,
				filter?: string,
				paginationToken?: string,
			): Promise<INodeListSearchResult> {
				return await searchModels(
					this,
					filter,
					paginationToken,
					(m) => m.capabilities?.includes('img2img') === true,
				);
			},
		},
		resourceMapping: {
			getModelInputs: modelInputsMapping({
				view: (_conn, model) => withoutOwnInputs(formModel(model)),
			}),
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeGenerations(this, async (itemIndex, { run, models, state }) => {
			const node = this.getNode();
			const image = readText(this, itemIndex, 'image', {
				field: 'Image',
				hint: 'give a binary property name, an asset ID or a URL',
			});
			const prompt = readText(this, itemIndex, 'prompt');
			const strength = this.getNodeParameter('strength', itemIndex, 0.6) as unknown;
			if (typeof strength !== 'number' || !(strength >= 0 && strength <= 1)) {
				throw inputError(
					node,
					itemIndex,
					'Strength',
					`must be a number from 0 to 1, got ${JSON.stringify(strength)}`,
				);
			}

			state.modelId = readModelId(this, itemIndex);
			const chosen = await models.get(state.modelId, itemIndex);
			if (!chosen.capabilities?.includes('img2img')) {
				throw inputError(
					node,
					itemIndex,
					'Model',
					`${chosen.id} has no img2img capability (it has: ${(chosen.capabilities ?? []).join(', ') || 'none'})`,
				);
			}
			const model = formModel(chosen);
			const inputs = model.inputs ?? [];
			const values = readModelInputs(this, itemIndex);
			if (prompt) {
				if (!inputs.some((input) => input.name === 'prompt'))
					throw inputError(
						node,
						itemIndex,
						'Prompt',
						`${chosen.id} takes no prompt: leave it empty`,
					);
				values.prompt = prompt;
			}
			const strengthInput = strengthSlot(inputs);
			if (strengthInput) values[strengthInput.name] = strength;
			const placed = placeImages(node, itemIndex, model, values, { image });
			const submission = await customSubmission(
				this,
				run,
				itemIndex,
				model,
				placed,
				new Map([[image, 'Image']]),
			);
			if (isCustomModel(chosen)) return submission;
			// SD/Flux families: the legacy endpoint, with the model in the body.
			return {
				...submission,
				path: '/generate/img2img',
				body: { ...submission.body, modelId: chosen.id },
			};
		});
	}
}
