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
