# bash completion for leakaudit and leakaudit-report.  Installed as
# share/bash-completion/completions/leakaudit and .../leakaudit-report.

_leakaudit_report()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    case $prev in
        --format)
            COMPREPLY=($(compgen -W "text json sarif folded junit html suppressions stats" -- "$cur")); return ;;
        --fail-on)
            COMPREPLY=($(compgen -W "leak cycle repeated-mark intentional reachable none" -- "$cur")); return ;;
        --color|--progress)
            COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
        -o|--output|--suppressions|--baseline|--note-processes|--import)
            COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --source-root|--debug-dir)
            COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --run|--session|--max-marks-per-site|--exe|--module)
            COMPREPLY=(); return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "--format --output --source-root --debug-dir --exe --module --fail-on --suppressions
            --no-builtin-suppressions --list-suppressions --max-marks-per-site
            --baseline --run --session --merge --per-run --growth --color --progress
            --verbose --full-stacks --note-processes --import --help --version" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -X '!*.db' -- "$cur") $(compgen -d -- "$cur"))
    fi
}

_leakaudit()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} i
    # After the program's name, the program's own arguments.
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            --) COMPREPLY=($(compgen -c -- "$cur")); [[ $i -lt $((COMP_CWORD - 1)) ]] && COMPREPLY=($(compgen -f -- "$cur")); return ;;
            --check) _leakaudit_report; return ;;
        esac
    done
    case $prev in
        -o|--output|--report) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --project) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --depth|--include|--skip) COMPREPLY=(); return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "--output --depth --project --include --skip --all --check --report --help --version --" -- "$cur"))
    else
        COMPREPLY=($(compgen -c -- "$cur"))
    fi
}

complete -F _leakaudit -o filenames leakaudit
complete -F _leakaudit_report -o filenames leakaudit-report
