/* eslint-disable @n8n/community-nodes/icon-validation, @n8n/community-nodes/node-usable-as-tool, @n8n/community-nodes/require-node-description-fields -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Test-only source node: emits the items given to the harness. Binaries are stored through
 * `this.helpers.prepareBinaryData`, i.e. n8n's real BinaryDataService (kept inline as base64 in
 * 'default' mode, written to disk in 'filesystem' mode) — exactly how a real upstream node
 * (HTTP Request, Read File, ...) hands binaries to the node under test.
 */
import { NodeConnectionTypes } from 'n8n-workflow';
import type {
	IBinaryKeyData,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

export const TEST_ITEMS_SOURCE_TYPE = 'test.itemsSource';

export interface HarnessBinaryInput {
	data: Buffer;
	mimeType: string;
	fileName?: string;
}

export interface HarnessInputItem {
	json: IDataObject;
	binary?: Record<string, HarnessBinaryInput>;
}

export class TestItemsSource implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Test Items Source',
		name: TEST_ITEMS_SOURCE_TYPE,
		group: ['input'],
		version: 1,
		description: 'Test-only: emits the items given to the harness',
		defaults: { name: 'Test Items Source' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	/** n8n calls `execute` with `this` bound to the execution context, so the items are closed over. */
	execute: (this: IExecuteFunctions) => Promise<INodeExecutionData[][]>;

	constructor(items: HarnessInputItem[]) {
		this.execute = async function (this: IExecuteFunctions) {
			const out: INodeExecutionData[] = [];
			for (const item of items) {
				const entry: INodeExecutionData = {
					json: structuredClone(item.json),
					pairedItem: { item: 0 },
				};
				if (item.binary) {
					const binary: IBinaryKeyData = {};
					for (const [key, value] of Object.entries(item.binary)) {
						binary[key] = await this.helpers.prepareBinaryData(
							value.data,
							value.fileName,
							value.mimeType,
						);
					}
					entry.binary = binary;
				}
				out.push(entry);
			}
			return [out];
		};
	}
}
