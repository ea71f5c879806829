import type {
	ILoadOptionsFunctions,
	INodeListSearchItems,
	INodeListSearchResult,
} from 'n8n-workflow';

import type { ScenarioModel } from '../model/api-types';
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

/**
 * The searchable model list: the account's own models first, then Scenario's public catalogue,
 * one API page per scroll. The pagination token remembers which of the two lists it is in.
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
): Promise<INodeListSearchResult> {
	const conn = await connectToScenario(ctx);
	const needle = filter?.trim().toLowerCase();
	const results: INodeListSearchItems[] = [];
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
		results.push(
			...(page.models ?? [])
				.filter(isUsableModel)
				.filter(accept)
				.filter(
					(m) =>
						!needle ||
						m.id.toLowerCase().includes(needle) ||
						(m.name ?? '').toLowerCase().includes(needle),
				)
				.map((m) => ({
					name: `${m.name ?? m.id}${privacy === 'private' ? ' (yours)' : ''}`,
					value: m.id,
					description: m.shortDescription,
					url: `https://app.scenario.com/models/${m.id}`,
				})),
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
