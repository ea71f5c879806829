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
import { readModelId, readModelInputs, readText, readTextList } from '../shared/execute/parameters';
import { searchModels } from '../shared/methods/list-search';
import { modelInputsMapping } from '../shared/methods/resource-mapping';
import {
	imageSlot,
	maskSlot,
	referenceSlot,
	placeImages,
	withoutOwnInputs,
} from '../shared/model/image-slots';
import { fetchModel } from '../shared/model/model-cache';
import {
	runnableModel,
	trainedOptionsView,
	TRAINED_OPTIONS_NOTE,
} from '../shared/model/trained-models';
import { inputError } from '../shared/transport/errors';
import {
	EDITING_MODELS,
	MASK_MODEL,
	editingModelLabel,
	editingModelTakes,
	isEditingLora,
	notAnEditingLora,
} from './editing-models';

export class ScenarioPromptEdit implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Scenario Prompt Edit',
		name: 'scenarioPromptEdit',
		icon: { light: 'file:scenario.svg', dark: 'file:scenario.dark.svg' },
		subtitle: '={{$parameter["model"].cachedResultName || $parameter["model"].value}}',
		description:
			'Edit an image with a natural-language instruction (Gemini, GPT Image, Flux Kontext, Seedream …)',
		defaults: { name: 'Scenario Prompt Edit' },
		usableAsTool: true,
		...scenarioNodeCommon,
		properties: [
			toolDescriptionField(
				'Edits one image with a Scenario editing model, following the instruction in the prompt, and waits until the results are ready.',
			),
			modelLocator({
				listMethod: 'searchEditingModels',
				default: { value: EDITING_MODELS[0].id, name: editingModelLabel(EDITING_MODELS[0]) },
				description:
					'The editing model; each says what it takes. By ID also takes newer editing models and your own Flux Kontext and Qwen Edit 2511 LoRAs (they edit through FLUX Kontext Edit and Qwen Edit 2511); other LoRAs run in Scenario Img2Img.',
			}),
			{
				displayName: 'Prompt',
				name: 'prompt',
				type: 'string',
				required: true,
				default: '',
				typeOptions: { rows: 3 },
				placeholder: 'e.g. Make it a watercolor painting, keep the composition',
				description: 'What to change, in plain words',
			},
			imageField('Image to Edit'),
			{
				displayName: 'Reference Images',
				name: 'referenceImages',
				type: 'string',
				typeOptions: { multipleValues: true, multipleValueButtonText: 'Add Reference Image' },
				default: [],
				description:
					'More images to guide the edit, each the image from a previous step (its binary property name), a URL or a Scenario asset ID (asset_…). The model decides how many it takes.',
			},
			{
				displayName: 'Mask',
				name: 'mask',
				type: 'string',
				default: '',
				placeholder: 'e.g. mask',
				description: `Optional mask image: from a previous step (its binary property name), a URL or a Scenario asset ID (asset_…): the area to edit. Only for models with a mask input, e.g. ${MASK_MODEL}.`,
			},
			modelInputsField('Model Options', TRAINED_OPTIONS_NOTE),
			generationOptions,
		],
	};

	methods = {
		listSearch: {
			async searchEditingModels(
				this: ILoadOptionsFunctions,
				filter?: string,
				paginationToken?: string,
			): Promise<INodeListSearchResult> {
				const needle = filter?.trim().toLowerCase();
				const curated = paginationToken
					? []
					: EDITING_MODELS.map((m) => ({ model: m, name: editingModelLabel(m) }))
							.filter(
								({ model, name }) =>
									!needle || `${model.id} ${name}`.toLowerCase().includes(needle),
							)
							.map(({ model, name }) => ({
								name,
								value: model.id,
								description: `Edits images (image → image) · ${editingModelTakes(model)}.${model.note ? ` ${model.note}` : ''}`,
								url: `https://app.scenario.com/models/${model.id}`,
							}));
				// Then the account's own editing LoRAs, which edit through their base editing model.
				const own = await searchModels(this, filter, paginationToken ?? 'private:', isEditingLora);
				return {
					results: [...curated, ...own.results],
					paginationToken: own.paginationToken?.startsWith('private:')
						? own.paginationToken
						: undefined,
				};
			},
		},
		resourceMapping: {
			getModelInputs: modelInputsMapping({
				view: async (conn, model) => {
					const refused = notAnEditingLora(model);
					if (refused) return `${refused}.`;
					const shown =
						(await trainedOptionsView(model, async (id) => await fetchModel(conn, id))) ?? model;
					return withoutOwnInputs(shown, [imageSlot, referenceSlot, maskSlot]);
				},
			}),
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeGenerations(this, async (itemIndex, { run, models, state }) => {
			const prompt = readText(this, itemIndex, 'prompt', {
				field: 'Prompt',
				hint: 'say what to change in the image',
			});
			const image = readText(this, itemIndex, 'image', {
				field: 'Image to Edit',
				hint: 'give a binary property name, an asset ID or a URL',
			});
			const references = readTextList(this, itemIndex, 'referenceImages', 'Reference Images');
			const mask = readText(this, itemIndex, 'mask') || undefined;

			const node = this.getNode();
			state.modelId = readModelId(this, itemIndex);
			const chosen = await models.get(state.modelId, itemIndex);
			const refused = notAnEditingLora(chosen);
			if (refused) throw inputError(node, itemIndex, 'Model', refused);
			// An editing LoRA edits through its base editing model, named in its `loras`.
			const { model, values } = await runnableModel(
				{ node, itemIndex },
				chosen,
				{ ...readModelInputs(this, itemIndex), prompt },
				async (id) => await models.get(id, itemIndex),
			);
			const placed = placeImages(node, itemIndex, model, values, {
				image,
				references,
				mask,
			});
			// Errors about these files name the node's own fields (the image wins if also a reference).
			const ownFields = new Map<string, string>(
				references.map((ref): [string, string] => [ref, 'Reference Images']),
			);
			if (mask) ownFields.set(mask, 'Mask');
			ownFields.set(image, 'Image to Edit');
			return await customSubmission(this, run, itemIndex, model, placed, ownFields);
		});
	}
}
