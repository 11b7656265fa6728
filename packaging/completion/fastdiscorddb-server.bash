# bash completion for fastdiscorddb-server
_fastdiscorddb_server()
{
    local cur prev words cword
    _init_completion || return

    local commands="import search export reindex serve watch"
    local common="--database --store --elastic --redis --help"
    if [[ $cword -eq 1 ]]; then
        COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
        return
    fi
    case $prev in
        --store) COMPREPLY=($(compgen -W "sqlite postgres es" -- "$cur")); return ;;
        --from) COMPREPLY=($(compgen -W "sqlite postgres" -- "$cur")); return ;;
        --to) COMPREPLY=($(compgen -W "es postgres sqlite" -- "$cur")); return ;;
        --sort) COMPREPLY=($(compgen -W "newest oldest relevance" -- "$cur")); return ;;
        --format) COMPREPLY=($(compgen -W "csv json ndjson markdown" -- "$cur")); return ;;
        --export) _filedir; return ;;
        --keep) _filedir -d; return ;;
        --dce|--api-key-file) _filedir; return ;;
        --database|--elastic|--redis|--target|--listen|--substring|--fulltext|--all|--date|--channel|--author|\
        --page|--page-size|--guild|--after|--before|--timeout|--list-channels|--threads|--rate-limit|\
        --export-timeout|--stop-timeout|--every|--tz|--context)
            return ;;
    esac
    local options
    case ${words[1]} in
        import) options="$common --quiet --salvage" ;;
        search) options="$common --substring --fulltext --all --date --channel --author --tz --page --page-size --sort --json --export --format --context" ;;
        export) options="$common --dce --guild --after --before --update --media --keep --timeout --list-guilds --list-channels" ;;
        reindex) options="$common --from --to --target" ;;
        serve) options="$common --dce --listen --api-key-file --no-auth --threads --rate-limit --export-timeout --stop-timeout --watch" ;;
        watch)
            if [[ $cword -eq 2 ]]; then
                COMPREPLY=($(compgen -W "add remove pause resume list run" -- "$cur"))
                return
            fi
            options="$common --dce --every --guild --channel --threads --json --timeout" ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
    elif [[ ${words[1]} == import ]]; then
        _filedir json
        _filedir -d
    fi
}
complete -F _fastdiscorddb_server fastdiscorddb-server
