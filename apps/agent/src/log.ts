// The agent's own log (pino, JSON lines on stderr). Secrets never reach it: callers log names
// and summaries, and the redaction list below is a second line of defence.
import pino from 'pino';

export const logger = pino(
  {
    level: process.env.LOG_LEVEL ?? 'info',
    redact: {
      paths: [
        'password',
        'secret',
        '*.password',
        '*.secret',
        '*.private-key-pem',
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'headers.cookie',
      ],
      censor: '(hidden)',
    },
  },
  pino.destination(2),
);
