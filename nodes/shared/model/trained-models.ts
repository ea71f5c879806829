import type { INode } from 'n8n-workflow';

import { inputError } from '../transport/errors';
import type { ScenarioModel } from './api-types';
import { isEmpty, toList } from './input-values';

/**
 * How a trained model (LoRA, composition) runs: it has no inputs of its own, and Scenario refuses
 * its id on `/generate/custom` ("Custom models only are supported for this endpoint"), so it runs
 * through a base model, named in that model's `loras` or `modelId` input. The routes are the ones
 * recorded as accepted (test/fixtures/scenario-api/models/trained/contracts.json), and the
 * Qwen Edit 2511 LoRA's, which its recorded base model names as the type its `loras` takes.
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
	// No dry run recorded: the recorded base body (bases/model_qwen-image-edit-2511.json) names
	// this type in its `loras` input's `modelTypes`, as Kontext's names flux.1-kontext-lora.
	'qwen-image-edit-2511-lora': { base: 'model_qwen-image-edit-2511', input: 'loras' },
};

/** For a trained model, how it runs; undefined for a model that runs on its own. */
export const trainedRouteFor = (model: ScenarioModel): TrainedRoute | undefined =>
	model.inputs?.length ? undefined : TRAINED_ROUTES[model.type];

/** The item a value belongs to, for errors that name the field and the item. */
export interface ItemContext {
	node: INode;
	itemIndex: number;
}

/** The model to submit to, and the values that name the trained model in it. */
export interface RunnableModel {
	model: ScenarioModel;
	values: Record<string, unknown>;
	/** The trained model, when `model` is its base. */
	trained?: ScenarioModel;
}

const optionsField = (name: string) => `Model Options → ${name}`;
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * The scale the chosen LoRA gets when the user gave scales for the other LoRAs only. The
 * recorded base models and Scenario's reference state no default for `lorasScale`; a LoRA's
 * record names itself in `concepts` with a scale (recorded 0.8; the OpenAPI file: "The scale of
 * the model"), which the base models' docs say fills `lorasScale` for a composition. Unknown:
 * what Scenario itself applies when no scale is sent. 1 (the OpenAPI example) when none is stated.
 */
function chosenLoraScale(chosen: ScenarioModel, base: ScenarioModel): unknown {
	const stated = base.inputs?.find((input) => input.name === 'lorasScale')?.default;
	if (typeof stated === 'number') return stated;
	return chosen.concepts?.find((concept) => concept.modelId === chosen.id)?.scale ?? 1;
}

/**
 * The chosen LoRA first in `loras`, and `lorasScale` kept in step with `loras`: the user's
 * scales are for the LoRAs they listed, or (one more) start with the chosen LoRA's. Scenario
 * accepts a scale count that differs from the LoRA count (contracts `check_scale_count_mismatch`)
 * without saying which LoRA gets which scale, so a count that fits neither reading is an error.
 */
function stackLora(
	item: ItemContext,
	chosen: ScenarioModel,
	base: ScenarioModel,
	values: Record<string, unknown>,
): Record<string, unknown> {
	const listed = isEmpty(values.loras) ? [] : toList(values.loras).map((id) => String(id).trim());
	const isOther = (id: string) => id !== chosen.id && id !== '';
	if (isEmpty(values.lorasScale)) return { loras: [chosen.id, ...listed.filter(isOther)] };
	const scales = toList(values.lorasScale);
	let chosenScale: unknown;
	let pairs: Array<[string, unknown]>;
	if (scales.length === listed.length) {
		pairs = listed.map((id, index) => [id, scales[index]]);
		chosenScale = pairs.find(([id]) => id === chosen.id)?.[1] ?? chosenLoraScale(chosen, base);
	} else if (scales.length === listed.length + 1 && !listed.includes(chosen.id)) {
		chosenScale = scales[0];
		pairs = listed.map((id, index) => [id, scales[index + 1]]);
	} else {
		throw inputError(
			item.node,
			item.itemIndex,
			optionsField('lorasScale'),
			`${count(scales.length, 'scale')} for ${count(listed.length, 'LoRA')} in loras: give one scale per LoRA listed, or one more in front for ${chosen.id} (the LoRA chosen in Model, which goes first)`,
		);
	}
	const others = pairs.filter(([id]) => isOther(id));
	return {
		loras: [chosen.id, ...others.map(([id]) => id)],
		lorasScale: [chosenScale, ...others.map(([, scale]) => scale)],
	};
}

/** A composition is the base model's `modelId`: another id there would silently replace it. */
function asModelId(
	item: ItemContext,
	chosen: ScenarioModel,
	base: ScenarioModel,
	values: Record<string, unknown>,
): Record<string, unknown> {
	const given = values.modelId;
	if (!isEmpty(given) && String(given).trim() !== chosen.id) {
		throw inputError(
			item.node,
			item.itemIndex,
			optionsField('modelId'),
			`${String(given)} would replace ${chosen.id}, the composition chosen in Model, which runs as ${base.id}'s modelId: leave modelId empty`,
		);
	}
	return { modelId: chosen.id };
}

/**
 * The chosen model as Scenario runs it: a trained model becomes its base model, with its id put
 * first in the base's `loras` (or as its `modelId`); any other model is itself.
 */
export async function runnableModel(
	item: ItemContext,
	chosen: ScenarioModel,
	values: Record<string, unknown>,
	load: (id: string) => Promise<ScenarioModel>,
): Promise<RunnableModel> {
	const route = trainedRouteFor(chosen);
	if (!route) return { model: chosen, values };
	const model = await load(route.base);
	const named =
		route.input === 'loras'
			? stackLora(item, chosen, model, values)
			: asModelId(item, chosen, model, values);
	return { model, values: { ...values, ...named }, trained: chosen };
}

/** What "Model Options" says of a trained model's base model inputs (see trainedOptionsView). */
export const TRAINED_OPTIONS_NOTE =
	'For a trained LoRA or composition chosen in Model, these are its base model’s inputs, and the chosen model is added to them (a LoRA first in loras). LoRA Scale takes one scale per LoRA listed in loras, or one more in front for the chosen LoRA.';

/**
 * For a trained model, its base model as "Model Options" shows it: an input the chosen model
 * fills alone is left out (a composition's `modelId`, a `loras` that takes one LoRA), and a
 * `loras` with room for more says the chosen LoRA comes first. Undefined for other models.
 */
export async function trainedOptionsView(
	chosen: ScenarioModel,
	load: (id: string) => Promise<ScenarioModel>,
): Promise<ScenarioModel | undefined> {
	const route = trainedRouteFor(chosen);
	if (!route) return undefined;
	const base = await load(route.base);
	const routeInput = base.inputs?.find((input) => input.name === route.input);
	const filledAlone =
		route.input === 'modelId' || (routeInput?.maxLength !== undefined && routeInput.maxLength <= 1);
	if (filledAlone) return { ...base, inputs: base.inputs?.filter((input) => input !== routeInput) };
	const relabel: Record<string, string> = {
		loras: 'after the chosen one',
		lorasScale: 'per LoRA listed',
	};
	const inputs = (base.inputs ?? []).map((input) =>
		relabel[input.name]
			? { ...input, label: `${input.label ?? input.name} ${relabel[input.name]}` }
			: input,
	);
	return { ...base, inputs };
}
