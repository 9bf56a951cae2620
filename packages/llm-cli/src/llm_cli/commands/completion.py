"""``llm completion SHELL``: the script that makes the shell complete ``llm``."""

from __future__ import annotations

import click

INSTALL = {
    "bash": 'eval "$(llm completion bash)"  # in ~/.bashrc',
    "zsh": 'eval "$(llm completion zsh)"  # in ~/.zshrc, after compinit',
    "fish": "llm completion fish > ~/.config/fish/completions/llm.fish",
}


@click.command(name="completion")
@click.argument("shell", type=click.Choice(list(INSTALL)))
def completion(shell: str) -> None:
    """Print the shell completion script for bash, zsh or fish

    \b
    Install it with:
        eval "$(llm completion bash)"    # in ~/.bashrc
        eval "$(llm completion zsh)"     # in ~/.zshrc, after compinit
        llm completion fish > ~/.config/fish/completions/llm.fish

    Completes commands, options, model IDs and aliases, template names,
    fragment aliases, collection names and conversation IDs.
    """
    from ..app import cli
    from ..shell_completion import script

    click.echo(f"# llm completion for {shell}. Install: {INSTALL[shell]}")
    click.echo(script(cli, shell))
