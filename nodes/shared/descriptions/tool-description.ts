import type { INodeProperties } from 'n8n-workflow';

/**
 * What a node's tool hands back to an AI Agent. n8n gives the model the JSON of the node's
 * output items (JSON.stringify of them, as an array) and never their binary data.
 */
const outputs = (costs: string) =>
	`Returns a JSON array with one object per output file: url (a signed link to the file, valid for at least 24 hours), assetId, jobId, status, ${costs}, mimeType, width and height.`;
const COSTS =
	'estimatedCost, billedCost and billedCostDetails (in Scenario Creative Units: the estimate given when the job was submitted, and the cost and the itemized fees on the job’s billing record; each is null when Scenario gives none)';
export const GENERATION_RESULT = `${outputs(COSTS)} If the node is set not to wait for completion: one object with the jobId, status, estimatedCost and billedCost.`;
/** Wait for Job knows the bill; the estimate only when its incoming item carries it. */
export const JOB_RESULT = outputs(
	'billedCost and billedCostDetails (the cost and the itemized fees on the job’s billing record, in Scenario Creative Units; null when Scenario gives none), estimatedCost (the submission’s estimate when the incoming item carries it, else null)',
);

/**
 * The Description of a node's tool variant (`<name>Tool`, which n8n derives from a
 * node with `usableAsTool`): what the AI Agent's language model reads about the tool.
 *
 * n8n adds such a field itself, defaulting to the node's description, but that sentence is
 * written for people browsing nodes and says nothing of what comes back. This one is shown only
 * on the tool variant (`@tool`), and n8n fills its default in at execution, so the model reads
 * it unless the user writes their own. (`usableAsTool.replacements` would not do: n8n 2.40.7
 * applies them in the editor's node list but not to the type it executes.)
 */
export function toolDescriptionField(task: string, result = GENERATION_RESULT): INodeProperties {
	return {
		displayName: 'Description',
		name: 'toolDescription',
		type: 'string',
		default: `${task} ${result}`,
		required: true,
		typeOptions: { rows: 4 },
		displayOptions: { show: { '@tool': [true] } },
		description:
			'What the AI agent is told about this tool: what it does and what it returns. The inputs the agent fills in are the ones set with $fromAI().',
	};
}
