"""Entry point of the ``llm`` console script: every failure is one line on stderr."""

from __future__ import annotations

import os
import sys


def main() -> None:
    """The console script: ``run()`` under the garbage-collection policy of a process that
    lives for one command (``collection``), which only the console script applies."""
    from . import collection

    collection.defer_during_startup()
    try:
        run()
    finally:
        collection.spare_the_shutdown()


def run() -> None:
    """Run the command line in ``sys.argv``; exits with its status (``llm_cli.testing``
    calls this, in a process whose collector it leaves alone)."""
    import click

    from .app import cli

    if "_LLM_COMPLETE" in os.environ:  # the shell asks for completions
        from .shell_completion import install

        install()
    try:
        exit_code = cli.main(prog_name="llm", standalone_mode=False)
        sys.stdout.flush()  # here, where a closed pipe is caught, not at shutdown
    except click.exceptions.Exit as ex:
        sys.exit(ex.exit_code)
    except click.exceptions.Abort:
        _before_message()
        print("Aborted!", file=sys.stderr)
        sys.exit(1)
    except click.ClickException as ex:
        # Usage errors included: one line, without click's usage preamble.
        _before_message()
        print(_error_line(ex.format_message()), file=sys.stderr)
        sys.exit(ex.exit_code)
    except BrokenPipeError:
        # `llm logs | head`: the reader went away; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except Exception as ex:  # the last line of defence: one clear line, no traceback
        if os.environ.get("LLM_TRACEBACK"):
            raise
        _before_message()
        print(_error_line(str(ex) or type(ex).__name__), file=sys.stderr)
        sys.exit(1)
    sys.exit(exit_code if isinstance(exit_code, int) else 0)


def _error_line(message: str) -> str:
    from .errors import error_line

    return error_line(message)


def _before_message() -> None:
    """An error after a streamed answer starts on a line of its own."""
    output = sys.modules.get("llm_cli.render_output")
    if output is not None:
        output.before_notice()


if __name__ == "__main__":
    main()
