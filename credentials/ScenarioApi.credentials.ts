import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

export const DEFAULT_BASE_URL = 'https://api.cloud.scenario.com/v1';

/**
 * The base URL the credential test may call: https, or plain http on a loopback address only
 * (the local simulator). Anything else is pointed at the discard port on loopback so the key
 * and secret never travel in clear text; the nodes refuse such a URL with a clear message.
 * Kept in step with `checkBaseUrl` in nodes/shared/transport/connection.ts.
 */
const SAFE_BASE_URL_EXPRESSION =
	"={{ /^https:\\/\\/|^http:\\/\\/(localhost|127(\\.\\d{1,3}){3}|\\[::1\\])(:\\d+)?(\\/|$)/i.test($credentials.baseUrl) ? $credentials.baseUrl.replace(/\\/+$/, '') : 'http://127.0.0.1:9/base-url-must-use-https' }}";

export class ScenarioApi implements ICredentialType {
	name = 'scenarioApi';

	displayName = 'Scenario API';

	icon: Icon = { light: 'file:scenario.svg', dark: 'file:scenario.dark.svg' };

	documentationUrl = 'https://docs.scenario.com/docs/api-key';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The API key from your Scenario workspace (Settings → API Keys)',
		},
		{
			displayName: 'API Secret',
			name: 'apiSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The secret shown once when the API key was created',
		},
		{
			displayName: 'Project ID',
			name: 'projectId',
			type: 'string',
			default: '',
			placeholder: 'e.g. proj_eTyi419soRtdN2AexdFHZDqX',
			description:
				'Optional. Sent as the projectId query parameter on every call, for keys that can reach several projects.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: DEFAULT_BASE_URL,
			description:
				'Change only to reach a Scenario-compatible server. Must be https, except on a loopback address (localhost, 127.x.x.x, [::1]).',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			auth: {
				username: '={{$credentials.apiKey}}',
				password: '={{$credentials.apiSecret}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: SAFE_BASE_URL_EXPRESSION,
			url: '/models',
			qs: {
				pageSize: 1,
				projectId: '={{$credentials.projectId || undefined}}',
			},
		},
	};
}
