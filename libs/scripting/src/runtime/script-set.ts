import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** One script file as loaded. */
export interface ScriptFile {
  /** Module name for `require`: path under the folder without `.lua`, `/` → `.` (`lib/util.lua` → `lib.util`). */
  module: string;
  /** File name relative to the folder, as shown in errors (`lib/util.lua`). */
  file: string;
  source: string;
  size: number;
}

/** The scripts of one generation: read once, shared by every VM of it. */
export class ScriptSet {
  readonly files: ReadonlyMap<string, ScriptFile>;
  readonly byModule: ReadonlyMap<string, { file: string; source: string }>;

  constructor(files: ScriptFile[]) {
    const sorted = [...files].sort((a, b) => (a.file < b.file ? -1 : 1));
    this.files = new Map(sorted.map((f) => [f.file, f]));
    this.byModule = new Map(sorted.map((f) => [f.module, { file: f.file, source: f.source }]));
  }

  static empty(): ScriptSet {
    return new ScriptSet([]);
  }

  /** Every `*.lua` under `dir` (sub-folders included, dot-folders skipped; at most `maxFiles`, each ≤ `maxBytes`). */
  static fromDir(dir: string, limits: { maxFiles?: number; maxBytes?: number } = {}): ScriptSet {
    const maxFiles = limits.maxFiles ?? 1000;
    const maxBytes = limits.maxBytes ?? 4 << 20;
    const out: ScriptFile[] = [];
    const walk = (d: string, depth: number) => {
      if (depth > 8) return;
      for (const entry of readdirSync(d, { withFileTypes: true })) {
        if (entry.name.startsWith('.')) continue;
        const full = join(d, entry.name);
        if (entry.isDirectory()) walk(full, depth + 1);
        else if (entry.isFile() && entry.name.endsWith('.lua')) {
          if (out.length >= maxFiles) throw new Error(`more than ${maxFiles} scripts in ${dir}`);
          const size = statSync(full).size;
          if (size > maxBytes) throw new Error(`${relative(dir, full)} is larger than ${maxBytes} bytes`);
          out.push(ScriptSet.file(relative(dir, full).split(sep).join('/'), readFileSync(full, 'utf8')));
        }
      }
    };
    walk(dir, 0);
    return new ScriptSet(out);
  }

  static file(file: string, source: string): ScriptFile {
    return { file, module: file.replace(/\.lua$/, '').replace(/\//g, '.'), source, size: Buffer.byteLength(source) };
  }
}
