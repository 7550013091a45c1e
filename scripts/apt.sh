# Sourced by the setup scripts: installs Debian packages, as root or with
# password-less sudo, retrying the index download when a mirror hiccups.
#
#   apt_install WHO PACKAGE...
#
# Returns 0 once installed, 2 without root (after saying what is missing,
# prefixed with WHO), 1 if apt-get failed.
apt_install() {
  local who=$1
  shift
  local sudo=()
  local attempt
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo)
    else
      echo "$who: not root, skipping; missing: $*" >&2
      echo "$who: run as root: apt-get install $*" >&2
      return 2
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  echo "$who: installing $*" >&2
  for attempt in 1 2 3; do
    if "${sudo[@]}" apt-get update; then
      break
    fi
    if [ "$attempt" -eq 3 ]; then
      return 1
    fi
    sleep 10
  done
  "${sudo[@]}" apt-get install -y --no-install-recommends "$@" || return 1
}
