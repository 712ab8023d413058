"""The shell's syntax: the syntax tree, the tokenizer and the recursive-descent parser.

A script is parsed whole before anything runs (as ``sh -c`` does), so a syntax error runs nothing.
Constructs this shell does not support (here documents, ``case``, functions, arithmetic) are syntax
errors naming the construct.
"""

from __future__ import annotations

import re
from typing import NamedTuple, NoReturn

_MAX_NESTING = 64  # deeper constructs are refused as syntax errors instead of recursing


# === syntax tree =================================================================================

# A word is a tuple of parts: literal text, a parameter expansion or a command substitution, each
# remembering whether it was quoted (quoted parts are neither field-split nor globbed).


class LiteralPart(NamedTuple):
    text: str
    quoted: bool


class ParameterPart(NamedTuple):
    """``$NAME``, ``${NAME}``, ``${#NAME}`` (op ``#``) or ``${NAME<op>arg}`` (``:-`` ``-`` ``:+`` ...)."""

    name: str
    op: str
    arg: str
    quoted: bool


class SubstitutionPart(NamedTuple):
    """``$(...)`` or a backquoted command."""

    body: CommandList
    quoted: bool


Part = LiteralPart | ParameterPart | SubstitutionPart
Word = tuple[Part, ...]


class Assignment(NamedTuple):
    name: str
    value: Word


class Redirection(NamedTuple):
    fd: int
    op: str
    target: Word


class SimpleCommand:
    __slots__ = ("assigns", "redirs", "words")

    def __init__(self) -> None:
        self.assigns: list[Assignment] = []
        self.words: list[Word] = []
        self.redirs: list[Redirection] = []


class BlockParts(NamedTuple):
    """A brace group's or a subshell's body."""

    body: CommandList


class Branch(NamedTuple):
    condition: CommandList
    body: CommandList


class IfParts(NamedTuple):
    branches: list[Branch]  # the ``if`` and each ``elif``
    otherwise: CommandList | None  # the ``else`` body, if any


class ForParts(NamedTuple):
    name: str
    words: list[Word]
    body: CommandList


class LoopParts(NamedTuple):
    """``while`` or ``until``: the compound's kind says which."""

    condition: CommandList
    body: CommandList


CompoundParts = BlockParts | IfParts | ForParts | LoopParts


class Compound:
    """if / for / while / until / brace group / subshell, with trailing redirections."""

    __slots__ = ("kind", "parts", "redirs")

    def __init__(self, kind: str, parts: CompoundParts) -> None:
        self.kind = kind  # "if", "for", "while", "until", "group" or "subshell"
        self.parts = parts
        self.redirs: list[Redirection] = []


CommandNode = SimpleCommand | Compound


class Pipeline(NamedTuple):
    negate: bool
    commands: list[CommandNode]


class AndOrLink(NamedTuple):
    op: str  # "&&" or "||"
    pipeline: Pipeline


class AndOr(NamedTuple):
    first: Pipeline
    rest: list[AndOrLink]


CommandList = list[AndOr]


# === lexer and parser ============================================================================


