import { memvisorVitestConfig } from '../../vitest.shared.js';

export default memvisorVitestConfig();
