import type { INode } from 'n8n-workflow';

import type { ModelInput, ScenarioModel } from './api-types';
import { convertValue, fileReferences, isEmpty } from './input-values';
import { applySizePreset, isAlwaysRequired, isFileInput } from './model-form';
import { inputError } from '../transport/errors';

/** A trained LoRA / composition record: it has no inputs and runs only through a base model. */
export function assertRunnableModel(
	node: INode,
	model: ScenarioModel,
	itemIndex: number,
): ModelInput[] {
	if (Array.isArray(model.inputs) && model.inputs.length > 0) return model.inputs;
	throw inputError(
		node,
		itemIndex,
		'Model',
		`"${model.id}" (${model.type}) has no inputs of its own: it is a trained LoRA that runs through a base model`,
		`Pick its base model (for example model_bfl-flux-1-dev for flux.1-lora, model_flux-kontext-editing for flux.1-kontext-lora) and put "${model.id}" in that model's "loras" (or "modelId") input.`,
	);
}

/** A file input's references as the user gave them: binary property names, asset ids or URLs. */
export interface FileReferences {
	input: ModelInput;
	refs: string[];
}

export interface ModelRequestPlan {
	/** Checked, converted values of every non-file input the user set. */
	body: Record<string, unknown>;
	/** File inputs still to resolve into asset ids (uploads happen after all checks pass). */
	files: FileReferences[];
}

/**
 * Checks the user's values against the model before any call: unknown inputs, missing required
 * inputs and values the model would refuse are errors naming the input and the item.
 */
export function planModelRequest(
	node: INode,
	itemIndex: number,
	model: ScenarioModel,
	givenValues: Record<string, unknown>,
): ModelRequestPlan {
	const inputs = assertRunnableModel(node, model, itemIndex);
	// A size preset (the model's uiConfig) becomes its width and height inputs.
	const values = applySizePreset(model, givenValues);
	const byName = new Map(inputs.map((input) => [input.name, input]));
	const plan: ModelRequestPlan = { body: {}, files: [] };
	for (const [name, raw] of Object.entries(values)) {
		if (isEmpty(raw)) continue;
		const input = byName.get(name);
		if (!input) {
			throw inputError(
				node,
				itemIndex,
				`Model input "${name}"`,
				`model ${model.id} has no such input (it takes: ${inputs.map((i) => i.name).join(', ')})`,
				'The field list may be stale: open the node and refresh the model inputs.',
			);
		}
		if (isFileInput(input)) {
			const refs = convertValue(
				node,
				itemIndex,
				{ ...input, type: 'file_array', maxLength: input.type === 'file' ? 1 : input.maxLength },
				fileReferences(input, raw),
			) as string[];
			plan.files.push({ input, refs });
		} else {
			plan.body[name] = convertValue(node, itemIndex, input, raw);
		}
	}
	const given = {
		...plan.body,
		...Object.fromEntries(plan.files.map((file) => [file.input.name, file.refs])),
	};
	checkRequired(node, itemIndex, inputs, given);
	return plan;
}

/** `required.always`, and the conditional rules (`ifDefined`, `ifNotDefined`) the API applies. */
export function checkRequired(
	node: INode,
	itemIndex: number,
	inputs: ModelInput[],
	body: Record<string, unknown>,
): void {
	const present = (name: string) => !isEmpty(body[name]);
	for (const input of inputs) {
		if (present(input.name)) continue;
		const label = `Model input "${input.label ?? input.name}" (${input.name})`;
		if (isAlwaysRequired(input))
			throw inputError(node, itemIndex, label, 'is required by this model');
		for (const [other, rule] of Object.entries(input.required?.ifDefined ?? {})) {
			if (present(other))
				throw inputError(
					node,
					itemIndex,
					label,
					rule?.message ?? `is required when ${other} is set`,
				);
		}
		const alternatives = Object.entries(input.required?.ifNotDefined ?? {});
		if (alternatives.length && alternatives.every(([other]) => !present(other))) {
			throw inputError(
				node,
				itemIndex,
				label,
				alternatives[0][1]?.message ?? `is required unless ${alternatives[0][0]} is set`,
			);
		}
	}
}
