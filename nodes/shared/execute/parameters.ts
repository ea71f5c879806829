import type { IDataObject, IExecuteFunctions, ResourceMapperValue } from 'n8n-workflow';

import type { ScenarioModel } from '../model/api-types';
import { resolveFileReference } from '../files/upload';
import { inputError } from '../transport/errors';
import type { RunContext, Submission } from './run-per-item';
import { describe, planModelRequest } from '../model/model-form';
import { MODEL_ID_PATTERN } from '../model/model-cache';

/** The model id of the `model` resource locator for one item, checked for shape. */
export function readModelId(ctx: IExecuteFunctions, itemIndex: number, parameter = 'model'): string {
	const raw = ctx.getNodeParameter(parameter, itemIndex, '', { extractValue: true });
	if (raw !== null && raw !== undefined && typeof raw !== 'string') {
		throw inputError(ctx.getNode(), itemIndex, 'Model', `expected a model id (model_…), got ${Array.isArray(raw) ? 'a list' : `${typeof raw} ${JSON.stringify(raw)}`}`);
	}
	const modelId = typeof raw === 'string' ? raw.trim() : '';
	if (!new RegExp(MODEL_ID_PATTERN).test(modelId)) {
		throw inputError(ctx.getNode(), itemIndex, 'Model', modelId ? `"${modelId}" is not a Scenario model id (model_…)` : 'no model chosen');
	}
	return modelId;
}

/** A text parameter for one item, trimmed; empty is an error naming the field when `required` says why. */
export function readText(ctx: IExecuteFunctions, itemIndex: number, name: string, required?: { field: string; hint: string }): string {
	const raw = ctx.getNodeParameter(name, itemIndex, '');
	if (raw !== null && raw !== undefined && typeof raw !== 'string' && typeof raw !== 'number') {
		throw inputError(ctx.getNode(), itemIndex, required?.field ?? name, `expected text, got ${describe(raw)}`);
	}
	const text = String(raw ?? '').trim();
	if (!text && required) throw inputError(ctx.getNode(), itemIndex, required.field, `is empty: ${required.hint}`);
	return text;
}

/**
 * A multiple-value text field (e.g. Reference Images) for one item, trimmed, empties dropped. An
 * entry whose expression gives a list contributes each of its elements.
 */
export function readTextList(ctx: IExecuteFunctions, itemIndex: number, name: string, field: string): string[] {
	const raw = ctx.getNodeParameter(name, itemIndex, []) as unknown;
	const entries = (Array.isArray(raw) ? raw : [raw]).flat();
	return entries
		.map((entry) => {
			if (entry === null || entry === undefined) return '';
			if (typeof entry !== 'string' && typeof entry !== 'number') {
				throw inputError(ctx.getNode(), itemIndex, field, `expected text, got ${describe(entry)}`);
			}
			return String(entry).trim();
		})
		.filter(Boolean);
}

/** The values of the "Model Inputs" resource mapper for one item. */
export function readModelInputs(ctx: IExecuteFunctions, itemIndex: number, parameter = 'inputs'): Record<string, unknown> {
	const mapped = ctx.getNodeParameter(parameter, itemIndex, { value: {} }) as ResourceMapperValue | null;
	return { ...(mapped?.value ?? {}) };
}

/**
 * A `POST /generate/custom/{modelId}` submission from the user's values: checked against the
 * model's inputs first, then each file reference (binary property, asset id, URL) resolved to
 * an asset id, uploads included.
 */
export async function customSubmission(
	ctx: IExecuteFunctions,
	run: RunContext,
	itemIndex: number,
	model: ScenarioModel,
	values: Record<string, unknown>,
	/** References the user gave in the node's own fields, by value → that field's name (for errors). */
	ownFields: Map<string, string> = new Map(),
): Promise<Submission> {
	const plan = planModelRequest(ctx.getNode(), itemIndex, model, values);
	const body: IDataObject = { ...(plan.body as IDataObject) };
	for (const { input, refs } of plan.files) {
		const modelField = `Model input "${input.label ?? input.name}" (${input.name})`;
		const assetIds = await Promise.all(
			refs.map(async (ref) => {
				const field = ownFields.get(ref) ?? modelField;
				return await resolveFileReference(run.conn, ctx, { itemIndex, input, field }, ref, run.transfers);
			}),
		);
		body[input.name] = input.type === 'file' ? assetIds[0] : assetIds;
	}
	return { modelId: model.id, path: `/generate/custom/${encodeURIComponent(model.id)}`, body };
}
