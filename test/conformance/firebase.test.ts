import { runSourceConformance } from './source-suite.js';
runSourceConformance({ vendor: 'firebase', load: () => import('../../src/connectors/firebase/index.js') });
