// Constants of the Linux XFRM netlink interface, from include/uapi/linux/xfrm.h and linux/netlink.h.

export const NETLINK_XFRM = 6;

// linux/netlink.h
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_DUMP = 0x300; // NLM_F_ROOT | NLM_F_MATCH
export const NLM_F_CAPPED = 0x100; // in NLMSG_ERROR: the echoed request is only its header
export const NLM_F_ACK_TLVS = 0x200; // in NLMSG_ERROR: extended ack attributes follow
export const NLMSGERR_ATTR_MSG = 1;
export const NLMSGERR_ATTR_OFFS = 2;
export const SOL_NETLINK = 270;
export const NETLINK_EXT_ACK = 11;

// xfrm.h: enum { XFRM_MSG_BASE = 0x10, ... }
export const XFRM_MSG = {
  NEWSA: 0x10,
  DELSA: 0x11,
  GETSA: 0x12,
  NEWPOLICY: 0x13,
  DELPOLICY: 0x14,
  GETPOLICY: 0x15,
  ALLOCSPI: 0x16,
  ACQUIRE: 0x17,
  EXPIRE: 0x18,
  UPDPOLICY: 0x19,
  UPDSA: 0x1a,
  POLEXPIRE: 0x1b,
  FLUSHSA: 0x1c,
  FLUSHPOLICY: 0x1d,
  NEWAE: 0x1e,
  GETAE: 0x1f,
  REPORT: 0x20,
  MIGRATE: 0x21,
  NEWSADINFO: 0x22,
  GETSADINFO: 0x23,
  NEWSPDINFO: 0x24,
  GETSPDINFO: 0x25,
  MAPPING: 0x26,
} as const;

// enum xfrm_attr_type_t
export const XFRMA = {
  UNSPEC: 0,
  ALG_AUTH: 1,
  ALG_CRYPT: 2,
  ALG_COMP: 3,
  ENCAP: 4,
  TMPL: 5,
  SA: 6,
  POLICY: 7,
  SEC_CTX: 8,
  LTIME_VAL: 9,
  REPLAY_VAL: 10,
  REPLAY_THRESH: 11,
  ETIMER_THRESH: 12,
  SRCADDR: 13,
  COADDR: 14,
  LASTUSED: 15,
  POLICY_TYPE: 16,
  MIGRATE: 17,
  ALG_AEAD: 18,
  KMADDRESS: 19,
  ALG_AUTH_TRUNC: 20,
  MARK: 21,
  TFCPAD: 22,
  REPLAY_ESN_VAL: 23,
  SA_EXTRA_FLAGS: 24,
  PROTO: 25,
  ADDRESS_FILTER: 26,
  PAD: 27,
  OFFLOAD_DEV: 28,
  SET_MARK: 29,
  SET_MARK_MASK: 30,
  IF_ID: 31,
  MTIMER_THRESH: 32,
  SA_DIR: 33,
} as const;

// enum xfrm_nlgroups
export const XFRMNLGRP = {
  ACQUIRE: 1,
  EXPIRE: 2,
  SA: 3,
  POLICY: 4,
  AEVENTS: 5,
  REPORT: 6,
  MIGRATE: 7,
  MAPPING: 8,
} as const;

export const XFRM_POLICY_IN = 0;
export const XFRM_POLICY_OUT = 1;
export const XFRM_POLICY_FWD = 2;
export const XFRM_POLICY_ALLOW = 0;
export const XFRM_POLICY_BLOCK = 1;

export const XFRM_MODE_TRANSPORT = 0;
export const XFRM_MODE_TUNNEL = 1;

// xfrm_usersa_info.flags
export const XFRM_STATE_NOECN = 1;
export const XFRM_STATE_DECAP_DSCP = 2;
export const XFRM_STATE_NOPMTUDISC = 4;
export const XFRM_STATE_WILDRECV = 8;
export const XFRM_STATE_ICMP = 16;
export const XFRM_STATE_AF_UNSPEC = 32;
export const XFRM_STATE_ALIGN4 = 64;
export const XFRM_STATE_ESN = 128;

/** xfrm_lifetime_cfg: "no limit". */
export const XFRM_INF = 0xffff_ffff_ffff_ffffn;

export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_COMP = 108;
export const AF_INET = 2;
export const AF_INET6 = 10;
/** linux/udp.h: ESP in UDP, RFC 3948. */
export const UDP_ENCAP_ESPINUDP = 2;

// Structure sizes (x86_64 and every other Linux ABI: the structs are u64-aligned where they hold u64s).
export const SIZEOF = {
  nlmsghdr: 16,
  nlattr: 4,
  address: 16,
  selector: 56,
  id: 24,
  lifetimeCfg: 64,
  lifetimeCur: 32,
  stats: 12,
  usersaInfo: 224,
  usersaId: 24,
  userpolicyInfo: 168,
  userpolicyId: 64,
  userTmpl: 64,
  encapTmpl: 24,
  userAcquire: 280,
  userExpire: 232,
  userspiInfo: 232,
  userPolexpire: 176,
  algoName: 64,
} as const;
