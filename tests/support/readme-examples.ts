/**
 * The shell examples of a Markdown file, as a reader would copy them: fenced blocks that contain a `curl` line,
 * split into commands (quotes and `\` continuations respected), each with the comments that follow it. A curl
 * example states the status it gets as the first word of its comment: `# 201 {"comment":…}` or `… # 204`.
 */

export interface ShellCommand {
  /** The command as written (continuations and multi-line quoted strings kept), without its comment. */
  text: string;
  /** Its trailing comment and the comment lines right after it, without the `#`. */
  comments: string[];
  /** 1-based line of the Markdown file where the command starts. */
  line: number;
}

export interface CurlExample extends ShellCommand {
  /** The status the README states, or null when it states none. */
  expectedStatus: number | null;
  /** Shell variable assignments (`T="…"`) seen before it in the file, in order, for the shell it runs in. */
  assignments: string[];
}

interface Block {
  lines: string[];
  /** 1-based line of the block's first line. */
  start: number;
}

function fencedBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  let open: { indent: number; lang: string; start: number; lines: string[] } | null = null;
  for (const [i, line] of lines.entries()) {
    const fence = /^(\s*)```\s*([\w-]*)\s*$/.exec(line);
    if (!open) {
      if (fence) open = { indent: fence[1]!.length, lang: fence[2]!, start: i + 2, lines: [] };
      continue;
    }
    if (fence && fence[2] === '') {
      if (['', 'sh', 'bash', 'shell', 'console'].includes(open.lang)) blocks.push({ lines: open.lines, start: open.start });
      open = null;
      continue;
    }
    open.lines.push(line.slice(Math.min(open.indent, line.length - line.trimStart().length)));
  }
  return blocks;
}

/** Splits a shell block into commands: a newline outside quotes and not after `\` ends one; `#` after a blank starts a comment. */
export function shellCommands(lines: readonly string[], firstLine = 1): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let text = '';
  let start = firstLine;
  let quote: "'" | '"' | null = null;
  // Comment lines right under a command (no blank line between) describe it: its output, its status.
  let attach = false;
  for (const [i, line] of lines.entries()) {
    if (text === '') start = firstLine + i;
    let comment: string | null = null;
    for (let c = 0; c < line.length; c += 1) {
      const ch = line[c]!;
      if (quote === "'") {
        if (ch === "'") quote = null;
      } else if (quote === '"') {
        if (ch === '\\') {
          text += ch + (line[c + 1] ?? '');
          c += 1;
          continue;
        }
        if (ch === '"') quote = null;
      } else if (ch === "'" || ch === '"') {
        quote = ch;
      } else if (ch === '#' && (c === 0 || /\s/.test(line[c - 1]!))) {
        comment = line.slice(c + 1).trim();
        break;
      }
      text += ch;
    }
    if (quote !== null || (comment === null && text.endsWith('\\'))) {
      text += '\n';
      continue;
    }
    const trimmed = text.trim();
    text = '';
    if (trimmed !== '') {
      commands.push({ text: trimmed, comments: comment === null ? [] : [comment], line: start });
      attach = true;
    } else if (comment !== null && attach) {
      commands.at(-1)!.comments.push(comment);
    } else {
      attach = false;
    }
  }
  if (text.trim() !== '') commands.push({ text: text.trim(), comments: [], line: start });
  return commands;
}

const isCurl = (text: string) => /^curl\s/.test(text);
const isAssignment = (text: string) => /^[A-Za-z_][A-Za-z0-9_]*=("[^"]*"|'[^']*'|\S*)$/.test(text);

/** Every curl command of the file's shell blocks, in order, with the status its comment states. */
export function curlExamples(markdown: string): CurlExample[] {
  const examples: CurlExample[] = [];
  const assignments: string[] = [];
  for (const block of fencedBlocks(markdown)) {
    if (!block.lines.some((l) => /^\s*curl\s/.test(l))) continue;
    for (const cmd of shellCommands(block.lines, block.start)) {
      if (isAssignment(cmd.text)) assignments.push(cmd.text);
      if (!isCurl(cmd.text)) continue;
      const status = cmd.comments.map((c) => /^(\d{3})\b/.exec(c)?.[1]).find(Boolean);
      examples.push({ ...cmd, expectedStatus: status ? Number(status) : null, assignments: [...assignments] });
    }
  }
  return examples;
}
