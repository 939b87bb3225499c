import { ClickHouseError } from './errors';

/**
 * Splits a SQL script into statements at `;` — but not at a `;` inside a string literal
 * (`'…'`, with `\` escapes and `''`), a quoted identifier (`"…"`, `` `…` ``), a heredoc
 * (`$$…$$`, `$tag$…$tag$`), or a comment (`-- …`, `# …`, `/* … *\/`, which ClickHouse lets nest).
 * Statements are trimmed; comment-only pieces are dropped. An unterminated literal or comment
 * throws `CH_MIGRATION_INVALID` with its line.
 */
export function splitSqlStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let hasCode = false;
  let i = 0;
  const n = sql.length;
  const fail = (what: string, at: number): never => {
    throw new ClickHouseError('CH_MIGRATION_INVALID', `unterminated ${what} starting on line ${lineOf(sql, at)}`);
  };
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "'" || c === '"' || c === '`') {
      hasCode = true;
      const open = i;
      i++;
      for (;;) {
        if (i >= n) fail(c === "'" ? 'string literal' : 'quoted identifier', open);
        const d = sql[i]!;
        if (d === '\\') {
          i += 2;
        } else if (d === c) {
          if (sql[i + 1] === c) i += 2; // doubled quote
          else break;
        } else {
          i++;
        }
      }
      i++;
    } else if ((c === '-' && next === '-') || c === '#') {
      const eol = sql.indexOf('\n', i);
      i = eol === -1 ? n : eol + 1;
    } else if (c === '/' && next === '*') {
      const open = i;
      let depth = 1;
      i += 2;
      while (depth > 0) {
        if (i >= n) fail('block comment', open);
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else {
          i++;
        }
      }
    } else if (c === '$' && /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.test(sql.slice(i, i + 66))) {
      hasCode = true;
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 66))![0];
      const close = sql.indexOf(tag, i + tag.length);
      if (close === -1) fail('heredoc', i);
      i = close + tag.length;
    } else if (c === ';') {
      if (hasCode) out.push(sql.slice(start, i).trim());
      start = i + 1;
      hasCode = false;
      i++;
    } else {
      if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') hasCode = true;
      i++;
    }
  }
  if (hasCode) out.push(sql.slice(start).trim());
  return out;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
