import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { resolveFileReference } from '../files/upload';
import type { GenerateResponse, ScenarioModel } from '../model/api-types';
import { ModelCache } from '../model/model-cache';
import { planModelRequest } from '../model/model-form';
import { scenarioRequest } from '../transport/request';
import { followJob, jobSummary } from './follow-job';
import { readJobOptions, type JobOptions } from './parameters';
import { executePerItem, type ItemState, type RunContext } from './run-per-item';

/** One item's generation, ready to send. */
export interface Submission {
	modelId: string;
	/** e.g. `/generate/custom/model_x` or `/generate/img2img`. */
	path: string;
	body: IDataObject;
}

export interface SubmissionTools {
	run: RunContext;
	/** Models fetched once per execution, whatever the number of items. */
	models: ModelCache;
	/** Set `state.modelId` early so an error item can name the model. */
	state: ItemState;
}

/**
 * The whole `execute` of a generating node: each item's submission, built by the node, is
 * sent and followed as the Options say, items running concurrently.
 */
export async function executeGenerations(
	ctx: IExecuteFunctions,
	buildSubmission: (itemIndex: number, tools: SubmissionTools) => Promise<Submission>,
): Promise<INodeExecutionData[][]> {
	let models: ModelCache | undefined;
	return await executePerItem(
		ctx,
		() => readJobOptions(ctx),
		async (itemIndex, state, run, options) => {
			models ??= new ModelCache(run.conn);
			const submission = await buildSubmission(itemIndex, { run, models, state });
			return await generate(ctx, run, itemIndex, state, submission, options);
		},
	);
}

/** Submits one generation (or prices it, for a dry run) and follows it as the options say. */
export async function generate(
	ctx: IExecuteFunctions,
	run: RunContext,
	itemIndex: number,
	state: ItemState,
	submission: Submission,
	options: JobOptions,
): Promise<INodeExecutionData[]> {
	state.modelId = submission.modelId;
	const action = `Submitting the generation with ${submission.modelId}`;
	if (options.dryRun) {
		const estimate = await scenarioRequest<GenerateResponse>(run.conn, {
			method: 'POST',
			path: submission.path,
			qs: { dryRun: true },
			body: submission.body,
			retry: 'submission',
			error: { itemIndex, action: `Pricing the generation with ${submission.modelId}` },
		});
		return [
			{
				json: {
					dryRun: true,
					modelId: submission.modelId,
					cost: estimate.creativeUnitsCost ?? null,
					discount: estimate.creativeUnitsDiscount ?? null,
					costDetails: (estimate.costDetails ?? {}) as IDataObject,
					request: submission.body,
				},
			},
		];
	}
	const submitted = await scenarioRequest<GenerateResponse>(run.conn, {
		method: 'POST',
		path: submission.path,
		body: submission.body,
		retry: 'submission',
		error: { itemIndex, action },
	});
	const job = submitted.job;
	if (!job?.jobId) {
		throw new NodeApiError(
			ctx.getNode(),
			{ message: 'no job in the answer' },
			{ message: `${action} failed: Scenario's answer has no job id`, itemIndex },
		);
	}
	state.jobId = job.jobId;
	const cost = submitted.creativeUnitsCost;
	if (!options.waitForCompletion) return [{ json: jobSummary(job, submission.modelId, cost) }];
	return await followJob(ctx, run, itemIndex, state, job, options, cost);
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
				return await resolveFileReference(
					run.conn,
					ctx,
					{ itemIndex, input, field },
					ref,
					run.transfers,
				);
			}),
		);
		body[input.name] = input.type === 'file' ? assetIds[0] : assetIds;
	}
	return { modelId: model.id, path: `/generate/custom/${encodeURIComponent(model.id)}`, body };
}
