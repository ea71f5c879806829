import type { ScenarioModel } from '../model/api-types';

/**
 * What the model list says of a model and how a search finds it: Scenario's `capabilities`
 * (list rows carry them: recorded `models_list_page1.json`) in words, its `tags` (the recorded
 * rows carry Scenario's `sc:featured`; a row without tags is simply not featured), and the
 * Scenario tools of its reference (docs/models/INDEX.md), offered at the top of the list.
 */

/** The capability codes of Scenario's reference and recorded rows, as "input → output". */
const CAPABILITY_WORDS: Readonly<Record<string, string>> = {
	txt2img: 'text → image',
	img2img: 'image → image',
	controlnet: 'guided image',
	txt2video: 'text → video',
	img2video: 'image → video',
	video2video: 'video → video',
	video2img: 'video → image',
	video2audio: 'video → audio',
	video23d: 'video → 3D',
	txt23d: 'text → 3D',
	img23d: 'image → 3D',
	'3d23d': '3D → 3D',
	txt2audio: 'text → audio',
	audio2audio: 'audio → audio',
};

/** `text → image, image → image`: what a model makes, from its capabilities. */
export function whatItMakes(model: Pick<ScenarioModel, 'capabilities'>): string {
	return (model.capabilities ?? []).map((c) => CAPABILITY_WORDS[c] ?? c).join(', ');
}

export const isFeatured = (model: Pick<ScenarioModel, 'tags'>): boolean =>
	(model.tags ?? []).includes('sc:featured');

/**
 * Words users type for what a model does, and what they mean in model names and ids (Scenario's
 * reference names its tools "… Remove Background", "… Upscaler", "… Vectorize", "VTracer",
 * "… SVG"): a search for the word also matches these.
 */
const SEARCH_WORDS: Readonly<Record<string, string[]>> = {
	background: ['background', 'remove-bg'],
	upscale: ['upscal', 'enhance'],
	upscaler: ['upscal'],
	vector: ['vector', 'svg', 'vtracer', 'vecglypher'],
	vectorize: ['vector', 'svg', 'vtracer', 'vecglypher'],
	svg: ['svg', 'vector', 'vtracer', 'vecglypher'],
	logo: ['logo', 'svg', 'vector', 'vtracer', 'vecglypher'],
	reframe: ['reframe', 'outpaint'],
};

/** Whether a model matches what was typed: in its id, name, tags or capabilities in words. */
export function matchesSearch(
	model: Pick<ScenarioModel, 'id' | 'name' | 'tags' | 'capabilities'>,
	filter: string | undefined,
): boolean {
	const needle = filter?.trim().toLowerCase();
	if (!needle) return true;
	const haystack = [model.id, model.name ?? '', ...(model.tags ?? []), whatItMakes(model)]
		.join(' ')
		.toLowerCase();
	return (SEARCH_WORDS[needle] ?? [needle]).some((word) => haystack.includes(word));
}

export interface ScenarioTool {
	id: string;
	name: string;
	capabilities: string[];
	/** What it does, in a few words. */
	does: string;
}

/**
 * Scenario's tools, offered first in the model lists: ids, names and capabilities as
 * Scenario's model reference gives them (docs/models/INDEX.md; test/unit/list-search.test.ts
 * checks each against it).
 */
export const SCENARIO_TOOLS: readonly ScenarioTool[] = [
	{
		id: 'model_upscale-v3',
		name: 'Scenario Upscale V3',
		capabilities: ['img2img'],
		does: 'Upscale',
	},
	{
		id: 'model_scenario-gemini-upscale',
		name: 'Scenario Gemini Upscale',
		capabilities: ['img2img'],
		does: 'Upscale',
	},
	{
		id: 'model_bria-remove-background',
		name: 'Bria Remove Background',
		capabilities: ['img2img'],
		does: 'Background removal',
	},
	{
		id: 'model_photoroom-background-removal',
		name: 'Photoroom Background Removal',
		capabilities: ['img2img'],
		does: 'Background removal',
	},
	{
		id: 'model_recraft-vectorize',
		name: 'Recraft Vectorize',
		capabilities: ['img2img'],
		does: 'Vectorize (SVG)',
	},
	{
		id: 'model_scenario-smart-reframe',
		name: 'Scenario Smart Reframe',
		capabilities: ['img2img'],
		does: 'Reframe',
	},
	{
		id: 'model_scenario-gemini-reframe',
		name: 'Scenario Gemini Reframe',
		capabilities: ['img2img'],
		does: 'Reframe',
	},
];

/** A tool as the list's matcher sees a model (its name and what it does are searched). */
export const toolAsModel = (tool: ScenarioTool): ScenarioModel =>
	({
		id: tool.id,
		name: `${tool.name} ${tool.does}`,
		capabilities: tool.capabilities,
		tags: [],
	}) as unknown as ScenarioModel;
