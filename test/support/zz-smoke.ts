import { TestCluster } from './cluster.js';
const l = await TestCluster.start({ implementation: 'lodestone', size: 3 });
console.log(l.endpoints.join(','));
process.on('SIGINT', async () => { await l.destroy(); process.exit(0); });
setInterval(() => {}, 1000);
