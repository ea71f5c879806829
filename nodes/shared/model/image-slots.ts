import type { INode } from 'n8n-workflow';

import { inputError } from '../transport/errors';
import type { ModelInput, ScenarioModel } from './api-types';
import { toReferenceList } from './input-values';
import { isAlwaysRequired, isFileInput } from './model-form';

/**
 * Where a model takes "the image": its own `image` input, another required image input, or
 * the first place of its reference-image list (as the recorded editing models do).
 */
export function imageSlot(inputs: ModelInput[]): ModelInput | undefined {
	const images = inputs.filter((input) => isFileInput(input) && input.kind === 'image');
	return (
		images.find((input) => input.name === 'image') ??
		images.find((input) => input.type === 'file' && isAlwaysRequired(input)) ??
		images.find((input) => input.name === 'referenceImages') ??
		images[0]
	);
}

/** The reference-image list of a model, when it has one. */
export const referenceSlot = (inputs: ModelInput[]): ModelInput | undefined =>
	inputs.find(
		(input) =>
			input.type === 'file_array' && input.kind === 'image' && input.name === 'referenceImages',
	) ?? inputs.find((input) => input.type === 'file_array' && input.kind === 'image');

/** The mask input of a model, when it has one. */
export const maskSlot = (inputs: ModelInput[]): ModelInput | undefined =>
	inputs.find((input) => input.name === 'mask' && input.type === 'file') ??
	inputs.find((input) => input.type === 'file' && /mask/i.test(input.name));

/** The model's strength knob (`strength` on Flux, `imageStrength` on Patina), when it has one. */
export const strengthSlot = (inputs: ModelInput[]): ModelInput | undefined =>
	inputs.find(
		(input) =>
			input.type === 'number' && (input.name === 'strength' || input.name === 'imageStrength'),
	);

/** Finds where a model takes one of a node's own fields (imageSlot, strengthSlot …). */
export type InputSlot = (inputs: ModelInput[]) => ModelInput | undefined;

/**
 * The model without the inputs a node shows as fields of its own (its Prompt, and the inputs
 * the slots find), for the node's "Model Options".
 */
export function withoutOwnInputs(model: ScenarioModel, slots: InputSlot[]): ScenarioModel {
	const inputs = model.inputs ?? [];
	const own = new Set(['prompt', ...slots.map((slot) => slot(inputs)?.name)]);
	return { ...model, inputs: inputs.filter((input) => !own.has(input.name)) };
}

export interface ImagePlacement {
	/** The image (binary property, asset id or URL). */
	image: string;
	/** Further reference images, in order. */
	references?: string[];
	mask?: string;
}

/**
 * Puts the image, references and mask into a model's own inputs. The image goes first where
 * the model takes it inside `referenceImages`; too many images or a mask the model cannot take
 * are errors naming the node's own fields.
 */
export function placeImages(
	node: INode,
	itemIndex: number,
	model: ScenarioModel,
	values: Record<string, unknown>,
	placement: ImagePlacement,
): Record<string, unknown> {
	const inputs = model.inputs ?? [];
	const slot = imageSlot(inputs);
	if (!slot) {
		throw inputError(
			node,
			itemIndex,
			'Model',
			`${model.id} takes no input image: pick an image editing or img2img model`,
		);
	}
	const references = [
		...(placement.references ?? []),
		...(values[slot.name] && slot.type === 'file_array'
			? toReferenceList(values[slot.name]).map(String)
			: []),
	];
	const list = referenceSlot(inputs);
	const result = { ...values };
	if (slot.type === 'file_array') {
		result[slot.name] = [placement.image, ...references];
	} else {
		result[slot.name] = placement.image;
		if (references.length) {
			if (!list)
				throw inputError(
					node,
					itemIndex,
					'Reference Images',
					`${model.id} takes no reference images`,
				);
			result[list.name] = references;
		}
	}
	const listInput = slot.type === 'file_array' ? slot : list;
	const count = slot.type === 'file_array' ? references.length + 1 : references.length;
	if (listInput?.maxLength !== undefined && count > listInput.maxLength) {
		const detail =
			slot.type === 'file_array' ? ` (the image to edit counts as the first of them)` : '';
		throw inputError(
			node,
			itemIndex,
			'Reference Images',
			`${count} images for ${model.id}, which accepts at most ${listInput.maxLength} in "${listInput.label ?? listInput.name}"${detail}`,
		);
	}
	if (placement.mask) {
		const mask = maskSlot(inputs);
		if (!mask) {
			throw inputError(
				node,
				itemIndex,
				'Mask',
				`${model.id} takes no mask: remove the mask or pick a model with one (e.g. model_openai-gpt-image-2)`,
			);
		}
		result[mask.name] = placement.mask;
	}
	return result;
}
