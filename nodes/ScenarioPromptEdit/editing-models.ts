import type { ScenarioModel } from '../shared/model/api-types';
import { trainedRouteFor } from '../shared/model/trained-models';

/**
 * The editing models Scenario Prompt Edit lists, as Scenario's model reference describes them
 * (docs.scenario.com's model pages; test/unit/editing-models.test.ts checks every entry against
 * them): the reference's name, how many images the model takes, and whether it takes a mask.
 * Ids typed "By ID" may name any other model.
 */
export interface EditingModel {
	id: string;
	/** The model's name in Scenario's reference. */
	name: string;
	/** Another name the reference gives it, shown in brackets. */
	aka?: string;
	/**
	 * How many images it takes in all, the image to edit included: 1 when its image input is a
	 * single file, the number the reference states for a list, undefined when it states none.
	 */
	maxImages?: number;
	/** Whether it has a mask input (the area to edit). */
	mask: boolean;
	/** More for the list entry's description. */
	note?: string;
}

export const EDITING_MODELS: EditingModel[] = [
	{
		id: 'model_google-gemini-2-5-flash-image-editing',
		name: 'Gemini 2.5 Flash',
		aka: 'Nano-banana',
		mask: false,
	},
	{ id: 'model_google-gemini-pro-image-editing', name: 'Gemini 3.0 Pro', mask: false },
	{ id: 'model_openai-gpt-image-2', name: 'GPT Image 2', mask: true },
	{ id: 'model_openai-gpt-image-1-5-editing', name: 'GPT Image 1.5', mask: false },
	{ id: 'model_openai-gpt-image-1-editing', name: 'GPT Image', aka: 'GPT Image 1', mask: false },
	{
		id: 'model_flux-kontext-editing',
		name: 'FLUX Kontext Edit',
		mask: false,
		note: 'Your Flux Kontext LoRAs edit through it.',
	},
	{ id: 'model_bfl-flux-2-pro-editing', name: 'FLUX.2 Pro Edit', mask: false },
	{
		id: 'model_bytedance-seedream-4-5-editing',
		name: 'Seedream 4.5 Edit',
		maxImages: 10,
		mask: false,
	},
	{
		id: 'model_bytedance-seedream-4-editing',
		name: 'Seedream 4.0 Edit',
		maxImages: 14,
		mask: false,
	},
	{
		id: 'model_qwen-image-edit-2511',
		name: 'Qwen Edit 2511',
		mask: false,
		note: 'Your Qwen Edit 2511 LoRAs edit through it.',
	},
	{ id: 'model_qwen-image-edit-2509', name: 'Qwen Edit 2509', mask: false },
	{ id: 'model_qwen-image-edit', name: 'Qwen Edit Plus', maxImages: 1, mask: false },
	{ id: 'model_runway-gen4-image-editing', name: 'Runway Gen 4', maxImages: 3, mask: false },
];

/** The listed model whose advice the Mask field and its errors give. */
export const MASK_MODEL = 'model_openai-gpt-image-2';

/** What the model takes, in a few words: `up to 3 images, no mask`. */
export function editingModelTakes(model: EditingModel): string {
	const images =
		model.maxImages === 1
			? 'one image'
			: model.maxImages
				? `up to ${model.maxImages} images`
				: 'image + reference images';
	return `${images}, ${model.mask ? 'mask' : 'no mask'}`;
}

/** The list entry's name: `Runway Gen 4: up to 3 images, no mask`. */
export const editingModelLabel = (model: EditingModel): string =>
	`${model.name}${model.aka ? ` (${model.aka})` : ''}: ${editingModelTakes(model)}`;

/**
 * The trained models that edit, each through the editing model its type names: Kontext LoRAs
 * through FLUX Kontext Edit (contracts `stack_kontext`), Qwen Edit 2511 LoRAs through Qwen Edit
 * 2511 (its recorded `loras` input takes that type). Flux.1 and Flux.2 LoRAs and compositions run
 * through Flux Dev, which makes images from a prompt and an image but does not follow an edit
 * instruction.
 */
export const EDITING_LORA_TYPES: Readonly<Record<string, string>> = {
	'flux.1-kontext-lora': 'Flux Kontext',
	'qwen-image-edit-2511-lora': 'Qwen Edit 2511',
};

export const isEditingLora = (model: ScenarioModel): boolean =>
	Object.hasOwn(EDITING_LORA_TYPES, model.type) && trainedRouteFor(model) !== undefined;

/** Why Prompt Edit does not run this trained model; undefined for a model it runs. */
export function notAnEditingLora(model: ScenarioModel): string | undefined {
	const route = trainedRouteFor(model);
	if (!route || isEditingLora(model)) return undefined;
	const takes = Object.entries(EDITING_LORA_TYPES)
		.map(([type, name]) => `${name} (${type})`)
		.join(' and ');
	return `${model.id} is a ${model.type} model, which runs through ${route.base}, not an editing model: Prompt Edit takes only editing LoRAs, ${takes}. Use Scenario Img2Img for this one`;
}
