import { describe, expect, it } from 'vitest';
import { ClickHouseError } from './errors';
import { splitSqlStatements } from './sql-statements';

describe('splitSqlStatements', () => {
  it.each([
    ['one statement without a semicolon', 'SELECT 1', ['SELECT 1']],
    ['two statements, whitespace trimmed', '  SELECT 1 ;\n\n SELECT 2;  ', ['SELECT 1', 'SELECT 2']],
    ['a ; inside a string literal', "SELECT 'a;b'; SELECT 2", ["SELECT 'a;b'", 'SELECT 2']],
    ['a doubled quote inside a string', "SELECT 'it''s; fine'; SELECT 2", ["SELECT 'it''s; fine'", 'SELECT 2']],
    ['a backslash-escaped quote inside a string', "SELECT 'a\\'; b'; SELECT 2", ["SELECT 'a\\'; b'", 'SELECT 2']],
    ['an escaped backslash ending a string', "SELECT 'a\\\\'; SELECT 2", ["SELECT 'a\\\\'", 'SELECT 2']],
    ['quoted identifiers', 'SELECT 1 AS "x;y", 2 AS `p;q`; SELECT 3', ['SELECT 1 AS "x;y", 2 AS `p;q`', 'SELECT 3']],
    ['a ; in a line comment', 'SELECT 1 -- not here; really\n; SELECT 2', ['SELECT 1 -- not here; really', 'SELECT 2']],
    ['a ; in a # comment', '# a; b\nSELECT 1', ['# a; b\nSELECT 1']],
    ['a ; in a block comment', 'SELECT /* a; b */ 1; SELECT 2', ['SELECT /* a; b */ 1', 'SELECT 2']],
    ['nested block comments', 'SELECT /* a /* b; */ c; */ 1; SELECT 2', ['SELECT /* a /* b; */ c; */ 1', 'SELECT 2']],
    ['a quote inside a comment', "-- don't split\nSELECT 1; SELECT 2", ["-- don't split\nSELECT 1", 'SELECT 2']],
    ['heredocs', 'SELECT $$a;b$$; SELECT $tag$c;$$d$tag$; SELECT 3', ['SELECT $$a;b$$', 'SELECT $tag$c;$$d$tag$', 'SELECT 3']],
    ['comment-only pieces are dropped', '-- header\n;\n/* x */;\nSELECT 1;\n-- trailer\n', ['SELECT 1']],
    ['empty input', '  \n ', []],
  ])('%s', (_name, sql, expected) => {
    expect(splitSqlStatements(sql)).toEqual(expected);
  });

  it.each([
    ['string literal', "SELECT 1;\nSELECT 'abc", 2],
    ['quoted identifier', 'SELECT "abc', 1],
    ['block comment', 'SELECT 1;\n\n/* /* */ never closed', 3],
    ['heredoc', 'SELECT $x$abc', 1],
  ])('rejects an unterminated %s with its line', (what, sql, line) => {
    const run = () => splitSqlStatements(sql);
    expect(run).toThrow(ClickHouseError);
    expect(run).toThrow(`unterminated ${what} starting on line ${line}`);
  });
});
