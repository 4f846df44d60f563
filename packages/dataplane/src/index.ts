export * from './types.ts';
export * from './algorithms.ts';
export * as xfrm from './xfrm/codec.ts';
export * as xfrmConstants from './xfrm/constants.ts';
export {
  saMessage,
  policyMessage,
  saIdMessage,
  policyIdMessage,
  saInfo,
  policyInfo,
  acquireEvent,
  expireEvent,
} from './xfrm/build.ts';
export { KernelDataPlane, type KernelBackendOptions } from './kernel/backend.ts';
export { XfrmSocket, XfrmError } from './kernel/xfrm-socket.ts';
export { probeKernel, type ProbeResult } from './kernel/probe.ts';
export * from './from-ike.ts';
export * from './from-config.ts';
export { openDataPlane, type DataPlaneChoice, type OpenDataPlaneOptions, type OpenedDataPlane } from './open.ts';
export * as esp from './esp/index.ts';
export {
  UserspaceDataPlane,
  type UserspaceBackendOptions,
  type OutboundResult,
  type InboundResult,
} from './userspace/backend.ts';
export * as userspace from './userspace/index.ts';
