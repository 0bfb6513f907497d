# Sourced by the CPU A/B scripts (cpu_ab.sh, cpu_first_run.sh): parses their
# NAME=QRT[:ENV=VALUE,...] arguments into NAMES (in order), BIN[NAME] (the qrt binary) and
# ENVS[NAME] (space-separated ENV=VALUE words for `env`); a malformed one or a binary that is not
# executable is a one-line error naming the calling script, exit 2.
#   parse_qrt_configs SCRIPT_NAME "$@"
declare -A BIN ENVS
NAMES=()
parse_qrt_configs() {
  local script=$1 spec name rest
  shift
  for spec in "$@"; do
    name=${spec%%=*} rest=${spec#*=}
    [[ $name != "$spec" && -n $name ]] || { echo "$script: '$spec' is not NAME=QRT" >&2; exit 2; }
    BIN[$name]=${rest%%:*}
    ENVS[$name]=""
    if [[ $rest == *:* ]]; then ENVS[$name]=$(echo "${rest#*:}" | tr ',' ' '); fi
    [[ -x ${BIN[$name]} ]] || { echo "$script: ${BIN[$name]}: not an executable" >&2; exit 2; }
    NAMES+=("$name")
  done
}
