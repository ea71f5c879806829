/**
 * The real-n8n e2e (test/e2e/real-n8n.suite.ts) against n8n 2.40.7, the release the package was
 * written against (its n8n-core/n8n-workflow are the devDependencies' versions), or the version in
 * N8N_E2E_N8N_VERSION. real-n8n-2.41.e2e.test.ts runs the same suite against 2.41.1.
 */
import { N8N_VERSION } from './n8n';
import { describeRealN8n } from './real-n8n.suite';

describeRealN8n(N8N_VERSION);
