// @ipsec/ike: a sans-IO IKEv2 engine (RFC 7296).
export {
  IkeEngine,
  type Command,
  type Datagram,
  type EngineOptions,
  type IkeSaInfo,
  type RetransmitOptions,
} from './engine.ts';
export type {
  Action,
  DeleteSaAction,
  EventAction,
  IkeSaRekeyedAction,
  IkeStateAction,
  InstallSaAction,
  LogLevel,
  NextTimerAction,
  PolicyAddedAction,
  PolicyRemovedAction,
  SaDirection,
  SendAction,
  TsRange,
} from './actions.ts';
export type {
  CertificateConfig,
  IkeConfig,
  IdentityConfig,
  ModeConfigConfig,
  PeerConfig,
  PolicyConfig,
  ProfileConfig,
  ProposalConfig,
} from './config.ts';
export { ikeAlgorithmsKey } from './config.ts';
export { AddressLeases, type PoolConfig } from './pools.ts';
export type { IkeStatistics } from './statistics.ts';
export type { EapUser } from './auth/eap.ts';
export { phase2Lifetime } from './exchanges/generate-policy.ts';
export type { Endpoint } from './ike-sa.ts';
export type { RandomSource } from './crypto/random.ts';
export { parseMessage, serializeMessage, type IkeMessage, type ParsedMessage } from './codec/message.ts';
export * from './codec/constants.ts';
