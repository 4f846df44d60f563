// Log: live.log lines (time, topics, message), resumed after reconnects, with topic filter and search.
import { useEffect, useMemo, useRef, useState } from 'react';
import { Box, Chip, TextField, Typography } from '@mui/material';
import { trpc } from '../api/trpc.ts';
import { Window } from '../shell/Window.tsx';
import { appendLine, filterLines, formatLogTime, type LogLine } from './lines.ts';

const TOPICS = ['ipsec', 'error', 'warning', 'info', 'debug', 'system'];

function useLogLines(): LogLine[] {
  const [lines, setLines] = useState<LogLine[]>([]);
  useEffect(() => {
    const sub = trpc().live.log.subscribe(
      { since: 0 },
      {
        onData: (t) => setLines((prev) => appendLine(prev, t.data)),
      },
    );
    return () => sub.unsubscribe();
  }, []);
  return lines;
}

export function LogWindow() {
  const lines = useLogLines();
  const [topics, setTopics] = useState<string[]>([]);
  const [find, setFind] = useState('');
  const end = useRef<HTMLDivElement>(null);

  const shown = useMemo(() => filterLines(lines, topics, find), [lines, topics, find]);

  useEffect(() => {
    end.current?.scrollIntoView({ block: 'end' });
  }, [shown.length]);

  const toggle = (t: string) => setTopics((ts) => (ts.includes(t) ? ts.filter((x) => x !== t) : [...ts, t]));

  return (
    <Window title="Log">
      <Box
        sx={{
          display: 'flex',
          alignItems: 'center',
          gap: 0.5,
          px: 1,
          py: 0.5,
          borderBottom: 1,
          borderColor: 'divider',
          flexWrap: 'wrap',
        }}
      >
        <Typography variant="caption" color="text.secondary" sx={{ mr: 0.5 }}>
          Topics:
        </Typography>
        {TOPICS.map((t) => (
          <Chip
            key={t}
            size="small"
            label={t}
            clickable
            color={topics.includes(t) ? 'primary' : 'default'}
            variant={topics.includes(t) ? 'filled' : 'outlined'}
            onClick={() => toggle(t)}
            sx={{ height: 22 }}
          />
        ))}
        <Box sx={{ flex: 1 }} />
        <TextField
          size="small"
          placeholder="Find"
          value={find}
          onChange={(e) => setFind(e.target.value)}
          slotProps={{ htmlInput: { 'aria-label': 'Find', style: { padding: '3px 8px', fontSize: 13 } } }}
          sx={{ width: 220 }}
        />
      </Box>
      <Box
        sx={{
          flex: 1,
          overflow: 'auto',
          fontFamily: 'ui-monospace, Menlo, Consolas, monospace',
          fontSize: 12,
          px: 1,
          py: 0.5,
        }}
        role="log"
        aria-live="polite"
      >
        {shown.length === 0 ? (
          <Typography variant="body2" color="text.secondary" sx={{ p: 1 }}>
            {lines.length ? 'No lines match the filter.' : 'No log lines yet.'}
          </Typography>
        ) : (
          shown.map((l) => (
            <Box
              key={l.seq}
              sx={{
                display: 'grid',
                gridTemplateColumns: '150px 140px 1fr',
                gap: 1,
                color: l.topics.includes('error')
                  ? 'error.main'
                  : l.topics.includes('warning')
                    ? 'warning.main'
                    : 'text.primary',
                '&:hover': { bgcolor: 'action.hover' },
              }}
            >
              <span>{formatLogTime(l.at)}</span>
              <span style={{ opacity: 0.75 }}>{l.topics.join(',')}</span>
              <span style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>{l.message}</span>
            </Box>
          ))
        )}
        <div ref={end} />
      </Box>
      <Box sx={{ px: 1, py: 0.25, borderTop: 1, borderColor: 'divider' }}>
        <Typography variant="caption">
          {shown.length} of {lines.length} lines
        </Typography>
      </Box>
    </Window>
  );
}
