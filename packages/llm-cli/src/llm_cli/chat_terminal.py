"""``llm chat``'s input at a terminal, on prompt_toolkit (imported only here): history kept
in the user directory (Ctrl-R searches it), Alt-Enter or a paste for several lines, Tab
completion of ``!`` commands and their arguments, and a bottom line with the model and the
tokens used so far."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory
from prompt_toolkit.key_binding import KeyBindings

from . import completion_sources

HISTORY_FILE = "chat-history"


class ChatCompleter(Completer):
    """``!`` commands, then what each takes: model IDs, template names, fragment aliases
    and file paths."""

    def __init__(self, commands: Iterable[str]) -> None:
        self.commands = sorted(commands)
        self.paths = PathCompleter(expanduser=True)
        self._known: dict[str, list[str]] = {}

    def _names(self, kind: str, source: Callable[[], list[str]]) -> list[str]:
        if kind not in self._known:  # once a chat: they are read from files
            self._known[kind] = source()
        return self._known[kind]

    def get_completions(self, document: Document, event: CompleteEvent) -> Iterator[Completion]:
        text = document.text_before_cursor
        if not text.startswith("!"):
            return
        command, space, rest = text.partition(" ")
        if not space:
            for name in self.commands:
                if name.startswith(command):
                    yield Completion(name, start_position=-len(command))
            return
        word = rest.rsplit(" ", 1)[-1]
        names: list[str] = []
        if command == "!model" and " " not in rest:
            names = self._names("models", completion_sources.model_ids)
        elif command == "!save" and " " not in rest:
            names = self._names("templates", completion_sources.template_names)
        elif command == "!fragment":
            names = self._names("fragments", completion_sources.fragment_aliases)
        for name in names:
            if name.startswith(word):
                yield Completion(name, start_position=-len(word))
        if command in ("!attach", "!fragment"):
            yield from self.paths.get_completions(Document(word, len(word)), event)


class TerminalInput:
    """Reads lines typed at the terminal."""

    def __init__(self, user_dir: Path, commands: Iterable[str], toolbar: Callable[[], str]):
        path = user_dir / HISTORY_FILE
        if not path.exists():
            user_dir.mkdir(parents=True, exist_ok=True)
            # What was typed may be private: readable by its owner only.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        bindings = KeyBindings()

        @bindings.add("escape", "enter")  # Alt-Enter (or Esc, Enter): a new line
        def _new_line(event: Any) -> None:
            event.current_buffer.insert_text("\n")

        self.session: PromptSession[str] = PromptSession(
            history=FileHistory(str(path)),
            completer=ChatCompleter(commands),
            complete_while_typing=False,
            key_bindings=bindings,
            bottom_toolbar=toolbar,
            prompt_continuation=lambda width, line, soft: "." * (width - 1) + " ",
        )

    def read(self, prompt: str = "> ") -> str | None:
        """A line (several, with Alt-Enter or a paste); None at Ctrl-D on an empty line.
        Ctrl-C raises KeyboardInterrupt."""
        try:
            # Ctrl-C is a key while the line is read (raw mode); with no SIGINT handler of
            # prompt_toolkit's left behind, a Ctrl-C soon after reaches the answer.
            return self.session.prompt(prompt, handle_sigint=False)
        except EOFError:
            return None
