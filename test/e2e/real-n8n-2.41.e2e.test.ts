/**
 * The real-n8n e2e (test/e2e/real-n8n.suite.ts) against n8n 2.41.1, the newest n8n 2.x that
 * installs from the registry (2.41.3 depends on n8n-core@2.41.2, which is not published there).
 * A separate file so that jest can run it in another worker than the 2.40.7 one.
 */
import { N8N_LATEST_VERSION } from './n8n';
import { describeRealN8n } from './real-n8n.suite';

describeRealN8n(N8N_LATEST_VERSION);
