// The IKE SA's hard lifetime (RouterOS profile lifetime, not rekeyed in time): delete it, and as its initiator start
// a fresh one, as RouterOS does.
import type { TimerUnit } from './unit.ts';
import { sendDeleteIke } from './ike-delete.ts';

export const ikeReauthTimer: TimerUnit = {
  name: 'ike-reauth',
  due(sa) {
    const life = sa.rp.profile.lifetime;
    return sa.state === 'established' && life > 0 && sa.establishedAt !== undefined
      ? sa.establishedAt + life * 1000
      : undefined;
  },
  fire(ctx, sa) {
    ctx.log('info', 'IKE SA hard lifetime expired (not rekeyed in time): deleting and re-establishing', sa);
    sendDeleteIke(ctx, sa, 'lifetime expired');
    if (sa.initiator) {
      const peer = sa.peerName;
      const local = { address: sa.local.address, port: 500 };
      ctx.destroy(sa, 'lifetime expired');
      ctx.initiate(peer, local);
    }
    return true;
  },
};
