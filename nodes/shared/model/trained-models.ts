import type { ScenarioModel } from './api-types';
import { toList } from './model-form';

/**
 * How a trained model (LoRA, composition) runs: it has no inputs of its own, and Scenario refuses
 * its id on `/generate/custom` ("Custom models only are supported for this endpoint"), so it runs
 * through a base model, named in that model's `loras` or `modelId` input. The routes are the ones
 * recorded as accepted (test/fixtures/scenario-api/models/trained/contracts.json).
 */
export interface TrainedRoute {
	/** The base model that runs it. */
	base: string;
	/** The base model's input that takes the trained model's id. */
	input: 'loras' | 'modelId';
}

const TRAINED_ROUTES: Record<string, TrainedRoute> = {
	'flux.1-lora': { base: 'model_bfl-flux-1-dev', input: 'loras' }, // stack_one
	'flux.1-composition': { base: 'model_bfl-flux-1-dev', input: 'modelId' }, // composition
	'flux.2-dev-lora': { base: 'model_bfl-flux-2-dev', input: 'loras' }, // stack_flux2
	'flux.1-kontext-lora': { base: 'model_flux-kontext-editing', input: 'loras' }, // stack_kontext
};

/** For a trained model, how it runs; undefined for a model that runs on its own. */
export const trainedRouteFor = (model: ScenarioModel): TrainedRoute | undefined =>
	model.inputs?.length ? undefined : TRAINED_ROUTES[model.type];

/** The model to submit to, and the values that name the trained model in it. */
export interface RunnableModel {
	model: ScenarioModel;
	values: Record<string, unknown>;
	/** The trained model, when `model` is its base. */
	trained?: ScenarioModel;
}

/**
 * The chosen model as Scenario runs it: a trained model becomes its base model, with its id put
 * first in the base's `loras` (or as its `modelId`); any other model is itself.
 */
export async function runnableModel(
	chosen: ScenarioModel,
	values: Record<string, unknown>,
	load: (id: string) => Promise<ScenarioModel>,
): Promise<RunnableModel> {
	const route = trainedRouteFor(chosen);
	if (!route) return { model: chosen, values };
	const model = await load(route.base);
	const given = values[route.input];
	const others =
		given === undefined || given === null
			? []
			: toList(given).filter((id) => id !== chosen.id && id !== '');
	const named = route.input === 'loras' ? [chosen.id, ...others] : chosen.id;
	return { model, values: { ...values, [route.input]: named }, trained: chosen };
}
