import type {
	ILoadOptionsFunctions,
	INodeListSearchItems,
	INodeListSearchResult,
} from 'n8n-workflow';

import type { ScenarioModel } from '../model/api-types';
import {
	isFeatured,
	matchesSearch,
	SCENARIO_TOOLS,
	toolAsModel,
	whatItMakes,
} from './model-finder';
import { connectToScenario } from '../transport/connection';
import { scenarioRequest } from '../transport/request';

interface ModelPage {
	models: ScenarioModel[];
	nextPaginationToken?: string;
}

/**
 * Whether the list offers a model. A trained model (LoRA, composition: not custom) is offered
 * once its training is done, status `trained` (the OpenAPI file's statuses: new, training,
 * trained, failed, training-canceled, copying); until then it cannot run. A row without a status
 * is kept: every recorded row has one, so what its absence would mean is unknown.
 */
export const isUsableModel = (model: ScenarioModel): boolean =>
	model.custom === true ||
	model.type === 'custom' ||
	model.status === undefined ||
	model.status === 'trained';

/** With a search typed, the most API pages one call reads (the rest come on scroll). */
const SEARCH_PAGES_PER_CALL = 10;

/** A list entry: the model's name, and what it makes beside its short description. */
export function modelEntry(model: ScenarioModel, suffix = ''): INodeListSearchItems {
	const makes = whatItMakes(model);
	const description = [makes, model.shortDescription].filter(Boolean).join(' · ');
	return {
		name: `${model.name ?? model.id}${suffix}`,
		value: model.id,
		...(description ? { description } : {}),
		url: `https://app.scenario.com/models/${model.id}`,
	};
}

/** Scenario's tools that match the search (and the node's own filter), for the list's top. */
export function toolEntries(
	filter: string | undefined,
	accept: (model: ScenarioModel) => boolean,
): INodeListSearchItems[] {
	return SCENARIO_TOOLS.filter((tool) => {
		const model = toolAsModel(tool);
		return accept(model) && matchesSearch(model, filter);
	}).map((tool) => ({
		name: `${tool.name} (${tool.does})`,
		value: tool.id,
		description: `Scenario tool · ${whatItMakes(tool)}`,
		url: `https://app.scenario.com/models/${tool.id}`,
	}));
}

/**
 * The searchable model list: Scenario's tools that match first (no API call), then the
 * account's own models, then Scenario's public catalogue, one API page per scroll, each page's
 * featured models (tag `sc:featured`) first. The pagination token remembers which of the two
 * lists it is in.
 *
 * A search matches a model's id, name, tags and capabilities in words ("video" finds
 * image → video models, "3D" image → 3D ones), and words such as "background", "upscale",
 * "vector" or "logo" find the tools named for them (model-finder.ts).
 *
 * n8n's dropdown asks for the next page by itself only while no search is typed, and shows
 * "No results" for an empty page: so a search reads on (up to SEARCH_PAGES_PER_CALL pages)
 * through the account's models and the catalogue, and finds a model whatever page it is on.
 */
export async function searchModels(
	ctx: ILoadOptionsFunctions,
	filter: string | undefined,
	paginationToken: string | undefined,
	accept: (model: ScenarioModel) => boolean = () => true,
	options: { tools?: boolean } = {},
): Promise<INodeListSearchResult> {
	const conn = await connectToScenario(ctx);
	const needle = filter?.trim().toLowerCase();
	const tools = options.tools === false ? [] : toolEntries(filter, accept);
	// On the first call the tools come first; they are not listed again below.
	const shown = new Set(tools.map((t) => String(t.value)));
	const results: INodeListSearchItems[] = paginationToken ? [] : [...tools];
	let next: string | undefined = paginationToken;
	for (let pages = 0; pages === 0 || (needle && next && pages < SEARCH_PAGES_PER_CALL); pages++) {
		const [privacy, token] = next ? splitToken(next) : ['private', undefined];
		const page = await scenarioRequest<ModelPage>(conn, {
			method: 'GET',
			path: '/models',
			qs: { privacy, pageSize: 50, ...(token ? { paginationToken: token } : {}) },
			retry: 'idempotent',
			error: { action: 'Listing models' },
		});
		const found = (page.models ?? [])
			.filter(isUsableModel)
			.filter(accept)
			.filter((m) => !shown.has(m.id))
			.filter((m) => matchesSearch(m, filter));
		const featuredFirst = [...found.filter(isFeatured), ...found.filter((m) => !isFeatured(m))];
		results.push(
			...featuredFirst.map((m) => modelEntry(m, privacy === 'private' ? ' (yours)' : '')),
		);
		if (page.nextPaginationToken) next = `${privacy}:${page.nextPaginationToken}`;
		else next = privacy === 'private' ? 'public:' : undefined;
	}
	return { results, paginationToken: next };
}
function splitToken(token: string): [string, string | undefined] {
	const at = token.indexOf(':');
	const privacy = token.slice(0, at) === 'public' ? 'public' : 'private';
	return [privacy, token.slice(at + 1) || undefined];
}
