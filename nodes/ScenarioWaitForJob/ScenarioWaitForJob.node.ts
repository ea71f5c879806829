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
	requestBudgetOption,
	downloadOption,
	requestTimeoutOption,
	timeoutOption,
} from '../shared/descriptions/options';
import { checkJobOnce, fromIncomingItem } from '../shared/execute/check-job';
import { followJob } from '../shared/execute/follow-job';
import {
	numberOption,
	readConcurrency,
	readItemSettings,
	readOptions,
} from '../shared/execute/parameters';
import { executePerItem, withRequestTimeout } from '../shared/execute/run-per-item';
import { describe } from '../shared/model/input-values';
import { inputError } from '../shared/transport/errors';

const JOB_ID = /^job_[A-Za-z0-9]+$/;

export class ScenarioWaitForJob implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Scenario Wait for Job',
		name: 'scenarioWaitForJob',
		icon: { light: 'file:scenario.svg', dark: 'file:scenario.dark.svg' },
		subtitle:
			'={{$parameter["mode"] === "checkOnce" ? "Check a Scenario Job Once" : "Wait for a Scenario Job to Finish"}}',
		description:
			'Wait for Scenario jobs started earlier (e.g. with Wait for Completion off) and fetch their images',
		defaults: { name: 'Scenario Wait for Job' },
		usableAsTool: true,
		...scenarioNodeCommon,
		// Check Once routes each job to Done or Still Running (an n8n Wait node loops it back).
		outputs: `={{ $parameter.mode === "checkOnce" ? [{ type: "main", displayName: "Done" }, { type: "main", displayName: "Still Running" }] : ["main"] }}`,
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
			{
				displayName: 'Mode',
				name: 'mode',
				type: 'options',
				noDataExpression: true,
				default: 'wait',
				// An AI agent reads only a tool's first output: as a tool, this node always waits.
				displayOptions: { hide: { '@tool': [true] } },
				options: [
					{
						name: 'Wait Until Done',
						value: 'wait',
						description: 'Follow each job inside this node until it has finished',
					},
					{
						name: 'Check Once',
						value: 'checkOnce',
						description:
							'Look at each job once: finished jobs go to Done, the others to Still Running with a suggested wait, to loop back through a Wait node. For long jobs: a parked execution holds no worker and survives restarts. With Continue On Fail, error items go to Done (or to the error output).',
					},
				],
			},
			{
				...timeoutOption,
				description: 'How long to wait for each job before giving up on it',
				displayOptions: { show: { mode: ['wait'] } },
			},
			downloadOption,
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				options: [
					binaryPropertyOption,
					concurrencyOption,
					requestTimeoutOption,
					requestBudgetOption,
					{
						displayName: 'Max Checks',
						name: 'maxChecks',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 100,
						description:
							'Check Once: the item fails on this check if its job is still running (the job is not canceled). 0: no limit.',
						displayOptions: { show: { '/mode': ['checkOnce'] } },
					},
					{
						displayName: 'Minimum Wait (Seconds)',
						name: 'shortestWaitSeconds',
						type: 'number',
						typeOptions: { minValue: 1 },
						default: 70,
						description:
							'Check Once: the least suggestedWaitSeconds given to Still Running items. n8n’s Wait node parks an execution in its database (no worker held, restarts survived) only for waits over 65 seconds. The Wait node reads its amount from the first item.',
						displayOptions: { show: { '/mode': ['checkOnce'] } },
					},
				],
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		// As an AI agent's tool (type …Tool) only the first output reaches the agent: always wait.
		const checkOnce =
			!this.getNode().type.endsWith('Tool') &&
			this.getNodeParameter('mode', 0, 'wait') === 'checkOnce';
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
				const incoming = fromIncomingItem(this.getInputData()[itemIndex]?.json ?? {});
				if (checkOnce) {
					const options = readOptions(this, itemIndex);
					const number = (name: string, field: string, fallback: number) =>
						Math.max(0, numberOption(this, itemIndex, options[name], field, fallback));
					return await checkJobOnce(this, itemRun, itemIndex, state, jobId, {
						...settings,
						maxChecks: Math.floor(number('maxChecks', 'Max Checks', 100)),
						shortestWaitSeconds: number('shortestWaitSeconds', 'Minimum Wait (Seconds)', 70),
						...incoming,
					});
				}
				// No cancel policy: these jobs were started elsewhere, to outlive any one run.
				return await followJob(this, itemRun, itemIndex, state, jobId, settings, {
					estimatedCost: incoming.estimatedCost,
				});
			},
			checkOnce ? 2 : 1,
		);
	}
}
