// n8n's own lint setup for community nodes: eslint-plugin-n8n-nodes-base plus the
// n8n Cloud rules (no restricted globals or imports, no runtime dependencies, ...).
import { config } from '@n8n/node-cli/eslint';

export default config;
