import { runSourceConformance } from './source-suite.js';
runSourceConformance({ vendor: 'clerk', load: () => import('../../src/connectors/clerk/index.js') });
