import type { SqlParam } from '@kaosnet/database';

/**
 * A piece of SQL with its bound values. Query text is only ever built from this module's
 * constant templates and internal alias names; every value that came from a caller (keys,
 * operands, paths) travels as a bound parameter (`?`), never as SQL text.
 */
export interface Frag {
  readonly text: string;
  readonly params: readonly SqlParam[];
}

const FRAG = Symbol('frag');
interface TaggedFrag extends Frag {
  readonly [FRAG]: true;
}

function isFrag(v: unknown): v is TaggedFrag {
  return typeof v === 'object' && v !== null && (v as TaggedFrag)[FRAG] === true;
}

function make(text: string, params: readonly SqlParam[]): Frag {
  return { text, params, [FRAG]: true } as TaggedFrag;
}

/** Tagged template: interpolated fragments are inlined, anything else is bound as `?`. */
export function sq(strings: TemplateStringsArray, ...values: (Frag | SqlParam)[]): Frag {
  let text = strings[0];
  const params: SqlParam[] = [];
  values.forEach((v, i) => {
    if (isFrag(v)) {
      text += v.text;
      params.push(...v.params);
    } else {
      text += '?';
      params.push(v as SqlParam);
    }
    text += strings[i + 1];
  });
  return make(text, params);
}

/** Internal SQL text (aliases, keywords). Never call it with caller-supplied data. */
export function raw(text: string): Frag {
  return make(text, []);
}

export function join(frags: readonly Frag[], separator: string): Frag {
  return make(
    frags.map((f) => f.text).join(separator),
    frags.flatMap((f) => f.params),
  );
}

export const TRUE = raw('1 = 1');
export const FALSE = raw('1 = 0');
