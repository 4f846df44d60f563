// The worker side of cpu-thread.ts. Plain JS because it must register tsx before it can load the TypeScript module.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const api = await import(workerData.moduleUrl);
parentPort.on('message', ({ id, fn, args }) => {
  try {
    parentPort.postMessage({ id, value: api[fn](...args) });
  } catch (e) {
    parentPort.postMessage({ id, error: { message: e?.message ?? String(e), issues: e?.issues } });
  }
});
