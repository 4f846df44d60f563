// The road-warrior wizard's input steps (1-6). Each shows its part of the draft and the issues
// the step's zod schema found, under the input they are about.
import {
  Box,
  Button,
  Checkbox,
  FormControlLabel,
  FormGroup,
  FormHelperText,
  IconButton,
  MenuItem,
  Select,
  Tooltip,
  Typography,
} from '@mui/material';
import AddIcon from '@mui/icons-material/Add';
import RemoveIcon from '@mui/icons-material/RemoveCircleOutlineOutlined';
import {
  DH_GROUP_NAMES,
  ESP_AUTH_NAMES,
  ESP_CIPHER_NAMES,
  HASH_NAMES,
  IKE_CIPHER_NAMES,
  WIZARD_CLIENTS,
  WIZARD_CLIENT_LABELS,
  WIZARD_PASSPHRASE_MIN,
  WIZARD_PSK_MIN,
  defaultProposals,
  type WizardClient,
  type WizardProposals,
} from '@ipsec/schema';
import type { Errors, RwDraft } from './draft.ts';
import { Choice, ListInput, Row, Secret, StepIntro, Text } from './widgets.tsx';

export interface StepProps {
  draft: RwDraft;
  set: (patch: Partial<RwDraft>) => void;
  errors: Errors;
}

export const AUTH_LABELS: Record<RwDraft['auth'], string> = {
  'eap-mschapv2': 'Username and password (EAP-MSCHAPv2)',
  certificate: 'Client certificates',
  psk: 'Pre-shared key',
};

export function AuthStep({ draft, set, errors }: StepProps) {
  return (
    <>
      <StepIntro title="1. Authentication">
        How clients prove who they are. In every case the router proves itself with a server certificate signed by a new
        CA that the clients are given.
      </StepIntro>
      <Row label="Method" error={errors.auth}>
        <Choice
          label="Method"
          value={draft.auth}
          onChange={(auth) => set({ auth })}
          options={[
            {
              value: 'eap-mschapv2',
              label: AUTH_LABELS['eap-mschapv2'],
              detail:
                'One name and password per user (IPsec Users). Native clients on Windows, macOS, iOS; strongSwan on Android and Linux.',
            },
            {
              value: 'certificate',
              label: AUTH_LABELS.certificate,
              detail:
                'One certificate per client, signed by the new CA and handed out as a .p12 file. The strongest choice.',
            },
            {
              value: 'psk',
              label: AUTH_LABELS.psk,
              detail:
                'One secret shared by every client. Simple, but anyone who has it can connect; not offered by some native clients.',
            },
          ]}
        />
      </Row>
      {draft.auth === 'eap-mschapv2' ? <UsersInput draft={draft} set={set} errors={errors} /> : null}
      {draft.auth === 'certificate' ? (
        <>
          <Row
            label="Client certificates"
            error={errors.clientCertificates}
            help="One certificate per client or person; the name is its common name."
          >
            <ListInput
              field="clientCertificates"
              itemLabel="Certificate"
              addLabel="Add certificate"
              rows={draft.clientCertificates}
              onChange={(clientCertificates) => set({ clientCertificates })}
              errors={{ ...errors, clientCertificates: '' }}
              placeholder="e.g. alice-laptop"
            />
          </Row>
          <Row
            label="Export passphrase"
            error={errors.exportPassphrase}
            help={
              `Protects the .p12 files you download after Finish (at least ${WIZARD_PASSPHRASE_MIN} characters). ` +
              `Kept in the router's memory for this session only.`
            }
          >
            <Secret
              label="Export passphrase"
              value={draft.exportPassphrase}
              onChange={(exportPassphrase) => set({ exportPassphrase })}
              error={errors.exportPassphrase}
              generate={16}
            />
          </Row>
        </>
      ) : null}
      {draft.auth === 'psk' ? (
        <Row
          label="Pre-shared key"
          error={errors.psk}
          help={`At least ${WIZARD_PSK_MIN} characters; a value starting with 0x is hex.`}
        >
          <Secret
            label="Pre-shared key"
            value={draft.psk}
            onChange={(psk) => set({ psk })}
            error={errors.psk}
            generate={32}
          />
        </Row>
      ) : null}
    </>
  );
}

