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
import type { ModelInput, ScenarioModel } from '../shared/model/api-types';
import {
	imageSlot,
	placeImages,
	strengthSlot,
	withoutOwnInputs,
} from '../shared/model/image-slots';
import {
	asLegacyImg2Img,
	checkLegacySize,
	isCustomModel,
	LEGACY_IMG2IMG_PATH,
} from '../shared/model/legacy-img2img';
import { fetchModel } from '../shared/model/model-cache';
import {
	runnableModel,
	trainedOptionsView,
	TRAINED_OPTIONS_NOTE,
	type ItemContext,
	type RunnableModel,
} from '../shared/model/trained-models';
import { inputError } from '../shared/transport/errors';

/**
 * The model Img2Img submits to: custom models run through their own inputs, trained models
 * (LoRAs, compositions) through their base model's, on `/generate/custom`; other non-custom
 * models (SD 1.5 / SDXL families) through the legacy endpoint's fields.
 */
async function img2imgModel(
	item: ItemContext,
	chosen: ScenarioModel,
	values: Record<string, unknown>,
	load: (id: string) => Promise<ScenarioModel>,
): Promise<RunnableModel & { legacy: boolean }> {
	const runnable = await runnableModel(item, chosen, values, load);
	const legacy = !runnable.trained && !isCustomModel(chosen);
	return legacy ? { model: asLegacyImg2Img(chosen), values, legacy } : { ...runnable, legacy };
}

/** `(0.01–1)`: the bounds a model puts on its strength input. */
function strengthRange(input: ModelInput): string {
	return `${input.min ?? 0}–${input.max ?? 1}`;
}

export class ScenarioImg2Img implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Scenario Img2Img',
		name: 'scenarioImg2Img',
		icon: { light: 'file:scenario.svg', dark: 'file:scenario.dark.svg' },
		subtitle: '={{$parameter["model"].cachedResultName || $parameter["model"].value}}',
		description:
			'Transform an image with a prompt; Strength sets how far the result may move from it',
		defaults: { name: 'Scenario Img2Img' },
		usableAsTool: true,
		...scenarioNodeCommon,
		properties: [
			toolDescriptionField(
				'Makes new images from one image and a prompt with the Scenario model set in this node (the strength says how far from the image they may go), and waits until they are ready.',
			),
			modelLocator({
				listMethod: 'searchImg2ImgModels',
				description: 'Models with the img2img capability: your own and Scenario’s public ones',
			}),
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
					'0 keeps the image, 1 ignores it. Sent to models with a strength input (Flux Dev and its LoRAs, Patina, SD families …) within their range; for a model that takes the image only as a reference, the output says it was not used.',
			},
			modelInputsField('Model Options', TRAINED_OPTIONS_NOTE),
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
				view: async (conn, model) => {
					const trained = await trainedOptionsView(model, async (id) => await fetchModel(conn, id));
					const shown = trained ?? (isCustomModel(model) ? model : asLegacyImg2Img(model));
					return withoutOwnInputs(shown, [imageSlot, strengthSlot]);
				},
			}),
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		// Models told (once per run) that they took no Strength.
		const strengthUnused = new Set<string>();
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
			const { model, values, trained, legacy } = await img2imgModel(
				{ node, itemIndex },
				chosen,
				readModelInputs(this, itemIndex),
				async (id) => await models.get(id, itemIndex),
			);
			const runs = trained ? `${model.id}, which runs ${chosen.id},` : model.id;
			const inputs = model.inputs ?? [];
			if (prompt) {
				if (!inputs.some((input) => input.name === 'prompt'))
					throw inputError(node, itemIndex, 'Prompt', `${runs} takes no prompt: leave it empty`);
				values.prompt = prompt;
			}
			const strengthInput = strengthSlot(inputs);
			if (strengthInput) {
				const { min, max } = strengthInput;
				if ((min !== undefined && strength < min) || (max !== undefined && strength > max))
					throw inputError(
						node,
						itemIndex,
						'Strength',
						`${strength} is outside the range ${runs} takes (${strengthRange(strengthInput)})`,
					);
				values[strengthInput.name] = strength;
			} else if (!strengthUnused.has(model.id)) {
				// Not an error: the field has a default, and the model still uses the image.
				strengthUnused.add(model.id);
				this.addExecutionHints({
					message: `Strength was not used: ${runs} has no strength input (it takes the image as a reference)`,
					location: 'outputPane',
				});
			}
			if (legacy) {
				values.numSamples ??= 1; // the endpoint's own default is 4 images
				checkLegacySize(node, itemIndex, chosen, values);
			}
			const placed = placeImages(node, itemIndex, model, values, { image });
			const submission = await customSubmission(
				this,
				run,
				itemIndex,
				model,
				placed,
				new Map([[image, 'Image']]),
			);
			if (!legacy) return submission;
			// SD families: the legacy endpoint, with the model in the body.
			return {
				...submission,
				path: LEGACY_IMG2IMG_PATH,
				body: { ...submission.body, modelId: chosen.id },
			};
		});
	}
}
