import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import { scenarioNodeCommon } from '../shared/descriptions/fields';
import { JOB_RESULT, toolDescriptionField } from '../shared/descriptions/tool-description';
import {
	binaryPropertyOption,
	concurrencyOption,
	downloadOption,
	requestTimeoutOption,
	timeoutOption,
} from '../shared/descriptions/options';
import { followJob } from '../shared/execute/follow-job';
import { readConcurrency, readItemSettings, readOptions } from '../shared/execute/parameters';
import { executePerItem, withRequestTimeout } from '../shared/execute/run-per-item';
import { describe } from '../shared/model/model-form';
import { inputError } from '../shared/transport/errors';

const JOB_ID = /^job_[A-Za-z0-9]+$/;

export class ScenarioWaitForJob implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Scenario Wait for Job',
		name: 'scenarioWaitForJob',
		icon: { light: 'file:scenario.svg', dark: 'file:scenario.dark.svg' },
		subtitle: '={{"Job " + $parameter["jobId"]}}',
		description:
			'Wait for Scenario jobs started earlier (e.g. with Wait for Completion off) and fetch their images',
		defaults: { name: 'Scenario Wait for Job' },
		usableAsTool: true,
		...scenarioNodeCommon,
		properties: [
			toolDescriptionField(
				'Waits until a Scenario job, given by its jobId (job_…), has finished, and returns its outputs.',
				JOB_RESULT,
			),
			{
				displayName: 'Job ID',
				name: 'jobId',
				type: 'string',
				required: true,
				default: '={{ $json.jobId }}',
				placeholder: 'e.g. job_aZ67MsuuyQ5JawJekta3V7yD',
				description: 'The Scenario job to wait for',
			},
			{ ...timeoutOption, description: 'How long to wait for each job before giving up on it' },
			downloadOption,
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				options: [binaryPropertyOption, concurrencyOption, requestTimeoutOption],
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const readSettings = (itemIndex: number) =>
			readItemSettings(this, itemIndex, {
				...readOptions(this, itemIndex),
				timeoutSeconds: this.getNodeParameter('timeoutSeconds', itemIndex, 600),
				downloadImages: this.getNodeParameter('downloadImages', itemIndex, true),
			});
		return await executePerItem(
			this,
			() => readConcurrency(this, readOptions(this, 0)),
			async (itemIndex, state, run) => {
				const settings = readSettings(itemIndex);
				const raw = this.getNodeParameter('jobId', itemIndex, '');
				if (typeof raw !== 'string' && raw !== null && raw !== undefined) {
					throw inputError(
						this.getNode(),
						itemIndex,
						'Job ID',
						`expected text, got ${describe(raw)}`,
					);
				}
				const jobId = typeof raw === 'string' ? raw.trim() : '';
				if (!JOB_ID.test(jobId)) {
					throw inputError(
						this.getNode(),
						itemIndex,
						'Job ID',
						jobId
							? `"${jobId}" is not a Scenario job id (job_…)`
							: `is empty (got ${JSON.stringify(raw)})`,
					);
				}
				const itemRun = withRequestTimeout(run, settings.requestTimeoutMs);
				// No cancel policy: these jobs were started elsewhere, to outlive any one run.
				return await followJob(this, itemRun, itemIndex, state, jobId, settings);
			},
		);
	}
}
