# bash completion for ackctl(1), the client of ackd.
# Installed as /usr/share/bash-completion/completions/ackctl (loaded on demand).
# Options come from `ackctl COMMAND --help` when ackctl runs, so new options
# complete without a change here; the lists below are the fallback.

_ackctl_commands="send bench status top reload upgrade stop spool"
# Options that take a value, which is not an operand.
_ackctl_value_options="--timeout --retries --mode -c --concurrency -t --threads -d --duration
    -n --messages -s --size --expect --ack --idle --proxy-source --interval --count --servername"

# The long options of a command (or of ackctl itself when $2 is empty).
_ackctl_options()
{
    local ackctl=$1 command=$2 help options=""
    # $command may be two words ("spool cat"): split it.
    # shellcheck disable=SC2086
    help=$("$ackctl" $command --help 2>/dev/null) || help=""
    # Only the help of that very command (an unknown one prints ackctl's),
    # and only its option lines ("  -h,--help ...", "  --timeout DURATION=5s ...").
    if printf '%s\n' "$help" | grep -qE "^Usage: [^ ]*ackctl${command:+ $command}( |\$)"; then
        options=$(printf '%s\n' "$help" | grep -oE '^ +(-[A-Za-z0-9],)?--[a-z][a-z0-9-]*' |
            grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
    fi
    if [[ -z $options ]]; then
        case $command in
            "") options="--help --version" ;;
            send) options="--udp --unix --unixgram --timeout --retries --proxy-v1 --proxy-v2
                --proxy-source --tls --ca --cert --key --servername --help" ;;
            bench) options="--unix --unixgram --mode --concurrency --threads --duration
                --messages --size --timeout --expect --ack --idle --json --proxy-v1 --proxy-v2
                --proxy-source --tls --ca --cert --key --servername --help" ;;
            status) options="--socket --timeout --json --help" ;;
            top) options="--socket --timeout --interval --count --help" ;;
            reload | upgrade | stop) options="--socket --timeout --help" ;;
            "spool cat" | "spool stats") options="--json --help" ;;
            *) options="--help" ;;
        esac
    fi
    printf '%s\n' "$options"
}

# File names (-f) or directories (-d), spaces included.
_ackctl_files()
{
    if declare -F _filedir >/dev/null; then
        if [[ $1 == -d ]]; then _filedir -d; else _filedir; fi
    else
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen "$1" -- "$cur")
    fi
}

_ackctl()
{
    local cur prev words cword
    if declare -F _init_completion >/dev/null; then
        _init_completion || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi

    # Option arguments: a socket path, or a value we cannot guess.
    case $prev in
        --unix | --unixgram | --socket | --ca | --cert | --key)
            _ackctl_files -f
            return
            ;;
        --mode)
            mapfile -t COMPREPLY < <(compgen -W "conn keep udp unix unixgram" -- "$cur")
            return
            ;;
        --expect)
            mapfile -t COMPREPLY < <(compgen -W "ack echo" -- "$cur")
            return
            ;;
    esac
    if [[ " ${_ackctl_value_options//$'\n'/ } " == *" $prev "* ]]; then
        COMPREPLY=()
        return
    fi

    # The command is the first word after ackctl that is not an option (and
    # for spool, the next one too); the words after it are its operands.
    local i command="" operands=0 unix_socket=""
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --unix | --unixgram) unix_socket=1; ((i++)) ;;
            --socket) ((i++)) ;;
            -*) [[ " ${_ackctl_value_options//$'\n'/ } " == *" ${words[i]} "* ]] && ((i++)) ;;
            *)
                if [[ -z $command ]]; then
                    command=${words[i]}
                elif [[ $command == spool ]]; then
                    command+=" ${words[i]}"
                else
                    ((operands++))
                fi
                ;;
        esac
    done

    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_ackctl_options "${words[0]}" "$command")" -- "$cur")
        return
    fi
    case $command in
        "")
            mapfile -t COMPREPLY < <(compgen -W "$_ackctl_commands" -- "$cur")
            return
            ;;
        spool)
            mapfile -t COMPREPLY < <(compgen -W "cat stats" -- "$cur")
            return
            ;;
        "spool "*)
            # The spool directory.
            ((operands == 0)) && _ackctl_files -d
            return
            ;;
    esac
    # send HOST PORT [MESSAGE] and bench HOST PORT: host names, then ackd's
    # port; nothing for a unix socket (its operand is the message) or for the
    # message.
    if [[ ($command == send || $command == bench) && -z $unix_socket ]]; then
        case $operands in
            0)
                if declare -F _known_hosts_real >/dev/null; then
                    _known_hosts_real -- "$cur"
                else
                    mapfile -t COMPREPLY < <(compgen -A hostname -- "$cur")
                fi
                ;;
            1) mapfile -t COMPREPLY < <(compgen -W "51717" -- "$cur") ;;
        esac
    fi
} &&
    complete -F _ackctl ackctl

# ex: filetype=sh
