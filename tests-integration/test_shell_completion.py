"""``llm completion``: the scripts, and what the shell gets back, asked as each shell asks
(its completion variables, in a subprocess), without importing a plugin."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _env(user_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
    return {**env, "LLM_USER_PATH": str(user_dir), **extra}


def _bash(llm: str, user_dir: Path, words: str, index: int) -> list[str]:
    """What ``COMP_WORDS=words`` completes to, as ``type,value`` lines."""
    result = subprocess.run(
        [llm],
        env=_env(user_dir, COMP_WORDS=words, COMP_CWORD=str(index), _LLM_COMPLETE="bash_complete"),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return result.stdout.splitlines()


@pytest.fixture
def prepared(llm_executable: str, user_dir: Path) -> Path:
    """A user directory with a logged conversation, a template, a fragment alias, a
    collection and the plugin cache (written by the first command)."""
    env = _env(user_dir)
    for args, stdin in (
        (["-m", "echo", "hello"], ""),
        (["fragments", "set", "mynotes", "-"], "notes"),
        (["embed", "articles", "first", "-m", "hash", "-c", "some text"], ""),
    ):
        subprocess.run(
            [llm_executable, *args],
            env=env,
            input=stdin,
            text=True,
            check=True,
            capture_output=True,
        )
    (user_dir / "templates").mkdir()
    (user_dir / "templates" / "summarise.yaml").write_text("prompt: summarise $input\n")
    return user_dir


def test_commands_options_and_values(llm_executable: str, prepared: Path) -> None:
    def complete(words: str, index: int) -> list[str]:
        return _bash(llm_executable, prepared, words, index)

    commands = complete("llm ", 1)
    assert {"plain,chat", "plain,logs", "plain,completion", "plain,prompt"} <= set(commands)
    assert complete("llm ch", 1) == ["plain,chat"]
    # The default command: `llm -m` and `llm 'a prompt' -m` are `llm prompt -m`.
    assert {"plain,echo", "plain,markov"} <= set(complete("llm -m ", 2))
    assert complete("llm hello -m mar", 3) == ["plain,markov"]
    assert "plain,--model" in complete("llm chat --mo", 2)
    assert complete("llm -t summ", 2) == ["plain,summarise"]
    assert complete("llm -f myn", 2) == ["plain,mynotes", "file,myn"]
    (conversation,) = complete("llm logs --cid ", 3)
    assert conversation.startswith("plain,") and len(conversation) > 20
    assert complete("llm similar ar", 2) == ["plain,articles"]
    assert complete("llm templates show su", 3) == ["plain,summarise"]


def test_completing_imports_no_plugin(llm_executable: str, prepared: Path) -> None:
    python = Path(llm_executable).parent / "python"
    code = (
        "import sys; sys.argv = ['llm']\n"
        "from llm_cli.__main__ import main\n"
        "try:\n    main()\nfinally:\n"
        "    print(sorted(m for m in sys.modules if m.startswith(('llm_echo', 'llm_markov',"
        " 'llm_embed_hash', 'llm_openai_provider'))), file=sys.stderr)\n"
    )
    for words, index in (("llm -m ", 2), ("llm ", 1), ("llm chat --", 2)):
        result = subprocess.run(
            [str(python), "-c", code],
            env=_env(
                prepared, COMP_WORDS=words, COMP_CWORD=str(index), _LLM_COMPLETE="bash_complete"
            ),
            capture_output=True,
            text=True,
        )
        assert result.stderr.strip() == "[]", (words, result.stderr)
        assert result.stdout


def test_the_bash_script_completes_in_bash(llm_executable: str, prepared: Path) -> None:
    script = subprocess.run(
        [llm_executable, "completion", "bash"], capture_output=True, text=True, check=True
    ).stdout
    assert script.startswith("# llm completion for bash. Install:")
    probe = (
        f"{script}\n"
        'COMP_WORDS=(llm -m mar); COMP_CWORD=2; _llm_completion llm; echo "${COMPREPLY[@]}"\n'
    )
    env = _env(prepared, PATH=f"{Path(llm_executable).parent}:{os.environ['PATH']}")
    result = subprocess.run(["bash", "-c", probe], env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "markov", result.stderr


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish(shell: str, llm_executable: str, prepared: Path) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed (apt-get install {shell})")
    env = _env(prepared, PATH=f"{Path(llm_executable).parent}:{os.environ['PATH']}")
    script = subprocess.run(
        [llm_executable, "completion", shell], capture_output=True, text=True, check=True, env=env
    ).stdout
    assert f"llm completion for {shell}" in script
    # What the script asks llm for, as that shell's script sets the variables.
    if shell == "zsh":
        extra = {"COMP_WORDS": "llm -m mar", "COMP_CWORD": "2", "_LLM_COMPLETE": "zsh_complete"}
        expected = "markov"
    else:
        extra = {"COMP_WORDS": "llm -m mar", "COMP_CWORD": "mar", "_LLM_COMPLETE": "fish_complete"}
        expected = "plain,markov"
    result = subprocess.run([llm_executable], env={**env, **extra}, capture_output=True, text=True)
    assert expected in result.stdout, result.stderr
    # And the shell accepts the script.
    check = (
        ["zsh", "-c", f"autoload -U compinit; compinit -u; {script}"]
        if shell == "zsh"
        else ["fish", "-c", script]
    )
    assert subprocess.run(check, env=env, capture_output=True).returncode == 0


def test_unknown_shell_is_an_error(run_llm) -> None:
    result = run_llm("completion", "tcsh")
    assert result.returncode == 2 and "tcsh" in result.stderr
    assert "Traceback" not in result.stderr
    assert sys.executable  # the suite's interpreter runs the CLI
