# shellcheck shell=bash
# Sourced by the setup scripts: installs Debian packages, as root or with
# password-less sudo, retrying the index download when a mirror hiccups.
#
#   apt_install WHO PACKAGE...
#     Returns 0 once installed, 2 without root (after saying what is
#     missing, prefixed with WHO), 1 if apt-get failed.
#   apt_missing PACKAGE...
#     Sets the array apt_missing_list to those not installed.
#   apt_install_missing WHO PACKAGE...
#     apt_install of those not installed yet (says so when none is):
#     returns 0 (also without root, after saying what is missing), or 1.
#   apt_unpack WHO PACKAGE DIR
#     Downloads PACKAGE's .deb and unpacks its files under DIR without
#     installing it (nor anything it depends on). Returns 0 once unpacked,
#     2 without root when apt's package lists are missing, 1 on failure.

# Sets apt_sudo to what runs a command as root; returns 2 without root.
apt_root() {
  local who=$1
  apt_sudo=()
  if [ "$(id -u)" -eq 0 ]; then
    return 0
  fi
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    apt_sudo=(sudo)
    return 0
  fi
  echo "$who: not root" >&2
  return 2
}

apt_update() {
  local attempt
  for attempt in 1 2 3; do
    if "${apt_sudo[@]}" apt-get update; then
      return 0
    fi
    if [ "$attempt" -eq 3 ]; then
      return 1
    fi
    sleep 10
  done
}

apt_missing() {
  local p status
  apt_missing_list=()
  for p in "$@"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    if [ "$status" != installed ]; then
      apt_missing_list+=("$p")
    fi
  done
}

apt_install_missing() {
  local who=$1 status=0
  shift
  apt_missing "$@"
  if [ ${#apt_missing_list[@]} -eq 0 ]; then
    echo "$who: all packages installed" >&2
    return 0
  fi
  apt_install "$who" "${apt_missing_list[@]}" || status=$?
  # Without root it has said what is missing: go on without.
  [ "$status" -eq 2 ] || [ "$status" -eq 0 ] || return 1
}

apt_install() {
  local who=$1
  shift
  if ! apt_root "$who"; then
    echo "$who: skipping; missing: $*" >&2
    echo "$who: run as root: apt-get install $*" >&2
    return 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  echo "$who: installing $*" >&2
  apt_update || return 1
  "${apt_sudo[@]}" apt-get install -y --no-install-recommends "$@" || return 1
}

apt_unpack() {
  local who=$1 package=$2 dir=$3
  local tmp deb status=0
  tmp=$(mktemp -d)
  echo "$who: unpacking $package into $dir (not installed)" >&2
  # apt-get download needs the package lists: fetch them if it fails.
  if ! (cd "$tmp" && apt-get download "$package" >&2); then
    if apt_root "$who" && apt_update; then
      (cd "$tmp" && apt-get download "$package" >&2) || status=1
    else
      status=$?
    fi
  fi
  if [ "$status" -eq 0 ]; then
    deb=$(find "$tmp" -maxdepth 1 -name "${package}_*.deb" | head -n 1)
    mkdir -p "$dir"
    if [ -z "$deb" ] || ! dpkg-deb -x "$deb" "$dir"; then
      status=1
    fi
  fi
  rm -rf "$tmp"
  return "$status"
}
