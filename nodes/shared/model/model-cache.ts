import { NodeApiError } from 'n8n-workflow';

import { type ScenarioConnection } from '../transport/connection';
import { inputError, scenarioMessage } from '../transport/errors';
import { scenarioRequest } from '../transport/request';
import type { ScenarioModel } from './api-types';

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

export async function fetchModel(
	conn: ScenarioConnection,
	modelId: string,
	itemIndex?: number,
): Promise<ScenarioModel> {
	const { model } = await scenarioRequest<{ model: ScenarioModel }>(conn, {
		method: 'GET',
		path: `/models/${encodeURIComponent(modelId)}`,
		retry: 'idempotent',
		error: { itemIndex, action: `Loading model ${modelId}` },
	});
	return model;
}