function UsersInput({ draft, set, errors }: StepProps) {
  const users = draft.users;
  const put = (i: number, patch: Partial<{ name: string; password: string }>) =>
    set({ users: users.map((u, k) => (k === i ? { ...u, ...patch } : u)) });
  return (
    <Row
      label="Users"
      error={errors.users}
      help="At least 8 characters per password. Users are stored under IP > IPsec > Users."
    >
      <Box role="group" aria-label="Users">
        {users.map((u, i) => {
          const nameErr = errors[`users.${i}.name`] ?? errors[`users.${i}`];
          const passErr = errors[`users.${i}.password`];
          return (
            <Box key={i} sx={{ mb: 0.5 }}>
              <Box
                sx={{
                  display: 'grid',
                  gridTemplateColumns: 'minmax(0, 1fr) minmax(0, 1fr) auto',
                  gap: 0.5,
                  alignItems: 'start',
                }}
              >
                <Box>
                  <Text
                    label={`User ${i + 1} name`}
                    value={u.name}
                    onChange={(name) => put(i, { name })}
                    error={nameErr}
                    placeholder="name"
                  />
                  {nameErr ? (
                    <FormHelperText error sx={{ mx: 0 }} role="alert">
                      {nameErr}
                    </FormHelperText>
                  ) : null}
                </Box>
                <Box>
                  <Secret
                    label={`User ${i + 1} password`}
                    value={u.password}
                    onChange={(password) => put(i, { password })}
                    error={passErr}
                    generate={16}
                  />
                  {passErr ? (
                    <FormHelperText error sx={{ mx: 0 }} role="alert">
                      {passErr}
                    </FormHelperText>
                  ) : null}
                </Box>
                <Tooltip title="Remove user">
                  <span>
                    <IconButton
                      size="small"
                      aria-label={`Remove user ${i + 1}`}
                      disabled={users.length === 1}
                      onClick={() => set({ users: users.filter((_, k) => k !== i) })}
                    >
                      <RemoveIcon fontSize="small" />
                    </IconButton>
                  </span>
                </Tooltip>
              </Box>
            </Box>
          );
        })}
        <Button
          size="small"
          startIcon={<AddIcon fontSize="small" />}
          disabled={users.length >= 200}
          onClick={() => set({ users: [...users, { name: '', password: '' }] })}
          sx={{ py: 0 }}
        >
          Add user
        </Button>
      </Box>
    </Row>
  );
}

export function ServerStep({ draft, set, errors }: StepProps) {
  return (
    <>
      <StepIntro title="2. Server address">
        The public IP address or DNS name clients connect to. It becomes the server certificate's common name and
        subject alternative name, and the identity clients expect from the router: it must be exactly what the clients
        will dial.
      </StepIntro>
      <Row
        label="Server address"
        error={errors.serverAddress}
        help="IP address or fully qualified DNS name, e.g. 203.0.113.1 or vpn.example.com"
      >
        <Text
          label="Server address"
          value={draft.serverAddress}
          onChange={(serverAddress) => set({ serverAddress })}
          error={errors.serverAddress}
          placeholder="vpn.example.com"
          autoFocus
        />
      </Row>
      <Row
        label="Name prefix"
        error={errors.name}
        help={
          `Every object the wizard creates is named after it: ${draft.name || 'rw'}, ${draft.name || 'rw'}-pool, ` +
          `${draft.name || 'rw'}-ca, ${draft.name || 'rw'}-server, ...`
        }
      >
        <Text
          label="Name prefix"
          value={draft.name}
          onChange={(name) => set({ name })}
          error={errors.name}
          width={220}
        />
      </Row>
      <Row label="Key type" error={errors.keyType} help="Of the new CA, server and client certificates.">
        <Select
          size="small"
          value={draft.keyType}
          onChange={(e) => set({ keyType: e.target.value as RwDraft['keyType'] })}
          inputProps={{ 'aria-label': 'Key type' }}
          sx={{ width: 220 }}
        >
          <MenuItem value="rsa" dense>
            RSA 2048
          </MenuItem>
          <MenuItem value="ecdsa" dense>
            ECDSA P-256
          </MenuItem>
        </Select>
      </Row>
    </>
  );
}

export function PoolStep({ draft, set, errors }: StepProps) {
  return (
    <>
      <StepIntro title="3. Client address pool">
        Addresses handed to connected clients (IP &gt; Pool, given out by mode config). Use a range no other network
        here uses.
      </StepIntro>
      <Row
        label="Address ranges"
        error={errors.pool}
        help="A range a.b.c.d-e.f.g.h, a prefix such as 10.10.10.0/24, or a single address. IPv4 only."
      >
        <ListInput
          field="pool"
          itemLabel="Range"
          addLabel="Add range"
          rows={draft.pool}
          onChange={(pool) => set({ pool })}
          errors={{ ...errors, pool: '' }}
          placeholder="10.10.10.10-10.10.10.200"
        />
      </Row>
    </>
  );
}

