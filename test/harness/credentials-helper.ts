/* eslint-disable @n8n/community-nodes/require-node-api-error -- test code, run by jest under Node.js; never shipped, never run inside n8n */
/**
 * Credentials for harness runs: credential types from the given classes, credential data
 * from the test, and `authenticate` applied the way n8n's real CredentialsHelper
 * (packages/cli/src/credentials-helper.ts) does it — both the function kind and the
 * declarative `{ type: 'generic', properties: { auth | headers | qs | body } }` kind.
 */
import { Credentials, getAdditionalKeys } from 'n8n-core';
import { ICredentialsHelper, isExpression, NodeHelpers, UnexpectedError } from 'n8n-workflow';
import type {
	ICredentialDataDecryptedObject,
	ICredentials,
	ICredentialsExpressionResolveValues,
	ICredentialType,
	ICredentialTypes,
	IHttpRequestHelper,
	IExecuteData,
	IHttpRequestOptions,
	INode,
	INodeCredentialsDetails,
	INodeParameters,
	INodeProperties,
	IRequestOptionsSimplified,
	IWorkflowExecuteAdditionalData,
	Workflow,
	WorkflowExecuteMode,
} from 'n8n-workflow';

/** Credential data by credential type name, e.g. `{ scenarioApi: { apiKey: 'k', apiSecret: 's' } }`. */
export interface HarnessCredentials {
	[credentialType: string]: ICredentialDataDecryptedObject;
}

export class HarnessCredentialTypes implements ICredentialTypes {
	constructor(private readonly types: Record<string, ICredentialType>) {}

	recognizes(credentialType: string): boolean {
		return Object.prototype.hasOwnProperty.call(this.types, credentialType);
	}

	getByName(credentialType: string): ICredentialType {
		const type = this.types[credentialType];
		if (type === undefined) {
			throw new UnexpectedError(
				`Test harness: unknown credential type "${credentialType}" — pass it in credentialTypes`,
			);
		}
		return type;
	}

	getSupportedNodes(type: string): string[] {
		return this.types[type]?.supportedNodes ?? [];
	}

	/** All ancestors via `extends` (like n8n's CredentialTypes.getParentTypes, which walks transitively). */
	getParentTypes(typeName: string): string[] {
		const direct = this.types[typeName]?.extends ?? [];
		const all: string[] = [...direct];
		for (const parent of direct) all.push(...this.getParentTypes(parent));
		return all;
	}
}

/** Every call the engine made into the helper, for assertions. */
export interface CredentialsHelperCalls {
	getDecrypted: string[];
	authenticate: string[];
	preAuthentication: string[];
	updated: Array<{ type: string; data: ICredentialDataDecryptedObject }>;
}

export class HarnessCredentialsHelper extends ICredentialsHelper {
	readonly calls: CredentialsHelperCalls = {
		getDecrypted: [],
		authenticate: [],
		preAuthentication: [],
		updated: [],
	};

	constructor(
		private readonly credentialTypes: HarnessCredentialTypes,
		private readonly credentials: HarnessCredentials,
	) {
		super();
	}

	getParentTypes(name: string): string[] {
		return this.credentialTypes.getParentTypes(name);
	}

	isCredentialUsableByNode(credentialType: string, nodeType: string): boolean {
		if (!this.credentialTypes.recognizes(credentialType)) return true;
		const typeDef = this.credentialTypes.getByName(credentialType);
		if (!typeDef.restrictToSupportedNodes) return true;
		return this.credentialTypes.getSupportedNodes(credentialType).includes(nodeType);
	}

