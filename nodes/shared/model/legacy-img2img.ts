import type { INode } from 'n8n-workflow';

import { inputError } from '../transport/errors';
import type { ModelInput, ScenarioModel } from './api-types';

/**
 * Scenario's legacy img2img endpoint. The OpenAPI file (2025) sends SD 1.5, SDXL, Flux.1 and
 * Kontext based models there; in 2026 trained Flux models run through their base model on
 * `/generate/custom` instead (trained-models.ts). It stays for the other non-custom models (SD
 * 1.5 / SDXL families); whether Scenario still serves them there in 2026 is unknown.
 */
export const LEGACY_IMG2IMG_PATH = '/generate/img2img';

/**
 * The fields of the legacy endpoint, per the OpenAPI file, in the same shape as a model's inputs
 * so one form and one validator serve both. `numSamples` defaults to 4 there: always sent.
 */
export const LEGACY_IMG2IMG_INPUTS: ModelInput[] = [
	{ name: 'prompt', type: 'string', label: 'Prompt', required: { always: true } },
	{ name: 'image', type: 'file', kind: 'image', label: 'Image', required: { always: true } },
	{ name: 'strength', type: 'number', label: 'Strength', min: 0.01, max: 1 },
	{ name: 'negativePrompt', type: 'string', label: 'Negative Prompt' },
	{ name: 'numSamples', type: 'number', label: 'Number of Images', min: 1, max: 128, default: 1 },
	{ name: 'guidance', type: 'number', label: 'Guidance', min: 0, max: 20 },
	{ name: 'numInferenceSteps', type: 'number', label: 'Inference Steps', min: 1, max: 150 },
	{ name: 'width', type: 'number', label: 'Width', min: 64, max: 2048, step: 8 },
	{ name: 'height', type: 'number', label: 'Height', min: 64, max: 2048, step: 8 },
	{ name: 'seed', type: 'string', label: 'Seed' },
];

/** A non-custom model (SD/Flux families) seen through the legacy img2img endpoint's fields. */
export const asLegacyImg2Img = (model: ScenarioModel): ScenarioModel => ({
	...model,
	inputs: LEGACY_IMG2IMG_INPUTS,
});

/** Whether Scenario runs this model through `/generate/custom/{id}`. */
export const isCustomModel = (model: ScenarioModel): boolean =>
	model.custom === true || model.type === 'custom';

/**
 * The sizes the legacy endpoint takes, as its OpenAPI definition states them for `width` and
 * `height`: "must be a 8 multiple (within [64, 2048])", [512, 2048] for the SDXL types and
 * [64, 1024] for `sd-1_5`. Checked before any upload, so a refused size costs nothing.
 */
const LEGACY_SIZE_MULTIPLE = 8;
const LEGACY_SIZE_RANGES: Record<string, [number, number]> = {
	'sd-xl': [512, 2048],
	'sd-xl-lora': [512, 2048],
	'sd-xl-composition': [512, 2048],
	'sd-1_5': [64, 1024],
};
const LEGACY_SIZE_RANGE: [number, number] = [64, 2048];

export function checkLegacySize(
	node: INode,
	itemIndex: number,
	model: ScenarioModel,
	values: Record<string, unknown>,
): void {
	const [min, max] = LEGACY_SIZE_RANGES[model.type] ?? LEGACY_SIZE_RANGE;
	const range = LEGACY_SIZE_RANGES[model.type] ? ` for ${model.type} models` : '';
	for (const input of LEGACY_IMG2IMG_INPUTS.filter((i) => ['width', 'height'].includes(i.name))) {
		const raw = values[input.name];
		// Empty: the endpoint's default. Not a number: the form's own check names it.
		if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === ''))
			continue;
		const size = Number(raw);
		if (!Number.isFinite(size)) continue;
		const field = `Model input "${input.label}" (${input.name})`;
		if (size % LEGACY_SIZE_MULTIPLE !== 0) {
			const below = Math.floor(size / LEGACY_SIZE_MULTIPLE) * LEGACY_SIZE_MULTIPLE;
			throw inputError(
				node,
				itemIndex,
				field,
				`${size} is not a multiple of ${LEGACY_SIZE_MULTIPLE}, which ${model.id} needs: use e.g. ${below} or ${below + LEGACY_SIZE_MULTIPLE}`,
			);
		}
		if (size < min || size > max)
			throw inputError(
				node,
				itemIndex,
				field,
				`${size} is outside ${min}–${max}, the sizes ${model.id} takes${range}`,
			);
	}
}
