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
import type { ScenarioModel } from '../shared/model/api-types';
import {
	imageSlot,
	loraBaseFor,
	maskSlot,
	placeImages,
	referenceSlot,
} from '../shared/model/image-slots';
import { fetchModel } from '../shared/model/model-cache';

/** The editing models Scenario recommends for /generate/custom, first the default. */
export const EDITING_MODELS = [
	{
		id: 'model_google-gemini-2-5-flash-image-editing',
		name: 'Gemini 2.5 Flash Image (Nano Banana)',
	},
	{ id: 'model_openai-gpt-image-1-editing', name: 'GPT Image 1 (mask support)' },
	{ id: 'model_flux-kontext-editing', name: 'Flux Kontext (and your Kontext LoRAs)' },
	{ id: 'model_bytedance-seedream-4-editing', name: 'Seedream 4' },
	{ id: 'model_qwen-image-editing', name: 'Qwen Image Edit' },
	{ id: 'model_runway-gen4-image-editing', name: 'Runway Gen-4 Image' },
];

/** Inputs this node shows as its own fields, left out of "Model Options". */
function ownInputs(model: ScenarioModel): Set<string> {
	const inputs = model.inputs ?? [];
	return new Set(
		['prompt', imageSlot(inputs)?.name, referenceSlot(inputs)?.name, maskSlot(inputs)?.name].filter(
			(n): n is string => !!n,
		),
	);
}

/** A Kontext LoRA is edited through its base model; anything else is itself. */
async function runnableModel(
	model: ScenarioModel,
	load: (id: string) => Promise<ScenarioModel>,
): Promise<ScenarioModel> {
	const base = loraBaseFor(model);
	return base ? await load(base) : model;
}

export class ScenarioPromptEdit implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Scenario Prompt Edit',
		name: 'scenarioPromptEdit',
		icon: { light: 'file:scenario.svg', dark: 'file:scenario.dark.svg' },
		subtitle: '={{$parameter["prompt"]}}',
		description:
			'Edit an image with a natural-language instruction (Gemini, GPT Image, Flux Kontext, Seedream …)',
		defaults: { name: 'Scenario Prompt Edit' },
		usableAsTool: true,
		...scenarioNodeCommon,
		properties: [
			toolDescriptionField(
				'Edits one image with a Scenario editing model, following the instruction in the prompt, and waits until the results are ready.',
			),
			imageField('Image to Edit'),
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
			modelLocator({
				listMethod: 'searchEditingModels',
				default: EDITING_MODELS[0].id,
				description:
					'The editing model. By ID also takes newer editing models and your own Flux Kontext LoRAs.',
			}),
			{
				displayName: 'Reference Images',
				name: 'referenceImages',
				type: 'string',
				typeOptions: { multipleValues: true, multipleValueButtonText: 'Add Reference Image' },
				default: [],
				description:
					'More images to guide the edit: binary properties, asset IDs or URLs. The model decides how many it takes.',
			},
			{
				displayName: 'Mask',
				name: 'mask',
				type: 'string',
				default: '',
				description:
					'Optional mask (binary property, asset ID or URL) for models that take one: the area to edit',
			},
			modelInputsField('Model Options'),
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
					: EDITING_MODELS.filter(
							(m) => !needle || `${m.id} ${m.name}`.toLowerCase().includes(needle),
						).map((m) => ({ name: m.name, value: m.id }));
				// Then the account's own Kontext LoRAs, which edit through Flux Kontext.
				const own = await searchModels(
					this,
					filter,
					paginationToken ?? 'private:',
					(m) => m.type === 'flux.1-kontext-lora',
				);
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
					const runnable = await runnableModel(model, async (id) => await fetchModel(conn, id));
					const own = ownInputs(runnable);
					return {
						...runnable,
						inputs: (runnable.inputs ?? []).filter((input) => !own.has(input.name)),
					};
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

			state.modelId = readModelId(this, itemIndex);
			const chosen = await models.get(state.modelId, itemIndex);
			const model = await runnableModel(chosen, async (id) => await models.get(id, itemIndex));
			const values: Record<string, unknown> = { ...readModelInputs(this, itemIndex), prompt };
			if (model !== chosen) values.loras = [chosen.id];
			const placed = placeImages(this.getNode(), itemIndex, model, values, {
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
