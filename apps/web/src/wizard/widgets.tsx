// Inputs of the wizard steps, in the entry dialogs' style (label left, input right, error under
// the input): lists with one input per row, secrets with show/generate, radio choices.
import { useState } from 'react';
import {
  Box,
  Button,
  FormControlLabel,
  FormHelperText,
  IconButton,
  InputAdornment,
  Radio,
  RadioGroup,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import AddIcon from '@mui/icons-material/Add';
import RemoveIcon from '@mui/icons-material/RemoveCircleOutlineOutlined';
import Visibility from '@mui/icons-material/Visibility';
import VisibilityOff from '@mui/icons-material/VisibilityOff';
import GenerateIcon from '@mui/icons-material/Casino';
import type { Errors } from './draft.ts';

/** A step's heading and what it is about. */
export function StepIntro({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <Box sx={{ mb: 1.5 }}>
      <Typography component="h2" variant="subtitle1" sx={{ fontWeight: 600, fontSize: 15 }}>
        {title}
      </Typography>
      {children ? (
        <Typography variant="body2" color="text.secondary" sx={{ mt: 0.25, maxWidth: 720 }}>
          {children}
        </Typography>
      ) : null}
    </Box>
  );
}

/** Label column and input column, as FieldRow in the entry dialogs (the label names the input). */
export function Row({
  label,
  help,
  children,
  error,
  id,
}: {
  label: string;
  help?: string;
  children: React.ReactNode;
  error?: string;
  id?: string;
}) {
  return (
    <Box
      sx={{
        display: 'grid',
        gridTemplateColumns: { xs: '120px 1fr', md: '170px 1fr' },
        alignItems: 'start',
        columnGap: 1.5,
        py: 0.5,
        maxWidth: 760,
      }}
    >
      <Typography
        component="label"
        htmlFor={id}
        variant="body2"
        sx={{ textAlign: 'right', pt: '6px', color: 'text.secondary', userSelect: 'none' }}
      >
        {label}:
      </Typography>
      <Box sx={{ minWidth: 0 }}>
        {children}
        {error ? (
          <FormHelperText error sx={{ mt: 0.25, mx: 0 }} role="alert">
            {error}
          </FormHelperText>
        ) : null}
        {help ? <FormHelperText sx={{ mt: 0.25, mx: 0 }}>{help}</FormHelperText> : null}
      </Box>
    </Box>
  );
}

export function Text({
  label,
  value,
  onChange,
  error,
  placeholder,
  autoFocus,
  width,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  error?: string;
  placeholder?: string;
  autoFocus?: boolean;
  width?: number;
}) {
  return (
    <TextField
      size="small"
      fullWidth={!width}
      sx={width ? { width } : undefined}
      value={value}
      error={Boolean(error)}
      placeholder={placeholder}
      autoFocus={autoFocus}
      onChange={(e) => onChange(e.target.value)}
      slotProps={{ htmlInput: { 'aria-label': label, 'aria-invalid': Boolean(error), spellCheck: false } }}
    />
  );
}

/** A random secret of `length` characters from an unambiguous alphabet (no 0/O, 1/l/I). */
export function randomSecret(length = 24): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

/** A password input with show/hide and, optionally, a generator. */
export function Secret({
  label,
  value,
  onChange,
  error,
  generate,
  width,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  error?: string;
  generate?: number;
  width?: number;
}) {
  const [show, setShow] = useState(false);
  return (
    <TextField
      size="small"
      fullWidth={!width}
      sx={width ? { width } : undefined}
      type={show ? 'text' : 'password'}
      autoComplete="new-password"
      value={value}
      error={Boolean(error)}
      onChange={(e) => onChange(e.target.value)}
      slotProps={{
        htmlInput: { 'aria-label': label, 'aria-invalid': Boolean(error), spellCheck: false },
        input: {
          endAdornment: (
            <InputAdornment position="end">
              {generate ? (
                <Tooltip title="Generate a random one">
                  <IconButton
                    size="small"
                    aria-label={`Generate ${label}`}
                    onClick={() => {
                      onChange(randomSecret(generate));
                      setShow(true);
                    }}
                  >
                    <GenerateIcon fontSize="small" />
                  </IconButton>
                </Tooltip>
              ) : null}
              <IconButton
                size="small"
                aria-label={show ? `Hide ${label}` : `Show ${label}`}
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
}

/**
 * A list with one input per row (pool ranges, networks, DNS servers, certificate names); the
 * schema's issue for item i ("pool.1") shows under row i, an issue on the list ("pool") under it.
 */
export function ListInput({
  field,
  itemLabel,
  addLabel,
  rows,
  onChange,
  errors,
  placeholder,
  max = 32,
}: {
  field: string;
  itemLabel: string;
  addLabel: string;
  rows: string[];
  onChange: (rows: string[]) => void;
  errors: Errors;
  placeholder?: string;
  max?: number;
}) {
  const set = (i: number, v: string) => onChange(rows.map((r, k) => (k === i ? v : r)));
  return (
    <Box>
      {rows.map((r, i) => {
        const err = errors[`${field}.${i}`];
        return (
          <Box key={i} sx={{ mb: 0.5 }}>
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5 }}>
              <Text
                label={`${itemLabel} ${i + 1}`}
                value={r}
                onChange={(v) => set(i, v)}
                error={err}
                placeholder={placeholder}
              />
              <Tooltip title={`Remove ${itemLabel.toLowerCase()}`}>
                <span>
                  <IconButton
                    size="small"
                    aria-label={`Remove ${itemLabel} ${i + 1}`}
                    disabled={rows.length === 1}
                    onClick={() => onChange(rows.filter((_, k) => k !== i))}
                  >
                    <RemoveIcon fontSize="small" />
                  </IconButton>
                </span>
              </Tooltip>
            </Box>
            {err ? (
              <FormHelperText error sx={{ mx: 0 }} role="alert">
                {err}
              </FormHelperText>
            ) : null}
          </Box>
        );
      })}
      {errors[field] ? (
        <FormHelperText error sx={{ mx: 0, mb: 0.5 }} role="alert">
          {errors[field]}
        </FormHelperText>
      ) : null}
      <Button
        size="small"
        startIcon={<AddIcon fontSize="small" />}
        disabled={rows.length >= max}
        onClick={() => onChange([...rows, ''])}
        sx={{ py: 0 }}
      >
        {addLabel}
      </Button>
    </Box>
  );
}

/** One of a few choices, each with a line saying what it means. */
export function Choice<T extends string>({
  label,
  value,
  onChange,
  options,
}: {
  label: string;
  value: T;
  onChange: (v: T) => void;
  options: { value: T; label: string; detail?: string }[];
}) {
  return (
    <RadioGroup aria-label={label} value={value} onChange={(e) => onChange(e.target.value as T)}>
      {options.map((o) => (
        <FormControlLabel
          key={o.value}
          value={o.value}
          control={<Radio size="small" sx={{ p: '4px', mr: 0.5 }} />}
          sx={{ alignItems: 'flex-start', mx: 0, mb: 0.5, '& .MuiFormControlLabel-label': { pt: '3px' } }}
          label={
            <Box>
              <Typography variant="body2" sx={{ fontWeight: 500 }}>
                {o.label}
              </Typography>
              {o.detail ? (
                <Typography variant="caption" color="text.secondary" sx={{ display: 'block', lineHeight: 1.35 }}>
                  {o.detail}
                </Typography>
              ) : null}
            </Box>
          }
        />
      ))}
    </RadioGroup>
  );
}
