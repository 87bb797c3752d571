import type { Bus } from '../bus/bus.js';
import type { NatsBusOptions } from '../bus/nats-bus.js';

/** The flags that reach a NATS server, shared by `run`, `resume` and `runtime`. */
export const natsFlags = {
  nats: { type: 'string' },
  'nats-name': { type: 'string' },
  'nats-token': { type: 'string' },
  'nats-user': { type: 'string' },
  'nats-pass': { type: 'string' },
  'nats-ca': { type: 'string' },
  'nats-cert': { type: 'string' },
  'nats-key': { type: 'string' },
  'subject-prefix': { type: 'string' },
} as const;

export const natsFlagsHelp = `  --nats <urls>      NATS server(s), comma-separated (or $NATS_URL): actors and runtimes
                     talk over it, so runtimes in other processes (switchyard runtime) join in
  --nats-name <n>    the connection's name in the server's monitoring
  --nats-token <t>   token auth (or $NATS_TOKEN); --nats-user / --nats-pass for user auth
                     (or $NATS_USER / $NATS_PASS)
  --nats-ca <file>   TLS: the CA's PEM; --nats-cert / --nats-key for a client certificate
  --subject-prefix <p> the first token(s) of every subject (default switchyard)
`;

type NatsValues = { [K in keyof typeof natsFlags]?: string };

/** The NATS bus options the flags (and environment) ask for; `undefined` when no server is named. */
export function natsOptions(values: NatsValues, name: string): NatsBusOptions | undefined {
  const url = values.nats ?? process.env.NATS_URL;
  if (url === undefined) return undefined;
  const token = values['nats-token'] ?? process.env.NATS_TOKEN;
  const user = values['nats-user'] ?? process.env.NATS_USER;
  const pass = values['nats-pass'] ?? process.env.NATS_PASS;
  const tls = values['nats-ca'] ?? values['nats-cert'] ?? values['nats-key'];
  return {
    servers: url
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
    name: values['nats-name'] ?? name,
    ...(token === undefined ? {} : { token }),
    ...(user === undefined ? {} : { user, pass: pass ?? '' }),
    ...(tls === undefined
      ? {}
      : {
          tls: {
            ...(values['nats-ca'] ? { caFile: values['nats-ca'] } : {}),
            ...(values['nats-cert'] ? { certFile: values['nats-cert'] } : {}),
            ...(values['nats-key'] ? { keyFile: values['nats-key'] } : {}),
          },
        }),
  };
}

/** Connects (loading the NATS client only now). */
export async function connectNats(options: NatsBusOptions): Promise<Bus> {
  const { natsBus } = await import('../bus/nats-bus.js');
  return natsBus(options);
}
