// The units this engine runs. Order matters where several share an exchange: the first that claims a request
// takes it (dpd answers any INFORMATIONAL the others leave, child-create any CREATE_CHILD_SA), and timers run in
// this order on each tick.
import { childCreateUnit } from './child-create.ts';
import { childDeleteUnit, childExpiryTimer } from './child-delete.ts';
import { childRekeyTimer, childRekeyUnit } from './child-rekey.ts';
import { dpdTimer, dpdUnit } from './dpd.ts';
import { authFailedUnit, ikeAuthUnit } from './ike-auth.ts';
import { ikeDeleteUnit } from './ike-delete.ts';
import { ikeInitUnit } from './ike-init.ts';
import { ikeReauthTimer } from './ike-reauth.ts';
import { ikeRekeyTimer, ikeRekeyUnit, rekeyedWaitTimer } from './ike-rekey.ts';
import { natKeepaliveTimer } from './nat-detection.ts';
import { UnitRegistry } from './unit.ts';

export const IKEV2_UNITS = new UnitRegistry(
  [ikeAuthUnit, authFailedUnit, ikeDeleteUnit, childDeleteUnit, dpdUnit, ikeRekeyUnit, childRekeyUnit, childCreateUnit],
  [ikeInitUnit],
  [rekeyedWaitTimer, natKeepaliveTimer, dpdTimer, ikeReauthTimer, ikeRekeyTimer, childRekeyTimer, childExpiryTimer],
);
