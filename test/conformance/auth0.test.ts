import { runSourceConformance } from './source-suite.js';
runSourceConformance({ vendor: 'auth0', load: () => import('../../src/connectors/auth0/index.js') });