	/**
	 * Same algorithm as the real `CredentialsHelper.authenticate`:
	 * - function `authenticate` → called with (credentials, requestOptions);
	 * - generic `authenticate` → for each `properties[outerKey][key] = value`, both key and value
	 *   are resolved as expressions with `$credentials` = the decrypted data (through the
	 *   workflow's real expression engine) and assigned into `requestOptions[outerKey][key]`.
	 */
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		incomingRequestOptions: IHttpRequestOptions | IRequestOptionsSimplified,
		workflow?: Workflow,
		node?: INode,
	): Promise<IHttpRequestOptions> {
		this.calls.authenticate.push(typeName);
		const requestOptions = incomingRequestOptions;
		const credentialType = this.credentialTypes.getByName(typeName);
		const { authenticate } = credentialType;

		if (typeof authenticate === 'function') {
			return await authenticate(credentials, requestOptions as IHttpRequestOptions);
		}

		if (typeof authenticate === 'object') {
			if (!workflow || !node) {
				throw new UnexpectedError(
					'Workflow and node are required for declarative credential authentication',
				);
			}
			if (requestOptions.headers === undefined) requestOptions.headers = {};

			if (authenticate.type === 'generic') {
				const target = requestOptions as unknown as Record<string, Record<string, unknown>>;
				for (const [outerKey, outerValue] of Object.entries(authenticate.properties)) {
					if (outerValue === undefined || outerValue === null) continue;
					for (const [key, value] of Object.entries(outerValue as Record<string, unknown>)) {
						const keyResolved = this.resolveValue(key, credentials, workflow, node);
						const valueResolved = this.resolveValue(value as string, credentials, workflow, node);
						if (!target[outerKey]) target[outerKey] = {};
						target[outerKey][keyResolved] = valueResolved;
					}
				}
			}
		}

		return requestOptions as IHttpRequestOptions;
	}

	/** Mirrors CredentialsHelper.resolveValue: non-expressions pass through, falsy → ''. */
	private resolveValue(
		parameterValue: string,
		credentials: ICredentialDataDecryptedObject,
		workflow: Workflow,
		node: INode,
	): string {
		if (!isExpression(parameterValue)) return parameterValue;
		const returnValue = workflow.expression.getSimpleParameterValue(
			node,
			parameterValue,
			'internal',
			{ $credentials: credentials },
			undefined,
			'',
		);
		if (!returnValue) return '';
		return returnValue.toString();
	}

	/**
	 * Like the real helper: only runs the credential's `preAuthentication` when it has a hidden
	 * `expirable` property that is empty, or the engine says the credentials expired (401 retry).
	 * The refreshed data is merged into the in-memory test credentials (the real one writes the DB).
	 */
	async preAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		_node: INode,
		credentialsExpired: boolean,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		this.calls.preAuthentication.push(typeName);
		const credentialType = this.credentialTypes.getByName(typeName);
		const expirableProperty = credentialType.properties.find(
			(property) => property.type === 'hidden' && property.typeOptions?.expirable === true,
		);
		if (expirableProperty?.name === undefined) return undefined;
		if (typeof credentialType.preAuthentication !== 'function') return undefined;
		if (credentials[expirableProperty.name] !== '' && !credentialsExpired) return undefined;

		const output = await credentialType.preAuthentication.call(helpers, credentials);
		if (output[expirableProperty.name] === undefined) return undefined;
		const stored = this.credentials[typeName];
		if (stored) Object.assign(stored, output);
		return Object.assign(credentials, output);
	}

	async runPreAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const credentialType = this.credentialTypes.getByName(typeName);
		if (typeof credentialType.preAuthentication !== 'function') return undefined;
		const output = await credentialType.preAuthentication.call(helpers, credentials);
		return output as ICredentialDataDecryptedObject;
	}

	async getCredentials(
		nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentials> {
		return new Credentials({ id: nodeCredentials.id, name: nodeCredentials.name }, type, '');
	}

	/**
	 * The test credentials, post-processed like the real `getDecrypted` →
	 * `applyDefaultsAndOverwrites`: property defaults filled in (NodeHelpers.getNodeParameters,
	 * so e.g. an omitted `baseUrl` gets its default), `oauthTokenData` kept, and expressions in
	 * the data (`'={{ ... }}'`) resolved in the calling node's context. `raw` → data as given.
	 */
	async getDecrypted(
		additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
		mode: WorkflowExecuteMode,
		executeData?: IExecuteData,
		raw?: boolean,
		expressionResolveValues?: ICredentialsExpressionResolveValues,
	): Promise<ICredentialDataDecryptedObject> {
		this.calls.getDecrypted.push(type);
		const stored = this.credentials[type];
		if (stored === undefined) {
			throw new UnexpectedError(
				`Test harness: no credentials of type "${type}" were given to the harness`,
			);
		}
		// A copy each time, like the real helper (which decrypts afresh).
		const original = structuredClone(stored);
		if (raw === true) return original;

		let data = (NodeHelpers.getNodeParameters(
			this.getCredentialsProperties(type),
			original as INodeParameters,
			true,
			false,
			null,
			null,
		) ?? {}) as ICredentialDataDecryptedObject;
		if (original.oauthTokenData !== undefined) data.oauthTokenData = original.oauthTokenData;

		if (expressionResolveValues && Object.values(data).some((value) => isExpression(value))) {
			const additionalKeys = getAdditionalKeys(additionalData, mode, null, { isCredential: true });
			try {
				data = expressionResolveValues.workflow.expression.getParameterValue(
					data as INodeParameters,
					expressionResolveValues.runExecutionData,
					expressionResolveValues.runIndex,
					expressionResolveValues.itemIndex,
					expressionResolveValues.node.name,
					expressionResolveValues.connectionInputData,
					mode,
					additionalKeys,
					executeData,
					false,
					data,
				) as ICredentialDataDecryptedObject;
			} catch (e) {
				if (e instanceof Error) e.message += ' [Error resolving credentials]';
				throw e;
			}
		}
		return data;
	}

	async updateCredentials(
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		this.calls.updated.push({ type, data });
	}

	async updateCredentialsOauthTokenData(
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		this.calls.updated.push({ type, data });
		const stored = this.credentials[type];
		if (stored) stored.oauthTokenData = data.oauthTokenData;
	}

	/** Same as the real helper: own properties, merged over those of `extends` parents. */
	getCredentialsProperties(type: string): INodeProperties[] {
		const credentialTypeData = this.credentialTypes.getByName(type);
		if (credentialTypeData.extends === undefined) return credentialTypeData.properties;
		const combined: INodeProperties[] = [];
		for (const parent of credentialTypeData.extends) {
			NodeHelpers.mergeNodeProperties(combined, this.getCredentialsProperties(parent));
		}
		NodeHelpers.mergeNodeProperties(combined, credentialTypeData.properties);
		return combined;
	}
}
