import type { ILoadOptionsFunctions, ResourceMapperFields } from 'n8n-workflow';

import type { ScenarioModel } from '../model/api-types';
import { fetchModel } from '../model/model-cache';
import { mainImageInput, modelFields, type FieldOptions } from '../model/model-form';
import { connectToScenario, type ScenarioConnection } from '../transport/connection';

/**
 * The `resourceMapping` method behind a node's "Model Inputs" field. `view` lets a node show a
 * model through another lens (a LoRA through its base model, a legacy model through the
 * legacy endpoint's fields), or say in a notice why the node does not run it.
 */
export function modelInputsMapping(
	options: FieldOptions & {
		view?: (
			conn: ScenarioConnection,
			model: ScenarioModel,
		) => Promise<ScenarioModel | string> | ScenarioModel | string;
	} = {},
) {
	return async function (this: ILoadOptionsFunctions): Promise<ResourceMapperFields> {
		const modelId = this.getNodeParameter('model', undefined, { extractValue: true }) as string;
		if (!modelId) return { fields: [], emptyFieldsNotice: 'Pick a model first.' };
		const conn = await connectToScenario(this);
		const fetched = await fetchModel(conn, modelId);
		const model = options.view ? await options.view(conn, fetched) : fetched;
		if (typeof model === 'string') return { fields: [], emptyFieldsNotice: model };
		if (!model.inputs?.length) {
			return {
				fields: [],
				emptyFieldsNotice: `${model.id} is a trained LoRA (${model.type}) with no inputs of its own: pick its base model and add this id to the base model's "loras" input.`,
			};
		}
		const mainImage = options.mainImage ?? mainImageInput(model.inputs)?.name;
		return { fields: modelFields(model, { ...options, mainImage }) };
	};
}
