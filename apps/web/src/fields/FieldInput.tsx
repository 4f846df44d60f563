// One widget per schema field kind, laid out WinBox-style: label on the left, input on the right.
import { useState } from 'react';
import {
  Box,
  Checkbox,
  FormControlLabel,
  FormHelperText,
  IconButton,
  InputAdornment,
  MenuItem,
  Select,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import Visibility from '@mui/icons-material/Visibility';
import VisibilityOff from '@mui/icons-material/VisibilityOff';
import type { Field } from '@ipsec/schema';

export interface FieldInputProps {
  prop: string;
  field: Field;
  value: unknown;
  onChange: (v: unknown) => void;
  error?: string;
  readOnly?: boolean;
  /** ref fields: names of the referenced menu's entries. */
  refNames?: string[];
  /** secret fields: whether a value is stored (shows "unchanged"). */
  secretSet?: boolean;
}

const text = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

export function FieldRow({
  label,
  help,
  required,
  children,
  error,
}: {
  label: string;
  help: string;
  required?: boolean;
  children: React.ReactNode;
  error?: string;
}) {
  return (
    <Box sx={{ display: 'grid', gridTemplateColumns: '150px 1fr', alignItems: 'start', columnGap: 1.5, py: 0.4 }}>
      <Tooltip title={help} placement="left" enterDelay={600}>
        <Typography
          component="label"
          variant="body2"
          sx={{ textAlign: 'right', pt: '6px', color: 'text.secondary', userSelect: 'none' }}
        >
          {label}
          {required ? ' *' : ''}:
        </Typography>
      </Tooltip>
      <Box sx={{ minWidth: 0 }}>
        {children}
        {error ? (
          <FormHelperText error sx={{ mt: 0.25, mx: 0 }}>
            {error}
          </FormHelperText>
        ) : null}
      </Box>
    </Box>
  );
}

export function FieldInput(p: FieldInputProps) {
  const { field } = p;
  return (
    <FieldRow label={field.meta.label} help={field.meta.help} required={field.meta.required} error={p.error}>
      <Widget {...p} />
    </FieldRow>
  );
}

function Widget({ prop, field, value, onChange, error, readOnly, refNames, secretSet }: FieldInputProps) {
  const [show, setShow] = useState(false);
  const base = { size: 'small' as const, fullWidth: true, error: Boolean(error), disabled: readOnly, name: prop };
  const common = { ...base, slotProps: { htmlInput: { 'aria-label': field.meta.label } } };

  switch (field.kind) {
    case 'bool':
      return (
        <Checkbox
          size="small"
          sx={{ p: '4px', ml: '-4px' }}
          checked={Boolean(value)}
          disabled={readOnly}
          onChange={(e) => onChange(e.target.checked)}
          slotProps={{ input: { 'aria-label': field.meta.label } }}
        />
      );
    case 'enum':
      return (
        <Select
          {...base}
          value={text(value)}
          onChange={(e) => onChange(e.target.value)}
          inputProps={{ 'aria-label': field.meta.label }}
        >
          {(field.values ?? []).map((v) => (
            <MenuItem key={v} value={v} dense>
              {v}
            </MenuItem>
          ))}
        </Select>
      );
    case 'ref': {
      const opts = [...(field.default === '' ? [''] : []), ...(field.ref?.specials ?? []), ...(refNames ?? [])];
      const v = text(value);
      if (v !== '' && !opts.includes(v)) opts.push(v);
      return (
        <Select
          {...base}
          value={v}
          displayEmpty
          onChange={(e) => onChange(e.target.value)}
          inputProps={{ 'aria-label': field.meta.label }}
        >
          {opts.map((o) => (
            <MenuItem
              key={o || '(none)'}
              value={o}
              dense
              sx={o === '' ? { color: 'text.secondary', fontStyle: 'italic' } : undefined}
            >
              {o === '' ? '(none)' : o}
            </MenuItem>
          ))}
        </Select>
      );
    }
    case 'enum-list': {
      const sel = Array.isArray(value) ? (value as string[]) : [];
      const toggle = (v: string, on: boolean) => {
        const next = on ? [...sel, v] : sel.filter((x) => x !== v);
        // keep the schema's order so lists print the same way every time
        onChange((field.values ?? []).filter((x) => next.includes(x)));
      };
      return (
        <Box
          role="group"
          aria-label={field.meta.label}
          sx={{
            display: 'grid',
            gridTemplateColumns: 'repeat(auto-fill, minmax(150px, 1fr))',
            columnGap: 1,
            border: 1,
            borderColor: error ? 'error.main' : 'divider',
            borderRadius: 1,
            px: 1,
            py: 0.25,
          }}
        >
          {(field.values ?? []).map((v) => (
            <FormControlLabel
              key={v}
              sx={{ m: 0, '& .MuiFormControlLabel-label': { fontSize: 13 } }}
              control={
                <Checkbox
                  size="small"
                  sx={{ p: '3px' }}
                  checked={sel.includes(v)}
                  disabled={readOnly}
                  onChange={(e) => toggle(v, e.target.checked)}
                />
              }
              label={v}
            />
          ))}
        </Box>
      );
    }
    case 'secret':
      if (field.meta.label.includes('PEM')) {
        // Key and certificate material: pasted as PEM text, never shown back.
        return (
          <TextField
            {...common}
            multiline
            minRows={3}
            maxRows={8}
            value={text(value)}
            placeholder={secretSet ? (readOnly ? '(set)' : 'unchanged') : '-----BEGIN ...-----'}
            onChange={(e) => onChange(e.target.value)}
            slotProps={{
              htmlInput: {
                'aria-label': field.meta.label,
                spellCheck: false,
                style: { fontFamily: 'monospace', fontSize: 11 },
              },
            }}
          />
        );
      }
      return (
        <TextField
          {...common}
          type={show && !readOnly ? 'text' : 'password'}
          value={text(value)}
          autoComplete="new-password"
          placeholder={secretSet ? (readOnly ? '(set)' : 'unchanged') : ''}
          onChange={(e) => onChange(e.target.value)}
          slotProps={{
            htmlInput: { 'aria-label': field.meta.label },
            input: readOnly
              ? {}
              : {
                  endAdornment: (
                    <InputAdornment position="end">
                      <IconButton
                        size="small"
                        aria-label={show ? 'hide' : 'show'}
                        onClick={() => setShow(!show)}
                        edge="end"
                      >
                        {show ? <VisibilityOff fontSize="small" /> : <Visibility fontSize="small" />}
                      </IconButton>
                    </InputAdornment>
                  ),
                },
          }}
        />
      );
    case 'id':
    case 'protocol': {
      const listId = `dl-${prop}`;
      return (
        <>
          <TextField
            {...common}
            value={text(value)}
            onChange={(e) => onChange(e.target.value)}
            slotProps={{ htmlInput: { list: listId, 'aria-label': field.meta.label } }}
          />
          <datalist id={listId}>
            {(field.values ?? []).map((v) => (
              <option key={v} value={field.kind === 'id' && v !== 'auto' && v !== 'ignore' ? `${v}:` : v} />
            ))}
          </datalist>
        </>
      );
    }
    case 'time':
      return (
        <TextField
          {...common}
          value={text(value)}
          placeholder={field.word ? `e.g. 2m or ${field.word}` : 'e.g. 30m, 8h, 1d 00:00:00'}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    case 'port': {
      const listId = `dl-${prop}`;
      return (
        <>
          <TextField
            {...common}
            value={text(value)}
            placeholder="any or 0..65535"
            onChange={(e) => onChange(e.target.value)}
            slotProps={{ htmlInput: { list: listId, 'aria-label': field.meta.label, inputMode: 'numeric' } }}
          />
          <datalist id={listId}>
            <option value="any" />
          </datalist>
        </>
      );
    }
    case 'int':
      return (
        <TextField
          {...common}
          value={text(value)}
          placeholder={field.min !== undefined ? `${field.min}..${field.max}` : ''}
          onChange={(e) => onChange(e.target.value)}
          slotProps={{ htmlInput: { inputMode: 'numeric', 'aria-label': field.meta.label } }}
        />
      );
    case 'address-list':
    case 'prefix-list':
    case 'string-list':
      return (
        <TextField
          {...common}
          value={text(value)}
          placeholder="comma-separated"
          onChange={(e) => onChange(e.target.value)}
        />
      );
    default:
      return <TextField {...common} value={text(value)} onChange={(e) => onChange(e.target.value)} />;
  }
}
