#!/usr/bin/env python3
"""The rules of the code that a machine can check (docs/design.md):

  - no source file over 600 lines, no function over 100 (tests/ and bench/
    may hold longer test cases, but no file over 600 lines);
  - no comment or document that cites an issue number or a file outside
    the repository.

  scripts/check-code.py            # prints each breach; exit 1 if any

Functions are found by their braces: a `{` at namespace level that does not
open a namespace, class, struct, enum, union or initializer list starts one,
and its matching `}` ends it. Good enough for this tree's style.
"""
import os
import re
import subprocess
import sys

MAX_FILE, MAX_FUNCTION = 600, 100
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOT_FUNCTIONS = re.compile(r'^\s*(namespace|class|struct|enum|union|extern)\b|=\s*\{?\s*$|=\s*\{')
CITES = re.compile(r'\.\./shared|PITFALLS\.md|DESIGN\.md|\bissue #?[0-9]+')


def tracked(exts):
    out = subprocess.run(['git', 'ls-files'], cwd=ROOT, capture_output=True, text=True).stdout
    return [f for f in out.split() if f.endswith(exts)]


def strip(line, in_comment):
    """The code of a line without comments and string literals (roughly)."""
    out, i = [], 0
    while i < len(line):
        if in_comment:
            j = line.find('*/', i)
            if j < 0:
                return ''.join(out), True
            i, in_comment = j + 2, False
        elif line.startswith('//', i):
            break
        elif line.startswith('/*', i):
            in_comment, i = True, i + 2
        elif line[i] in '"\'':
            q, i = line[i], i + 1
            while i < len(line) and line[i] != q:
                i += 2 if line[i] == '\\' else 1
            i += 1
        else:
            out.append(line[i])
            i += 1
    return ''.join(out), in_comment


def long_functions(path, lines):
    found, depth, in_comment = [], 0, False
    opened = []  # (depth before the brace, start line, is a function)
    pending = ''
    for n, raw in enumerate(lines, 1):
        code, in_comment = strip(raw, in_comment)
        for ch in code:
            if ch == '{':
                head = (pending + code.split('{')[0]).strip()
                at_top = all(not f for _, _, f in opened)
                is_fn = at_top and not NOT_FUNCTIONS.search(head) and not head.endswith(('=', ','))
                opened.append((depth, n, is_fn))
                depth += 1
            elif ch == '}' and opened:
                depth -= 1
                _, start, is_fn = opened.pop()
                if is_fn and n - start + 1 > MAX_FUNCTION:
                    found.append((start, n - start + 1))
        pending = code if code.strip() and not code.strip().endswith((';', '}', '{')) else ''
    return found


def main():
    breaches = []
    for f in tracked(('.cpp', '.hpp')):
        with open(os.path.join(ROOT, f), encoding='utf-8') as fh:
            lines = fh.read().split('\n')
        if len(lines) - 1 > MAX_FILE:
            breaches.append(f'{f}: {len(lines) - 1} lines (at most {MAX_FILE})')
        if not f.startswith(('tests/', 'bench/')):
            for start, n in long_functions(f, lines):
                breaches.append(f'{f}:{start}: a function of {n} lines (at most {MAX_FUNCTION})')
    for f in tracked(('.cpp', '.hpp', '.md', '.sh', '.bash', '.py', 'Makefile')):
        if f == 'scripts/check-code.py':
            continue
        with open(os.path.join(ROOT, f), encoding='utf-8') as fh:
            for n, line in enumerate(fh, 1):
                if CITES.search(line):
                    breaches.append(f'{f}:{n}: cites an issue or a file outside the tree: {line.strip()}')
    for b in breaches:
        print(b)
    print(f'check-code: {len(breaches)} breach(es)')
    return 1 if breaches else 0


if __name__ == '__main__':
    sys.exit(main())
