import type {
	ILoadOptionsFunctions,
	INodeListSearchItems,
	INodeListSearchResult,
	ResourceMapperFields,
} from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import type { ScenarioModel } from './api-types';
import { inputError, scenarioMessage } from '../transport/errors';
import { modelFields, mainImageInput, type FieldOptions } from './model-form';
import { connectToScenario, scenarioRequest, type ScenarioConnection } from '../transport/request';

export const MODEL_ID_PATTERN = '^model_[A-Za-z0-9._-]+$';

/** GET /models/{id}, at most once per model per execution, however many items use it. */
export class ModelCache {
	private readonly models = new Map<string, Promise<ScenarioModel>>();

	constructor(private readonly conn: ScenarioConnection) {}

	async get(modelId: string, itemIndex: number): Promise<ScenarioModel> {
		let pending = this.models.get(modelId);
		if (!pending) {
			pending = fetchModel(this.conn, modelId, itemIndex);
			this.models.set(modelId, pending);
			// A failed lookup is not cached: the next item asks again (and reports its own index).
			pending.catch(() => this.models.delete(modelId));
		}
		let failure: unknown;
		try {
			return await pending;
		} catch (error) {
			failure = error;
		}
		// An unknown id is a mistake in the node's input, not an API failure: name the field and this item.
		if (failure instanceof NodeApiError && failure.httpCode === '404') {
			throw inputError(
				this.conn.node,
				itemIndex,
				'Model',
				`"${modelId}" was not found on Scenario: ${scenarioMessage(failure.errorResponse) ?? 'no such model'}`,
				'Check the id, and that the model is visible to this API key and project (a private model needs the Project ID it belongs to).',
			);
		}
		throw failure;
	}
}

export async function fetchModel(conn: ScenarioConnection, modelId: string, itemIndex?: number): Promise<ScenarioModel> {
	const { model } = await scenarioRequest<{ model: ScenarioModel }>(conn, {
		method: 'GET',
		path: `/models/${encodeURIComponent(modelId)}`,
		retry: 'idempotent',
		error: { itemIndex, action: `Loading model ${modelId}` },
	});
	return model;
}

interface ModelPage {
	models: ScenarioModel[];
	nextPaginationToken?: string;
}

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
				.filter(accept)
				.filter((m) => !needle || m.id.toLowerCase().includes(needle) || (m.name ?? '').toLowerCase().includes(needle))
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

/**
 * The `resourceMapping` method behind a node's "Model Inputs" field. `view` lets a node show a
 * model through another lens (a LoRA through its base model, a legacy model through the
 * legacy endpoint's fields).
 */
export function modelInputsMapping(
	options: FieldOptions & { view?: (conn: ScenarioConnection, model: ScenarioModel) => Promise<ScenarioModel> | ScenarioModel } = {},
) {
	return async function (this: ILoadOptionsFunctions): Promise<ResourceMapperFields> {
		const modelId = this.getNodeParameter('model', undefined, { extractValue: true }) as string;
		if (!modelId) return { fields: [], emptyFieldsNotice: 'Pick a model first.' };
		const conn = await connectToScenario(this);
		const fetched = await fetchModel(conn, modelId);
		const model = options.view ? await options.view(conn, fetched) : fetched;
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
