// n8n's lint config (eslint.config.mjs, kept as n8n's template has it) plus two things it lacks:
//  - the layer rules of nodes/shared: each folder imports only from the folders below it, and
//    nothing imports in a cycle. The layers, lowest first:
//      transport → model → files | methods | descriptions → execute → the node folders
//  - eslint-plugin-n8n-nodes-base's whole `nodes` and `credentials` rule sets (n8n's config
//    runs them with five rules off; here each rule is on unless switched off below, with why).
import { config } from '@n8n/node-cli/eslint';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';

const shared = './nodes/shared';
const nodeFolders = './nodes/Scenario*';
/** Each layer with what it must not import: the layers above it, and its siblings. */
const layers = [
	{ target: `${shared}/transport`, from: ['model', 'files', 'methods', 'descriptions', 'execute'] },
	{ target: `${shared}/model`, from: ['files', 'methods', 'descriptions', 'execute'] },
	{ target: `${shared}/files`, from: ['methods', 'descriptions', 'execute'] },
	{ target: `${shared}/methods`, from: ['files', 'descriptions', 'execute'] },
	{ target: `${shared}/descriptions`, from: ['files', 'methods', 'execute'] },
];

export default [
	...config,
	{
		files: ['nodes/**/*.ts', 'credentials/**/*.ts'],
		// no-cycle follows imports only into files it can parse: tell it ours are TypeScript.
		settings: { 'import-x/extensions': ['.ts'] },
		rules: {
			'import-x/no-cycle': 'error',
			'import-x/no-restricted-paths': [
				'error',
				{
					zones: [
						...layers.map(({ target, from }) => ({
							target,
							from: from.map((layer) => `${shared}/${layer}`),
							message: 'nodes/shared layers import only from the layers below them (see eslint.layers.config.mjs).',
						})),
						{ target: shared, from: nodeFolders, message: 'Shared code must not import from a node.' },
						{ target: './credentials', from: './nodes', message: 'The credential must not import from the nodes.' },
					],
				},
			],
		},
	},
	{
		files: ['nodes/**/*.ts'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: { ...n8nNodesBase.configs.nodes.rules },
	},
	{
		files: ['credentials/**/*.ts'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			// A docs slug in camelCase is n8n's own repository's convention; ours is a full URL.
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
		},
	},
];