export function DnsStep({ draft, set, errors }: StepProps) {
  return (
    <>
      <StepIntro title="4. DNS">
        The DNS servers clients use while connected (mode config system-dns / static-dns).
      </StepIntro>
      <Row label="DNS servers">
        <Choice
          label="DNS servers"
          value={draft.dnsMode}
          onChange={(dnsMode) => set({ dnsMode })}
          options={[
            {
              value: 'system',
              label: 'This router',
              detail: 'Clients use the DNS servers this router uses (system-dns=yes).',
            },
            {
              value: 'static',
              label: 'These servers',
              detail: 'For example an internal DNS server reachable through the tunnel.',
            },
            { value: 'none', label: 'None', detail: 'Clients keep their own DNS settings.' },
          ]}
        />
      </Row>
      {draft.dnsMode === 'static' ? (
        <Row label="Servers" error={errors.dns}>
          <ListInput
            field="dns"
            itemLabel="DNS server"
            addLabel="Add server"
            rows={draft.dns}
            onChange={(dns) => set({ dns })}
            errors={{ ...errors, dns: '' }}
            placeholder="10.1.0.53"
            max={8}
          />
        </Row>
      ) : null}
    </>
  );
}

export function NetworksStep({ draft, set, errors }: StepProps) {
  return (
    <>
      <StepIntro title="5. Tunnelled traffic">
        What clients send through the tunnel (mode config split-include; the policy template's destination).
      </StepIntro>
      <Row label="Route">
        <Choice
          label="Route"
          value={draft.tunnel}
          onChange={(tunnel) => set({ tunnel })}
          options={[
            {
              value: 'full',
              label: 'Full tunnel',
              detail: 'All client traffic (0.0.0.0/0) goes through the router; it must NAT it to reach the Internet.',
            },
            {
              value: 'split',
              label: 'Split tunnel',
              detail:
                "Only traffic to these networks goes through the tunnel; the rest goes out the client's own link.",
            },
          ]}
        />
      </Row>
      {draft.tunnel === 'split' ? (
        <Row label="Networks" error={errors.splitNetworks}>
          <ListInput
            field="splitNetworks"
            itemLabel="Network"
            addLabel="Add network"
            rows={draft.splitNetworks}
            onChange={(splitNetworks) => set({ splitNetworks })}
            errors={{ ...errors, splitNetworks: '' }}
            placeholder="10.1.0.0/16"
          />
        </Row>
      ) : null}
    </>
  );
}

export function ClientsStep({ draft, set, errors }: StepProps) {
  const toggle = (c: WizardClient, on: boolean) => {
    const next = on ? [...draft.clients, c] : draft.clients.filter((x) => x !== c);
    set({ clients: WIZARD_CLIENTS.filter((x) => next.includes(x)) });
  };
  const defaults = defaultProposals(draft.clients);
  return (
    <>
      <StepIntro title="6. Client platforms">
        A ready-made profile is generated for each selected platform, and the review checks the settings against what
        its built-in client accepts.
      </StepIntro>
      <Row label="Platforms" error={errors.clients}>
        <FormGroup role="group" aria-label="Platforms">
          {WIZARD_CLIENTS.map((c) => (
            <FormControlLabel
              key={c}
              sx={{ m: 0, '& .MuiFormControlLabel-label': { fontSize: 13 } }}
              control={
                <Checkbox
                  size="small"
                  sx={{ p: '3px', mr: 0.5 }}
                  checked={draft.clients.includes(c)}
                  onChange={(e) => toggle(c, e.target.checked)}
                />
              }
              label={WIZARD_CLIENT_LABELS[c]}
            />
          ))}
        </FormGroup>
      </Row>
      <Row label="Algorithms" error={errors.proposals}>
        <FormControlLabel
          sx={{ m: 0, '& .MuiFormControlLabel-label': { fontSize: 13 } }}
          control={
            <Checkbox
              size="small"
              sx={{ p: '3px', mr: 0.5 }}
              checked={draft.customProposals}
              onChange={(e) =>
                set({
                  customProposals: e.target.checked,
                  ...(e.target.checked ? { proposals: defaults } : {}),
                })
              }
            />
          }
          label="Choose the algorithms myself"
        />
        {!draft.customProposals ? <DefaultProposals proposals={defaults} /> : null}
      </Row>
      {draft.customProposals ? (
        <ProposalsInput proposals={draft.proposals} onChange={(proposals) => set({ proposals })} errors={errors} />
      ) : null}
    </>
  );
}

/** The algorithms a wizard uses when the user does not choose them, one line per phase. */
export function DefaultProposals({ proposals: p }: { proposals: WizardProposals }) {
  return (
    <Typography
      variant="caption"
      color="text.secondary"
      component="div"
      sx={{ mt: 0.25, fontFamily: 'monospace', lineHeight: 1.6 }}
      data-testid="default-proposals"
    >
      phase 1: {p.ike.enc.join(',')} / {p.ike.hash.join(',')} / {p.ike.dh.join(',')}
      <br />
      phase 2: {p.esp.enc.join(',')} / {p.esp.auth.join(',')} / pfs {p.esp.pfs}
    </Typography>
  );
}

const PFS_GROUPS: WizardProposals['esp']['pfs'][] = ['none', ...DH_GROUP_NAMES];

/** Phase 1 and phase 2 algorithms (profile and proposal), issues on "proposals.ike.dh" etc. */
export function ProposalsInput({
  proposals: p,
  onChange: put,
  errors,
}: {
  proposals: WizardProposals;
  onChange: (p: WizardProposals) => void;
  errors: Errors;
}) {
  return (
    <>
      <Typography variant="caption" color="text.secondary" sx={{ display: 'block', mt: 1, mb: 0.5, fontWeight: 600 }}>
        Phase 1 (IPsec profile)
      </Typography>
      <Row label="Encryption" error={errors['proposals.ike.enc']}>
        <Checks
          label="Phase 1 encryption"
          values={IKE_CIPHER_NAMES}
          selected={p.ike.enc}
          onChange={(enc) => put({ ...p, ike: { ...p.ike, enc } })}
        />
      </Row>
      <Row label="Hash" error={errors['proposals.ike.hash']}>
        <Checks
          label="Phase 1 hash"
          values={HASH_NAMES}
          selected={p.ike.hash}
          onChange={(hash) => put({ ...p, ike: { ...p.ike, hash } })}
        />
      </Row>
      <Row label="DH groups" error={errors['proposals.ike.dh']}>
        <Checks
          label="Phase 1 DH groups"
          values={DH_GROUP_NAMES}
          selected={p.ike.dh}
          onChange={(dh) => put({ ...p, ike: { ...p.ike, dh } })}
        />
      </Row>
      <Typography variant="caption" color="text.secondary" sx={{ display: 'block', mt: 1, mb: 0.5, fontWeight: 600 }}>
        Phase 2 (IPsec proposal)
      </Typography>
      <Row label="Encryption" error={errors['proposals.esp.enc']}>
        <Checks
          label="Phase 2 encryption"
          values={ESP_CIPHER_NAMES}
          selected={p.esp.enc}
          onChange={(enc) => put({ ...p, esp: { ...p.esp, enc } })}
        />
      </Row>
      <Row label="Integrity" error={errors['proposals.esp.auth']}>
        <Checks
          label="Phase 2 integrity"
          values={ESP_AUTH_NAMES}
          selected={p.esp.auth}
          onChange={(auth) => put({ ...p, esp: { ...p.esp, auth } })}
        />
      </Row>
      <Row label="PFS group" error={errors['proposals.esp.pfs']}>
        <Select
          size="small"
          value={p.esp.pfs}
          onChange={(e) =>
            put({ ...p, esp: { ...p.esp, pfs: PFS_GROUPS.find((g) => g === e.target.value) ?? 'none' } })
          }
          inputProps={{ 'aria-label': 'PFS group' }}
          sx={{ width: 220 }}
        >
          {PFS_GROUPS.map((g) => (
            <MenuItem key={g} value={g} dense>
              {g}
            </MenuItem>
          ))}
        </Select>
      </Row>
    </>
  );
}

/** Checkboxes for a list of algorithm names, in the schema's order. */
function Checks<T extends string>({
  label,
  values,
  selected,
  onChange,
}: {
  label: string;
  values: readonly T[];
  selected: T[];
  onChange: (v: T[]) => void;
}) {
  return (
    <Box
      role="group"
      aria-label={label}
      sx={{
        display: 'grid',
        gridTemplateColumns: 'repeat(auto-fill, minmax(130px, 1fr))',
        border: 1,
        borderColor: 'divider',
        borderRadius: 1,
        px: 1,
        py: 0.25,
      }}
    >
      {values.map((v) => (
        <FormControlLabel
          key={v}
          sx={{ m: 0, '& .MuiFormControlLabel-label': { fontSize: 12 } }}
          control={
            <Checkbox
              size="small"
              sx={{ p: '2px', mr: 0.25 }}
              checked={selected.includes(v)}
              onChange={(e) => onChange(values.filter((x) => (x === v ? e.target.checked : selected.includes(x))))}
            />
          }
          label={v}
        />
      ))}
    </Box>
  );
}
