export { runWorkflow, runNode, SOURCE_NODE_NAME, NODE_UNDER_TEST_NAME } from './runWorkflow';
export type {
	RunOptions,
	RunResult,
	RunNodeOptions,
	RunNodeResult,
	RunNodeSpec,
	HarnessCredentials,
	HarnessBinaryMode,
	HarnessBinaryInput,
	HarnessInputItem,
	HarnessLogEntry,
} from './runWorkflow';
export { cleanupHarness } from './environment';
export { watchOpenedFiles } from './open-files';
export type { OpenedFilesWatch } from './open-files';
export { HarnessCredentialsHelper, HarnessCredentialTypes } from './credentials-helper';
export { HarnessNodeTypes } from './node-types';
export { TestItemsSource, TEST_ITEMS_SOURCE_TYPE } from './test-items-source.node';