class ShellSyntaxError(Exception):
    """The script cannot be parsed; ``message`` is what mksh prints after ``/system/bin/sh: ``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Token(NamedTuple):
    """One token: an operator, a redirection operator with its descriptor, a word, or the end."""

    kind: str  # "op", "redir", "word" or "eof"
    op: str = ""  # the operator of an "op" or "redir" token
    fd: int = 0  # the descriptor a "redir" token redirects
    word: Word = ()  # the parts of a "word" token


_KEYWORDS = frozenset(
    {"if", "then", "else", "elif", "fi", "case", "esac", "for", "select", "while", "until", "do",
     "done", "in", "function", "time", "{", "}", "!", "[["}
)
_UNSUPPORTED_KEYWORDS = frozenset({"case", "select", "function", "time"})
_PLAIN_RUN = re.compile(r"[^ \t\n;&|<>()\\'\"$`]+")
_DQ_RUN = re.compile(r'[^"\\$`]+')
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=")
_IO_NUMBER = re.compile(r"[0-9]+(?=[<>])")
_BLANKS = re.compile(r"[ \t]*")
_OPERATORS = ("&&", "||", ";;", ">>", ">&", "<&", "<<", ">|", "<>", ";", "&", "|", "(", ")", "<", ">", "\n")
_REDIR_OPS = frozenset({">>", ">&", "<&", "<<", ">|", "<>", "<", ">"})

EOF = Token("eof")


class _Parser:
    """Recursive descent over the script text; tokens are produced on demand (one of look-ahead)."""

    def __init__(self, src: str, depth: int = 0) -> None:
        self.src = src
        self.pos = 0
        self.peeked: Token | None = None
        self.depth = depth

    # --- tokens --------------------------------------------------------------------------------

    def peek(self) -> Token:
        if self.peeked is None:
            self.peeked = self._token()
        return self.peeked

    def take(self) -> Token:
        token = self.peek()
        self.peeked = None
        return token

    def _at(self, *ops: str) -> bool:
        """Whether the next token is one of the operators ``ops``."""
        token = self.peek()
        return token.kind == "op" and token.op in ops

    def _token(self) -> Token:
        src = self.src
        pos = _BLANKS.match(src, self.pos).end()  # type: ignore[union-attr]
        while src.startswith("\\\n", pos):  # line continuation between words
            pos = _BLANKS.match(src, pos + 2).end()  # type: ignore[union-attr]
        if pos < len(src) and src[pos] == "#":
            end = src.find("\n", pos)
            pos = len(src) if end < 0 else end
        self.pos = pos
        if pos >= len(src):
            return EOF
        number = _IO_NUMBER.match(src, pos)
        if number:
            self.pos = number.end()
            op = self._operator()
            return Token("redir", op, int(number.group()))
        char = src[pos]
        if char in ";&|()<>\n":
            op = self._operator()
            if op in _REDIR_OPS:
                return Token("redir", op, 0 if op[0] == "<" else 1)
            return Token("op", op)
        return Token("word", word=self._word())

    def _operator(self) -> str:
        for op in _OPERATORS:
            if self.src.startswith(op, self.pos):
                self.pos += len(op)
                return op
        raise ShellSyntaxError(f"syntax error: '{self.src[self.pos]}' unexpected")  # pragma: no cover

    def _word(self) -> Word:
        src, end = self.src, len(self.src)
        parts: list[Part] = []
        while self.pos < end:
            pos = self.pos
            char = src[pos]
            if char in " \t\n;&|<>()":
                break
            if char == "\\":
                if pos + 1 >= end:
                    self.pos += 1  # a trailing backslash is lost
                elif src[pos + 1] == "\n":
                    self.pos += 2
                else:
                    parts.append(LiteralPart(src[pos + 1], True))
                    self.pos += 2
            elif char == "'":
                close = src.find("'", pos + 1)
                if close < 0:
                    raise ShellSyntaxError("no closing quote")
                parts.append(LiteralPart(src[pos + 1 : close], True))
                self.pos = close + 1
            elif char == '"':
                self.pos += 1
                self._double_quoted(parts)
            elif char == "$":
                self._dollar(parts, quoted=False)
            elif char == "`":
                self._backquote(parts, quoted=False)
            else:
                run = _PLAIN_RUN.match(src, pos)
                parts.append(LiteralPart(run.group(), False))  # type: ignore[union-attr]
                self.pos = run.end()  # type: ignore[union-attr]
        return tuple(parts)

    def _double_quoted(self, parts: list[Part]) -> None:
        src, end = self.src, len(self.src)
        parts.append(LiteralPart("", True))  # "" is an (empty) argument
        while True:
            if self.pos >= end:
                raise ShellSyntaxError("no closing quote")
            pos = self.pos
            char = src[pos]
            if char == '"':
                self.pos += 1
                return
            if char == "\\":
                following = src[pos + 1] if pos + 1 < end else ""
                if following == "\n":
                    self.pos += 2
                elif following in ('"', "\\", "$", "`"):
                    parts.append(LiteralPart(following, True))
                    self.pos += 2
                else:
                    parts.append(LiteralPart("\\", True))
                    self.pos += 1
            elif char == "$":
                self._dollar(parts, quoted=True)
            elif char == "`":
                self._backquote(parts, quoted=True)
            else:
                run = _DQ_RUN.match(src, pos)
                parts.append(LiteralPart(run.group(), True))  # type: ignore[union-attr]
                self.pos = run.end()  # type: ignore[union-attr]

    def _dollar(self, parts: list[Part], quoted: bool) -> None:
        src, pos = self.src, self.pos
        following = src[pos + 1] if pos + 1 < len(src) else ""
        if following == "{":
            close = src.find("}", pos + 2)
            if close < 0:
                raise ShellSyntaxError("no closing quote")
            parts.append(_brace_expression(src[pos + 2 : close], quoted))
            self.pos = close + 1
        elif following == "(":
            if src.startswith("((", pos + 1):
                raise ShellSyntaxError("syntax error: arithmetic expansion is not supported")
            self.pos = pos + 2
            body = self._nested_list(")")
            parts.append(SubstitutionPart(body, quoted))
        elif following and (following in "?$#!-@*" or following.isdigit()):
            parts.append(ParameterPart(following, "", "", quoted))
            self.pos = pos + 2
        else:
            name = _NAME.match(src, pos + 1)
            if name:
                parts.append(ParameterPart(name.group(), "", "", quoted))
                self.pos = name.end()
            else:
                parts.append(LiteralPart("$", quoted))
                self.pos = pos + 1

    def _backquote(self, parts: list[Part], quoted: bool) -> None:
        src, pos = self.src, self.pos + 1
        text: list[str] = []
        while True:
            if pos >= len(src):
                raise ShellSyntaxError("no closing quote")
            char = src[pos]
            if char == "`":
                break
            if char == "\\" and pos + 1 < len(src) and src[pos + 1] in "$`\\":
                text.append(src[pos + 1])
                pos += 2
                continue
            text.append(char)
            pos += 1
        self.pos = pos + 1
        inner = _Parser("".join(text), self.depth + 1)
        parts.append(SubstitutionPart(inner.program(), quoted))

    def _nested_list(self, closer: str) -> CommandList:
        self._enter()
        saved = self.peeked
        self.peeked = None
        body = self.compound_list()
        token = self.take()
        if token.kind != "op" or token.op != closer:
            self._unexpected(token)
        self.peeked = saved
        self.depth -= 1
        return body

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > _MAX_NESTING:
            raise ShellSyntaxError("syntax error: nesting too deep")

    # --- grammar -------------------------------------------------------------------------------

    def program(self) -> CommandList:
        body = self.compound_list()
        token = self.peek()
        if token is not EOF:
            self._unexpected(token)
        return body

    def _unexpected(self, token: Token) -> NoReturn:
        if token.kind == "eof":
            raise ShellSyntaxError("syntax error: unexpected EOF")
        if token.kind == "op":
            shown = "newline" if token.op == "\n" else token.op
        elif token.kind == "redir":
            shown = token.op
        else:
            shown = "".join(part.text if isinstance(part, LiteralPart) else "$" for part in token.word)
        raise ShellSyntaxError(f"syntax error: '{shown}' unexpected")

    def _keyword(self) -> str | None:
        token = self.peek()
        if token.kind == "word" and len(token.word) == 1:
            part = token.word[0]
            if isinstance(part, LiteralPart) and not part.quoted and part.text in _KEYWORDS:
                return part.text
        return None

    def _skip_newlines(self) -> None:
        while self._at("\n"):
            self.take()

    def compound_list(self) -> CommandList:
        items: CommandList = []
        while True:
            self._skip_newlines()
            token = self.peek()
            if token is EOF or self._at(")"):
                break
            keyword = self._keyword()
            if keyword in ("then", "else", "elif", "fi", "do", "done", "}", "esac", "in"):
                break
            if keyword in _UNSUPPORTED_KEYWORDS:
                raise ShellSyntaxError(f"syntax error: '{keyword}' is not supported by this shell")
            and_or = self.and_or()
            if and_or is None:
                self._unexpected(self.peek())
            items.append(and_or)
            if self._at(";", "&", "\n"):
                self.take()
                continue
            break
        return items

    def and_or(self) -> AndOr | None:
        first = self.pipeline()
        if first is None:
            return None
        rest: list[AndOrLink] = []
        while self._at("&&", "||"):
            op = self.take().op
            self._skip_newlines()
            following = self.pipeline()
            if following is None:
                self._unexpected(self.peek())
            rest.append(AndOrLink(op, following))
        return AndOr(first, rest)

    def pipeline(self) -> Pipeline | None:
        negate = False
        if self._keyword() == "!":
            self.take()
            negate = True
        command = self.command()
        if command is None:
            if negate:
                self._unexpected(self.peek())
            return None
        commands = [command]
        while self._at("|"):
            self.take()
            self._skip_newlines()
            command = self.command()
            if command is None:
                self._unexpected(self.peek())
            commands.append(command)
        return Pipeline(negate, commands)

    def command(self) -> CommandNode | None:
        keyword = self._keyword()
        token = self.peek()
        compound: Compound | None = None
        if keyword == "if":
            compound = self._if()
        elif keyword in ("while", "until"):
            compound = self._while(keyword)
        elif keyword == "for":
            compound = self._for()
        elif keyword == "{":
            self.take()
            self._enter()
            body = self.compound_list()
            self._expect("}")
            self.depth -= 1
            compound = Compound("group", BlockParts(body))
        elif keyword is not None and keyword not in ("[[",):
            return None
        elif token.kind == "op" and token.op == "(":
            self.take()
            compound = Compound("subshell", BlockParts(self._nested_list(")")))
        elif token.kind in ("word", "redir"):
            return self._simple()
        else:
            return None
        while self.peek().kind == "redir":
            compound.redirs.append(self._redirection())
        return compound

    def _expect(self, keyword: str) -> None:
        if self._keyword() != keyword:
            self._unexpected(self.peek())
        self.take()

    def _if(self) -> Compound:
        self.take()
        self._enter()
        branches: list[Branch] = []
        otherwise = None
        while True:
            condition = self.compound_list()
            self._expect("then")
            body = self.compound_list()
            if not condition or not body:
                self._unexpected(self.peek())
            branches.append(Branch(condition, body))
            keyword = self._keyword()
            if keyword not in ("elif", "else", "fi"):
                self._unexpected(self.peek())
            self.take()
            if keyword == "elif":
                continue
            if keyword == "else":
                otherwise = self.compound_list()
                self._expect("fi")
            break
        self.depth -= 1
        return Compound("if", IfParts(branches, otherwise))

    def _while(self, keyword: str) -> Compound:
        self.take()
        self._enter()
        condition = self.compound_list()
        self._expect("do")
        body = self.compound_list()
        self._expect("done")
        self.depth -= 1
        return Compound(keyword, LoopParts(condition, body))

    def _for(self) -> Compound:
        self.take()
        self._enter()
        token = self.take()
        word = token.word
        if token.kind != "word" or len(word) != 1 or word[0].quoted or not isinstance(word[0], LiteralPart) \
                or not _NAME.fullmatch(word[0].text):
            raise ShellSyntaxError("for: bad identifier")
        name = word[0].text
        words: list[Word] = []
        self._skip_newlines()
        if self._keyword() == "in":
            self.take()
            while self.peek().kind == "word":
                words.append(self.take().word)
        if self._at(";", "\n"):
            self.take()
        self._skip_newlines()
        self._expect("do")
        body = self.compound_list()
        self._expect("done")
        self.depth -= 1
        return Compound("for", ForParts(name, words, body))

    def _simple(self) -> SimpleCommand:
        command = SimpleCommand()
        while True:
            token = self.peek()
            if token.kind == "redir":
                command.redirs.append(self._redirection())
            elif token.kind == "word":
                self.take()
                value = token.word
                first = value[0] if value else None
                assignment = (
                    _ASSIGN.match(first.text) if isinstance(first, LiteralPart) and not first.quoted else None
                )
                if assignment and not command.words:
                    rest = assignment.string[assignment.end() :]  # the rest of the first literal
                    value_word = (LiteralPart(rest, False), *value[1:]) if rest else tuple(value[1:])
                    command.assigns.append(Assignment(assignment.group(1), value_word))
                else:
                    command.words.append(value)
            else:
                return command

    def _redirection(self) -> Redirection:
        redir = self.take()
        if redir.op == "<<":
            raise ShellSyntaxError("syntax error: here documents are not supported by this shell")
        token = self.take()
        if token.kind != "word":
            self._unexpected(token)
        return Redirection(redir.fd, redir.op, token.word)


def _brace_expression(inner: str, quoted: bool) -> ParameterPart:
    """``${NAME}``, ``${#NAME}`` and ``${NAME:-word}`` (and ``-``, ``:+``, ``+``, ``:=``, ``=``)."""
    if inner.startswith("#") and (_NAME.fullmatch(inner[1:]) or inner[1:] in ("?", "#")):
        return ParameterPart(inner[1:], "#", "", quoted)
    name = _NAME.match(inner)
    if name is None:
        if len(inner) == 1 and (inner in "?$#!-@*" or inner.isdigit()):
            return ParameterPart(inner, "", "", quoted)
        raise ShellSyntaxError(f"${{{inner}}}: bad substitution")
    rest = inner[name.end() :]
    if not rest:
        return ParameterPart(name.group(), "", "", quoted)
    for op in (":-", ":+", ":=", "-", "+", "="):
        if rest.startswith(op):
            return ParameterPart(name.group(), op, rest[len(op) :], quoted)
    raise ShellSyntaxError(f"${{{inner}}}: bad substitution")


def parse(script: str) -> CommandList:
    """Parse a whole ``sh -c`` script; raise :class:`ShellSyntaxError` on bad syntax."""
    return _Parser(script).program()
